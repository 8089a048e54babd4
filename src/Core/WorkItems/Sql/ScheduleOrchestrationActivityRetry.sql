-- A failed attempt of an orchestration activity that will be retried: the work item waits out the backoff
-- (a durable wait: no thread sleeps), and TaskFailed + TaskRetryScheduled go to the inbox without waking
-- the orchestration, which only hears of the final outcome. Fenced like ScheduleActivityRetry.sql.
WITH retried AS (
    UPDATE taskflow.work_items
    SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL,
        visible_at = coalesce(@now, now()) + @delay
    WHERE id = @work_item_id
      AND lease_token = @lease_token
      AND (NOT @only_if_expired OR lease_expires_at < coalesce(@now, now()))
    RETURNING instance_id, execution, task_id, attempt, leased_at, visible_at
)
SELECT taskflow.append_to_inbox(instance_id, execution, 'TaskFailed', task_id, attempt,
           jsonb_build_object('failure', @failure::jsonb, 'startedAt', leased_at, 'worker', @lease_owner, 'retrying', true),
           coalesce(@now, now()), @actor, false),
       taskflow.append_to_inbox(instance_id, execution, 'TaskRetryScheduled', task_id, attempt + 1,
           jsonb_build_object('retryAt', visible_at, 'delay', @delay_iso::text),
           coalesce(@now, now()), @actor, false)
FROM retried;
