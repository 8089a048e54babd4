-- Records the results of many orchestration activities in one statement: for each lease still held
-- (fenced by its token), the work item goes and the result goes to its orchestration's inbox, waking it.
-- Returns the work items it completed; one missing lost its lease and its result is discarded.
-- Set-based: one insert for all the results and one wake-up per orchestration, however many of its activities
-- the batch holds (a fan-out's 256 results once woke the same work item 256 times, each a new row version).
-- The wake-ups lock orchestration work items in instance order in every batch, so two workers' batches cannot
-- deadlock on them. (taskflow.wake_orchestration does the same for one instance.)
WITH input AS (
    SELECT * FROM unnest(@work_item_ids::bigint[], @lease_tokens::bigint[], @outputs::text[], @workers::text[])
        AS t (work_item_id, lease_token, output, worker)
), finished AS (
    DELETE FROM taskflow.work_items AS w
    USING input
    WHERE w.id = input.work_item_id AND w.lease_token = input.lease_token
    RETURNING w.id AS work_item_id, w.instance_id, w.execution, w.task_id, w.attempt, w.leased_at,
              input.output::jsonb AS output, input.worker
), received AS (
    INSERT INTO taskflow.inbox (instance_id, execution, event_type, task_id, attempt, payload, occurred_at, actor)
    SELECT instance_id, execution, 'TaskCompleted', task_id, attempt,
           jsonb_build_object('result', output, 'startedAt', leased_at, 'worker', worker), coalesce(@now, now()), worker
    FROM finished
    ORDER BY instance_id, work_item_id
), woken AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT i.id, i.execution, 'orchestration', 0, i.name, i.priority, '{"maxAttempts":10}', 10, coalesce(@now, now()), coalesce(@now, now())
    FROM (SELECT instance_id, min(execution) AS execution FROM finished GROUP BY instance_id) AS f
    JOIN taskflow.instances AS i ON i.id = f.instance_id
    WHERE i.execution >= f.execution AND i.status = ANY (taskflow.runnable_statuses())
    ORDER BY i.id
    ON CONFLICT (instance_id, execution, kind, task_id) DO UPDATE
    SET wakeups = taskflow.work_items.wakeups + 1,
        visible_at = least(taskflow.work_items.visible_at, excluded.visible_at)
)
SELECT work_item_id FROM finished;
