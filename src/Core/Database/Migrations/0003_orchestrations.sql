-- 0003: durable orchestrations. Events for an orchestration (activity outcomes, timers, raised events,
-- child outcomes) wait in the inbox until an episode appends them to history, so the history order is
-- always the order the orchestrator code saw them in; that is what makes replay deterministic.

CREATE TABLE taskflow.inbox (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id uuid        NOT NULL,
    execution   int         NOT NULL,
    event_type  text        NOT NULL,
    task_id     int,
    attempt     int,
    payload     jsonb,
    occurred_at timestamptz NOT NULL,
    actor       text
);

CREATE INDEX inbox_by_instance ON taskflow.inbox (instance_id, id);

-- Timers are work items that become visible at their fire time and run no user code.
ALTER TABLE taskflow.work_items DROP CONSTRAINT work_kind_is_known;
ALTER TABLE taskflow.work_items ADD CONSTRAINT work_kind_is_known CHECK (kind IN ('activity', 'orchestration', 'timer'));

-- Bumped by every inbox write that wakes the orchestration; an episode deletes its work item only when
-- nothing woke it meanwhile, so no event is left without an episode to read it.
ALTER TABLE taskflow.work_items ADD COLUMN wakeups int NOT NULL DEFAULT 0;

-- A suspended orchestration runs no episodes; events wait in its inbox until it is resumed.
ALTER TABLE taskflow.instances DROP CONSTRAINT status_is_known;
ALTER TABLE taskflow.instances ADD CONSTRAINT status_is_known
    CHECK (status IN ('pending', 'running', 'suspended', 'succeeded', 'failed', 'cancelled'));

-- A sub-orchestration reports to this task of its parent.
ALTER TABLE taskflow.instances ADD COLUMN parent_task_id int;
CREATE INDEX instances_by_parent ON taskflow.instances (parent_instance_id) WHERE parent_instance_id IS NOT NULL;

-- Retention: finished instances are purged by completion time.
CREATE INDEX instances_finished ON taskflow.instances (completed_at) WHERE completed_at IS NOT NULL;

-- What the orchestrations did, per instance: shown as child counts on the task.
CREATE VIEW taskflow.orchestration_activity_counts AS
SELECT instance_id,
       count(*) FILTER (WHERE event_type = 'TaskScheduled') AS scheduled,
       count(*) FILTER (WHERE event_type = 'TaskCompleted') AS completed,
       count(*) FILTER (WHERE event_type = 'TaskFailed' AND NOT coalesce((payload ->> 'retrying')::boolean, false)) AS failed
FROM taskflow.history
GROUP BY instance_id;

-- Makes sure an orchestration's next episode will run: inserts its work item, or bumps the one that exists
-- (leased or not). An execution that has ended, moved on (ContinueAsNew) or is suspended is not woken.
CREATE FUNCTION taskflow.wake_orchestration(p_instance_id uuid, p_execution int, p_now timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT id, execution, 'orchestration', 0, name, priority, '{"maxAttempts":10}', 10, p_now, p_now
    FROM taskflow.instances
    WHERE id = p_instance_id AND execution = p_execution AND status IN ('pending', 'running')
    ON CONFLICT (instance_id, execution, kind, task_id) DO UPDATE
    SET wakeups = taskflow.work_items.wakeups + 1,
        visible_at = least(taskflow.work_items.visible_at, excluded.visible_at);
    PERFORM pg_notify('taskflow_work', '');
END;
$$;

-- Queues an event for an orchestration's next episode and, with p_wake, wakes it. Events for an execution
-- that has ended or moved on are discarded by the episode that finds them.
CREATE FUNCTION taskflow.append_to_inbox(
    p_instance_id uuid, p_execution int, p_event_type text, p_task_id int, p_attempt int,
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
