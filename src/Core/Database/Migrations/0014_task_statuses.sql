-- 0014: the stored task statuses, declared once for SQL. C# declares the same sets in Instances/TaskStatuses.cs, and
-- TaskStatusCatalogueTests fails when the two differ (or a .sql file lists statuses of its own). 'scheduled' is not
-- stored: it is a 'pending' task whose work is not visible yet.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.

-- Not yet ended.
CREATE FUNCTION taskflow.unfinished_statuses() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['pending', 'running', 'suspended'];

-- Ended: succeeded, failed after its last attempt, or cancelled by a caller.
CREATE FUNCTION taskflow.finished_statuses() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['succeeded', 'failed', 'cancelled'];

-- An orchestration in these runs episodes (a suspended one waits, its events queued, until it is resumed).
CREATE FUNCTION taskflow.runnable_statuses() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['pending', 'running'];

-- The instances' CHECK constraints (status_is_known, terminal_has_completed_at) keep their lists from 0003: PostgreSQL
-- folds a function in a CHECK again for every statement that writes the table, 15 µs per single-row UPDATE here
-- (18.5 against 33 µs), on the hottest statements; TaskStatusCatalogueTests evaluates them against the C# sets instead.

-- As 0011 defined it, with the runnable statuses named instead of listed.
CREATE OR REPLACE FUNCTION taskflow.wake_orchestration(p_instance_id text, p_execution int, p_now timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT id, execution, 'orchestration', 0, name, priority, '{"maxAttempts":10}', 10, p_now, p_now
    FROM taskflow.instances
    WHERE id = p_instance_id AND execution >= p_execution AND status = ANY (taskflow.runnable_statuses())
    ON CONFLICT (instance_id, execution, kind, task_id) DO UPDATE
    SET wakeups = taskflow.work_items.wakeups + 1,
        visible_at = least(taskflow.work_items.visible_at, excluded.visible_at);
END;
$$;
