-- Leases up to @batch_size ready work items for @worker_id: highest priority first, then the longest ready.
-- The attempt is counted here, at the start, so a worker that dies mid-run has used an attempt.
-- Lock order (work item, then instance) is the same in every statement that touches both.
WITH next AS (
    SELECT id
    FROM taskflow.work_items
    WHERE lease_token IS NULL
      AND visible_at <= coalesce(@now, now())
    ORDER BY priority DESC, visible_at, id
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
), leased AS (
    UPDATE taskflow.work_items AS w
    SET lease_token = nextval('taskflow.lease_tokens'),
        lease_owner = @worker_id,
        leased_at = coalesce(@now, now()),
        lease_expires_at = coalesce(@now, now()) + @lease_duration,
        attempt = w.attempt + 1
    FROM next
    WHERE w.id = next.id
    RETURNING w.id, w.instance_id, w.execution, w.kind, w.task_id, w.name, w.input, w.retry_policy,
              w.timeout, w.attempt, w.max_attempts, w.lease_token, w.leased_at, w.lease_expires_at
), started AS (
    UPDATE taskflow.instances AS i
    SET status = 'running',
        attempt = leased.attempt,
        started_at = coalesce(i.started_at, leased.leased_at),
        updated_at = leased.leased_at
    FROM leased
    WHERE i.id = leased.instance_id
      AND i.kind = 'activity'
)
SELECT id, instance_id, execution, kind, task_id, name, input::text, retry_policy::text,
       timeout, attempt, max_attempts, lease_token, leased_at, lease_expires_at
FROM leased
ORDER BY id;
