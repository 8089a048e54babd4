-- Re-runs a failed or cancelled task as a new execution: Replayed (the caller's action) is appended, then
-- ExecutionStarted and TaskScheduled for a single-activity task; an orchestration starts over from its input
-- with an empty working history, its ExecutionStarted waiting in the inbox for the first episode (see
-- StartOrchestration.sql). The earlier executions stay in the audit trail. A plain task's new work item carries the
-- task's creation time, by which the listing finds it pending (migration 0029).
WITH restarted AS (
    UPDATE taskflow.instances
    SET status = 'pending',
        execution = execution + 1,
        output = NULL,
        error = NULL,
        custom_status = NULL,
        attempt = 0,
        started_at = NULL,
        completed_at = NULL,
        updated_at = coalesce(@now, now()),
        last_sequence = last_sequence + CASE kind WHEN 'activity' THEN 3 ELSE 1 END
    WHERE id = @id AND status = ANY (taskflow.finished_statuses()) AND status <> 'succeeded'
    RETURNING id, kind, execution, name, input, priority, retry_policy, timeout, last_sequence, updated_at, tags, created_at
), queued AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy,
                                     timeout, max_attempts, visible_at, created_at, task_created_at, limit_key)
    SELECT id, execution, kind, CASE kind WHEN 'activity' THEN 1 ELSE 0 END, name,
           CASE kind WHEN 'activity' THEN input END, priority,
           CASE kind WHEN 'activity' THEN retry_policy ELSE '{"maxAttempts":10}' END, timeout,
           CASE kind WHEN 'activity' THEN (retry_policy ->> 'maxAttempts')::int ELSE 10 END, updated_at, updated_at,
           CASE kind WHEN 'activity' THEN created_at END,
           CASE WHEN kind = 'activity' AND EXISTS (SELECT 1 FROM taskflow.limits) THEN taskflow.limit_key_of(name, tags) END
    FROM restarted
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, payload, occurred_at, actor)
    SELECT restarted.id, restarted.last_sequence - CASE restarted.kind WHEN 'activity' THEN 3 ELSE 1 END + event.offset_in_batch,
           restarted.execution, event.event_type, event.task_id, event.payload, restarted.updated_at, @actor
    FROM restarted
    CROSS JOIN LATERAL (VALUES
        (1, 'Replayed', NULL::int, jsonb_build_object('previousExecution', restarted.execution - 1)),
        (2, 'ExecutionStarted', NULL::int,
            jsonb_build_object('name', restarted.name, 'input', restarted.input, 'priority', restarted.priority)),
        (3, 'TaskScheduled', 1, jsonb_build_object('name', restarted.name, 'retry', restarted.retry_policy))
    ) AS event (offset_in_batch, event_type, task_id, payload)
    WHERE restarted.kind = 'activity' OR event.offset_in_batch = 1
), started AS (
    INSERT INTO taskflow.inbox (instance_id, execution, event_type, payload, occurred_at, actor)
    SELECT id, execution, 'ExecutionStarted',
           jsonb_build_object('name', name, 'input', input, 'priority', priority), updated_at, @actor
    FROM restarted
    WHERE kind = 'orchestration'
)
SELECT id FROM restarted;
