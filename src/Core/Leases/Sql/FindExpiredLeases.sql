-- Leases whose holder stopped renewing them (crashed, hung, partitioned). The rescuer records each as a
-- failed attempt, fenced by token and expiry, so a holder that renews in the meantime keeps its lease.
SELECT w.id, w.instance_id, w.execution, w.kind, w.task_id, w.name, w.input::text, w.retry_policy::text,
       w.timeout, w.attempt, w.max_attempts, w.lease_token, w.leased_at, w.lease_expires_at,
       coalesce(w.lease_owner, 'unknown'), w.wakeups, i.kind AS instance_kind, w.created_at, i.trace_parent
FROM taskflow.work_items AS w
JOIN taskflow.instances AS i ON i.id = w.instance_id
WHERE w.lease_token IS NOT NULL
  AND w.lease_expires_at < coalesce(@now, now())
ORDER BY w.lease_expires_at
LIMIT @batch_size;
