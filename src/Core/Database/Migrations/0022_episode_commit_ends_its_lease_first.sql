-- 0022: an episode's commit ends its lease in its first statement (Orchestrations/Sql/EndEpisodeLease.sql), deleting
-- its work item or handing it back, and that statement's row lock is the commit's fence. It was a statement of its own
-- (taskflow.hold_episode_lease, a SELECT … FOR UPDATE), the end of the lease another at the commit's end: one statement
-- and one row lock fewer per episode. The work item stays locked to the commit either way, so a wake-up that comes
-- meanwhile is still seen (it waits for the commit, then finds the item gone and inserts a new one, or bumps the
-- handed-back one). This raises when the statement found the lease gone. hold_episode_lease stays for workers of the
-- previous version while a rolling upgrade runs.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
CREATE FUNCTION taskflow.expect_lease_held(p_rows_ended bigint, p_work_item_id bigint, p_lease_token bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_rows_ended <> 1 THEN
        RAISE EXCEPTION 'The lease % on work item % is no longer held.', p_lease_token, p_work_item_id
            USING ERRCODE = 'TF001';
    END IF;
END;
$$;
