-- Records a single-activity task's final failure (attempts exhausted, or a non-retryable error):
-- TaskFailed + ExecutionCompleted (orchestrationStatus Failed), the instance ends 'failed' and so lists in taskflow.dead_letter.
-- Fenced like ScheduleActivityRetry.sql.
WITH failed_item AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id
      AND lease_token = @lease_token
      AND (NOT @only_if_expired OR lease_expires_at < coalesce(@now, now()))
    RETURNING instance_id, execution, task_id, attempt, leased_at
), failed AS (
    UPDATE taskflow.instances AS i
    SET status = 'failed',
        error = @failure::jsonb,
        attempt = failed_item.attempt,
        started_at = coalesce(i.started_at, failed_item.leased_at),
        completed_at = coalesce(@now, now()),
        updated_at = coalesce(@now, now()),
        last_sequence = i.last_sequence + 2
    FROM failed_item
    WHERE i.id = failed_item.instance_id
    RETURNING i.id, i.last_sequence, failed_item.*
)
INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor)
SELECT id, last_sequence - 1, execution, 'TaskFailed', task_id, attempt,
       jsonb_build_object('failure', @failure::jsonb, 'startedAt', leased_at, 'worker', @lease_owner),
       coalesce(@now, now()), @actor
FROM failed
UNION ALL
SELECT id, last_sequence, execution, 'ExecutionCompleted', NULL, NULL,
       jsonb_build_object('orchestrationStatus', 'Failed', 'error', @failure::jsonb),
       coalesce(@now, now()), @actor
FROM failed;
