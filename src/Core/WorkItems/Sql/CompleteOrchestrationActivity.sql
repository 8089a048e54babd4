-- Records an orchestration activity's success: fenced by the lease token, the result goes to the
-- orchestration's inbox and wakes its next episode. No row: the lease was lost; the result is discarded.
WITH finished AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token
    RETURNING instance_id, execution, task_id, attempt, leased_at
)
SELECT taskflow.append_to_inbox(instance_id, execution, 'TaskCompleted', task_id, attempt,
           jsonb_build_object('result', @output::jsonb, 'startedAt', leased_at, 'worker', @worker_id),
           coalesce(@now, now()), @worker_id, true)
FROM finished;
