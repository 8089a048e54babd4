-- 0011: instance ids are strings chosen by the caller (business keys such as 'order-42') or generated (a UUID's
-- text). 1 to 100 characters: letters, digits and - _ . : @, starting with a letter or digit; the rule is checked
-- by the API, the clients and the episode (for children) before any write. Existing rows keep their ids as the UUID's text
-- ('0190…-…', lower case), so every link, cursor and query that worked before still does.
-- The columns use the "C" collation: ids are compared byte by byte (they are ASCII by the rule), so the hottest
-- indexes (history, work items, instances) never pay for locale-aware comparison, whatever the database's locale.
-- Forward only: never edit this file once merged; add the next number instead.

-- Views and functions name the columns' type; they are recreated unchanged below.
DROP VIEW taskflow.task_history, taskflow.dead_letter, taskflow.tasks, taskflow.orchestration_activity_counts;
DROP FUNCTION taskflow.append_to_inbox(uuid, int, text, int, int, jsonb, timestamptz, text, boolean);
DROP FUNCTION taskflow.wake_orchestration(uuid, int, timestamptz);
DROP FUNCTION taskflow.expect_history_unmoved(bigint, uuid);

ALTER TABLE taskflow.instances
    ALTER COLUMN id TYPE text COLLATE "C" USING id::text,
    ALTER COLUMN parent_instance_id TYPE text COLLATE "C" USING parent_instance_id::text,
    -- The full rule is checked by TaskFlow's code before any write (InstanceIds); a regular expression here cost
    -- about 12 µs per insert, a quarter of an enqueue, so the table checks only the length.
    ADD CONSTRAINT id_length_in_range CHECK (length(id) BETWEEN 1 AND 100);
ALTER TABLE taskflow.history ALTER COLUMN instance_id TYPE text COLLATE "C" USING instance_id::text;
ALTER TABLE taskflow.work_items ALTER COLUMN instance_id TYPE text COLLATE "C" USING instance_id::text;
ALTER TABLE taskflow.inbox ALTER COLUMN instance_id TYPE text COLLATE "C" USING instance_id::text;
ALTER TABLE taskflow.schedules ALTER COLUMN last_instance_id TYPE text COLLATE "C" USING last_instance_id::text;
ALTER TABLE taskflow.schedule_slots ALTER COLUMN instance_id TYPE text COLLATE "C" USING instance_id::text;

-- Besides the type: an event raised while an execution ends by ContinueAsNew was queued for the execution the
-- caller saw; as in Durable Task, where a message finds whichever execution is current, it now wakes and reaches
-- the current one (the episode reads older executions' EventRaised rows as its own; their other rows are moot).
CREATE FUNCTION taskflow.wake_orchestration(p_instance_id text, p_execution int, p_now timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT id, execution, 'orchestration', 0, name, priority, '{"maxAttempts":10}', 10, p_now, p_now
    FROM taskflow.instances
    WHERE id = p_instance_id AND execution >= p_execution AND status IN ('pending', 'running')
    ON CONFLICT (instance_id, execution, kind, task_id) DO UPDATE
    SET wakeups = taskflow.work_items.wakeups + 1,
        visible_at = least(taskflow.work_items.visible_at, excluded.visible_at);
END;
$$;

CREATE FUNCTION taskflow.append_to_inbox(
    p_instance_id text, p_execution int, p_event_type text, p_task_id int, p_attempt int,
    p_payload jsonb, p_now timestamptz, p_actor text, p_wake boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO taskflow.inbox (instance_id, execution, event_type, task_id, attempt, payload, occurred_at, actor)
    VALUES (p_instance_id, p_execution, p_event_type, p_task_id, p_attempt, p_payload, p_now, p_actor);
    IF p_wake THEN
        PERFORM taskflow.wake_orchestration(p_instance_id, p_execution, p_now);
    END IF;
END;
$$;

CREATE FUNCTION taskflow.expect_history_unmoved(p_instances_updated bigint, p_instance_id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_instances_updated <> 1 THEN
        RAISE EXCEPTION 'The history of instance % moved during the episode.', p_instance_id
            USING ERRCODE = 'TF002';
    END IF;
END;
$$;

CREATE VIEW taskflow.task_history AS
SELECT instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor
FROM taskflow.history;

CREATE VIEW taskflow.dead_letter AS
SELECT id AS instance_id, name, attempt, error, tags, created_at, completed_at
FROM taskflow.instances
WHERE status = 'failed';

CREATE VIEW taskflow.tasks AS
SELECT i.id, i.name, i.kind, i.status, i.priority, i.input, i.output, i.error, i.custom_status, i.attempt,
       (i.retry_policy ->> 'maxAttempts')::int AS max_attempts, i.tags, i.idempotency_key, i.execution,
       i.created_by, i.created_at, i.run_at, i.started_at, i.completed_at, i.updated_at,
       (SELECT min(w.visible_at) FILTER (WHERE w.lease_token IS NULL) FROM taskflow.work_items AS w
        WHERE w.instance_id = i.id) AS next_visible_at
FROM taskflow.instances AS i;

CREATE VIEW taskflow.orchestration_activity_counts AS
SELECT instance_id,
       count(*) FILTER (WHERE event_type = 'TaskScheduled') AS scheduled,
       count(*) FILTER (WHERE event_type = 'TaskCompleted') AS completed,
       count(*) FILTER (WHERE event_type = 'TaskFailed' AND NOT coalesce((payload ->> 'retrying')::boolean, false)) AS failed
FROM taskflow.history
GROUP BY instance_id;
