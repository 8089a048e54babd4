-- Records a failed attempt of a single-activity task that will be retried: TaskFailed + TaskRetryScheduled, and the work item goes
-- back to the queue, visible after the backoff. Fenced by the lease token; with @only_if_expired (the
-- rescuer) also by the expiry, so a lease renewed in the meantime is left alone.
WITH retried AS (
    UPDATE taskflow.work_items
    SET lease_token = NULL,
        lease_owner = NULL,
        lease_expires_at = NULL,
        visible_at = coalesce(@now, now()) + @delay
    WHERE id = @work_item_id
      AND lease_token = @lease_token
      AND (NOT @only_if_expired OR lease_expires_at < coalesce(@now, now()))
    RETURNING instance_id, execution, task_id, attempt, visible_at, leased_at
), pending AS (
    UPDATE taskflow.instances AS i
    SET status = 'pending',
        error = @failure::jsonb,
        attempt = retried.attempt,
        started_at = coalesce(i.started_at, retried.leased_at),
        updated_at = coalesce(@now, now()),
        last_sequence = i.last_sequence + 2
    FROM retried
    WHERE i.id = retried.instance_id
    RETURNING i.id, i.last_sequence, retried.*
)
INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor)
SELECT id, last_sequence - 1, execution, 'TaskFailed', task_id, attempt,
       jsonb_build_object('failure', @failure::jsonb, 'startedAt', leased_at, 'worker', @lease_owner),
       coalesce(@now, now()), @actor
FROM pending
UNION ALL
SELECT id, last_sequence, execution, 'TaskRetryScheduled', task_id, attempt + 1,
       jsonb_build_object('retryAt', visible_at, 'delay', @delay_iso::text),
       coalesce(@now, now()), @actor
FROM pending;
