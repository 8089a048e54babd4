-- Records the results of many orchestration activities in one statement: for each lease still held
-- (fenced by its token), the work item goes and the result goes to its orchestration's inbox, waking it.
-- Returns the work items it completed; one missing lost its lease and its result is discarded.
-- Set-based: one insert for all the results and one wake-up per orchestration, however many of its activities
-- the batch holds (a fan-out's 256 results once woke the same work item 256 times, each a new row version).
-- The wake-ups lock orchestration work items in instance order in every batch, so two workers' batches cannot
-- deadlock on them. (taskflow.wake_orchestration does the same for one instance.)
-- With @lease_to (the Durable storage provider's host), an episode work item this statement creates is leased to
-- that worker at once, as LeaseChosen.sql would lease it, and returned after the completed ids (work_item_id NULL):
-- the host's episode dispatcher runs it without a lease of its own through the queue. One that was queued already
-- (xmax <> 0: the insert became the update) keeps its state: someone may hold it, or lease it now.
-- Each table is read by the ids given or found (the "= ANY" conditions, which repeat the joins): it runs on one generic
-- plan, made perhaps while the tables were small, and kept as they grow (KeyedPlans).
WITH input AS (
    SELECT * FROM unnest(@work_item_ids::bigint[], @lease_tokens::bigint[], @outputs::text[], @workers::text[])
        AS t (work_item_id, lease_token, output, worker)
), finished AS (
    DELETE FROM taskflow.work_items AS w
    USING input
    WHERE w.id = input.work_item_id AND w.lease_token = input.lease_token AND w.id = ANY(@work_item_ids)
    RETURNING w.id AS work_item_id, w.instance_id, w.execution, w.task_id, w.attempt, w.leased_at,
              input.output::jsonb AS output, input.worker
), received AS (
    INSERT INTO taskflow.inbox (instance_id, execution, event_type, task_id, attempt, payload, occurred_at, actor)
    SELECT instance_id, execution, 'TaskCompleted', task_id, attempt,
           jsonb_build_object('result', output, 'startedAt', leased_at, 'worker', worker), coalesce(@now, now()), worker
    FROM finished
    ORDER BY instance_id, work_item_id
), woken AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at,
                                     lease_token, lease_owner, leased_at, lease_expires_at, attempt)
    SELECT i.id, i.execution, 'orchestration', 0, i.name, i.priority, '{"maxAttempts":10}', 10, coalesce(@now, now()), coalesce(@now, now()),
           CASE WHEN @lease_to::text IS NOT NULL THEN nextval('taskflow.lease_tokens') END,
           @lease_to,
           CASE WHEN @lease_to::text IS NOT NULL THEN coalesce(@now, now()) END,
           CASE WHEN @lease_to::text IS NOT NULL THEN coalesce(@now, now()) + @lease_duration::interval END,
           CASE WHEN @lease_to::text IS NOT NULL THEN 1 ELSE 0 END
    FROM (SELECT instance_id, min(execution) AS execution FROM finished GROUP BY instance_id) AS f
    JOIN taskflow.instances AS i ON i.id = f.instance_id AND i.id = ANY(ARRAY(SELECT instance_id FROM finished))
    WHERE i.execution >= f.execution AND i.status = ANY (taskflow.runnable_statuses())
    ORDER BY i.id
    ON CONFLICT (instance_id, execution, kind, task_id) DO UPDATE
    SET wakeups = taskflow.work_items.wakeups + 1,
        visible_at = least(taskflow.work_items.visible_at, excluded.visible_at)
    RETURNING id, instance_id, execution, kind, task_id, name, input, retry_policy, timeout, attempt, max_attempts,
              lease_token, leased_at, lease_expires_at, wakeups, created_at, xmax = 0 AS inserted
), leased AS (
    SELECT w.id, w.instance_id, w.execution, w.kind, w.task_id, w.name, w.input::text, w.retry_policy::text, w.timeout,
           w.attempt, w.max_attempts, w.lease_token, w.leased_at, w.lease_expires_at, @lease_to AS lease_owner, w.wakeups,
           i.kind AS instance_kind, w.created_at, i.trace_parent
    FROM woken AS w
    JOIN taskflow.instances AS i ON i.id = w.instance_id AND i.id = ANY(ARRAY(SELECT instance_id FROM woken))
    WHERE w.inserted AND @lease_to::text IS NOT NULL
)
-- One row per completed work item, then one per leased episode (a full join on false is a union that types the NULLs).
SELECT finished.work_item_id, leased.*
FROM finished FULL JOIN leased ON false;
