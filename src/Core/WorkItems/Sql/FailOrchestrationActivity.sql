-- An orchestration activity failed for the last time: the failure goes to the inbox and wakes the
-- orchestration, whose code sees it as ActivityFailedException. Fenced like ScheduleActivityRetry.sql.
WITH failed AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id
      AND lease_token = @lease_token
      AND (NOT @only_if_expired OR lease_expires_at < coalesce(@now, now()))
    RETURNING instance_id, execution, task_id, attempt, leased_at
)
SELECT taskflow.append_to_inbox(instance_id, execution, 'TaskFailed', task_id, attempt,
           jsonb_build_object('failure', @failure::jsonb, 'startedAt', leased_at, 'worker', @lease_owner, 'retrying', false),
           coalesce(@now, now()), @actor, true)
FROM failed;
