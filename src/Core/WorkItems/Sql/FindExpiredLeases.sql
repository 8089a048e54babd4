-- Leases whose holder stopped renewing them (crashed, hung, partitioned). The rescuer records each as a
-- failed attempt, fenced by token and expiry, so a holder that renews in the meantime keeps its lease.
SELECT id, instance_id, execution, kind, task_id, name, input::text, retry_policy::text,
       timeout, attempt, max_attempts, lease_token, leased_at, lease_expires_at, lease_owner
FROM taskflow.work_items
WHERE lease_token IS NOT NULL
  AND lease_expires_at < coalesce(@now, now())
ORDER BY lease_expires_at
LIMIT @batch_size;
