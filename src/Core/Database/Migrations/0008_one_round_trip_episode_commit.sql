-- 0008: an orchestration episode commits in one round trip. Its statements go as one batch, which PostgreSQL
-- runs as one implicit transaction, so the two checks that used to come back to the worker between statements
-- now raise instead, and the error undoes the whole episode:
--   TF001  the episode's lease is no longer this worker's (another worker has the episode);
--   TF002  the instance's history moved since the episode loaded it (a caller suspended it, say).
CREATE FUNCTION taskflow.hold_episode_lease(p_work_item_id bigint, p_lease_token bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Locks the work item first, before any instance row, as every writer does.
    PERFORM 1 FROM taskflow.work_items WHERE id = p_work_item_id AND lease_token = p_lease_token FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'The lease % on work item % is no longer held.', p_lease_token, p_work_item_id
            USING ERRCODE = 'TF001';
    END IF;
END;
$$;

CREATE FUNCTION taskflow.expect_history_unmoved(p_instances_updated bigint, p_instance_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_instances_updated <> 1 THEN
        RAISE EXCEPTION 'The history of instance % moved during the episode.', p_instance_id
            USING ERRCODE = 'TF002';
    END IF;
END;
$$;
