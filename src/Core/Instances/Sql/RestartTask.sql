-- Re-runs a failed or cancelled single-activity task as a new execution: Replayed (the caller's action),
-- ExecutionStarted and TaskScheduled are appended; the earlier executions stay in the audit trail.
WITH restarted AS (
    UPDATE taskflow.instances
    SET status = 'pending',
        execution = execution + 1,
        output = NULL,
        error = NULL,
        attempt = 0,
        started_at = NULL,
        completed_at = NULL,
        updated_at = coalesce(@now, now()),
        last_sequence = last_sequence + 3
    WHERE id = @id AND status IN ('failed', 'cancelled') AND kind = 'activity'
    RETURNING id, execution, name, input, priority, retry_policy, timeout, last_sequence, updated_at
), queued AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy,
                                     timeout, max_attempts, visible_at, created_at)
    SELECT id, execution, 'activity', 1, name, input, priority, retry_policy, timeout,
           (retry_policy ->> 'maxAttempts')::int, updated_at, updated_at
    FROM restarted
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, payload, occurred_at, actor)
    SELECT restarted.id, restarted.last_sequence - 3 + event.offset_in_batch, restarted.execution, event.event_type,
           event.task_id, event.payload, restarted.updated_at, @actor
    FROM restarted
    CROSS JOIN LATERAL (VALUES
        (1, 'Replayed', NULL::int, jsonb_build_object('previousExecution', restarted.execution - 1)),
        (2, 'ExecutionStarted', NULL::int,
            jsonb_build_object('name', restarted.name, 'input', restarted.input, 'priority', restarted.priority)),
        (3, 'TaskScheduled', 1, jsonb_build_object('name', restarted.name, 'retry', restarted.retry_policy))
    ) AS event (offset_in_batch, event_type, task_id, payload)
)
SELECT id, pg_notify('taskflow_work', '') FROM restarted;
