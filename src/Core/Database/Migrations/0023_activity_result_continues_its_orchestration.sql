-- 0023: an orchestration activity's result can be committed together with its orchestration's next episode, by the
-- worker that ran the activity and holds the orchestration's replayed state (docs/architecture.md, "Continuations").
-- That commit's first statement ends the activity's lease and checks that the instance is as this worker's last
-- episode of it left it: the same history, and no episode queued for it (an event that came meanwhile is read first,
-- by that episode). This raises when it is not, which undoes the batch; the result then goes to the inbox as before.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
CREATE FUNCTION taskflow.expect_continuable(p_instances_as_left bigint, p_instance_id text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_instances_as_left <> 1 THEN
        RAISE EXCEPTION 'Instance % moved on since this worker''s last episode of it; the result goes to its inbox.', p_instance_id
            USING ERRCODE = 'TF003';
    END IF;
END;
$$;
