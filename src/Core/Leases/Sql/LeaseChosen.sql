-- The shared end of a lease statement, after a "WITH chosen AS (...)" that picks and locks the rows
-- (ChooseNext.sql, ChooseByIds.sql): leases them for @worker_id. A single-activity task's instance is not written:
-- taskflow.tasks shows it running, on this attempt, while its work item is leased (migration 0024).
-- The attempt is counted here, at the start, so a worker that dies mid-run has used an attempt. Limited work starts
-- when its limit granted it (granted_at: see taskflow.choose_limited); the rest when the statement began.
-- It locks work items only; statements that lock both take the work item first.
-- Each table is read by the ids chosen (the "= ANY" conditions, which repeat the joins): the worker's lease runs on one
-- generic plan, made perhaps while the tables were small, and kept as they grow (KeyedPlans).
), leased AS (
    UPDATE taskflow.work_items AS w
    SET lease_token = nextval('taskflow.lease_tokens'),
        lease_owner = @worker_id,
        leased_at = coalesce(chosen.granted_at, @now, now()),
        lease_expires_at = coalesce(chosen.granted_at, @now, now()) + @lease_duration,
        attempt = w.attempt + 1
    FROM chosen
    WHERE w.id = chosen.id AND w.id = ANY(ARRAY(SELECT id FROM chosen))
    RETURNING w.id, w.instance_id, w.execution, w.kind, w.task_id, w.name, w.input, w.retry_policy,
              w.timeout, w.attempt, w.max_attempts, w.lease_token, w.leased_at, w.lease_expires_at, w.wakeups, w.created_at
)
SELECT leased.id, leased.instance_id, leased.execution, leased.kind, leased.task_id, leased.name, leased.input::text,
       leased.retry_policy::text, leased.timeout, leased.attempt, leased.max_attempts, leased.lease_token, leased.leased_at,
       leased.lease_expires_at, @worker_id, leased.wakeups, i.kind AS instance_kind, leased.created_at, i.trace_parent
FROM leased
JOIN taskflow.instances AS i ON i.id = leased.instance_id AND i.id = ANY(ARRAY(SELECT instance_id FROM leased))
ORDER BY leased.id;
