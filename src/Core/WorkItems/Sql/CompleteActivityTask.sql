-- Records a single-activity task's success: fenced by the lease token, so only the current lease holder
-- commits. Deletes the work item, completes the instance, appends TaskCompleted + ExecutionCompleted.
-- Returns the number of history rows written: 0 means the lease was lost and the result is discarded.
WITH finished AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token
    RETURNING instance_id, execution, task_id, attempt, leased_at
), completed AS (
    UPDATE taskflow.instances AS i
    SET status = 'succeeded',
        output = @output::jsonb,
        error = NULL,
        completed_at = coalesce(@now, now()),
        updated_at = coalesce(@now, now()),
        last_sequence = i.last_sequence + 2
    FROM finished
    WHERE i.id = finished.instance_id
    RETURNING i.id, i.last_sequence, finished.execution, finished.task_id, finished.attempt, finished.leased_at
)
INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor)
SELECT id, last_sequence - 1, execution, 'TaskCompleted', task_id, attempt,
       jsonb_build_object('result', @output::jsonb, 'startedAt', leased_at, 'worker', @worker_id),
       coalesce(@now, now()), @worker_id
FROM completed
UNION ALL
SELECT id, last_sequence, execution, 'ExecutionCompleted', NULL, NULL,
       jsonb_build_object('output', @output::jsonb),
       coalesce(@now, now()), @worker_id
FROM completed;
