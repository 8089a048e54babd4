-- Records the results of many orchestration activities in one statement: for each lease still held
-- (fenced by its token), the work item goes and the result goes to its orchestration's inbox, waking it.
-- Returns the work items it completed; one missing lost its lease and its result is discarded.
-- Ordered by instance: the wake-ups lock orchestration work items in one order in every batch, so two
-- workers' batches cannot deadlock on them.
WITH input AS (
    SELECT * FROM unnest(@work_item_ids::bigint[], @lease_tokens::bigint[], @outputs::text[], @workers::text[])
        AS t (work_item_id, lease_token, output, worker)
), finished AS (
    DELETE FROM taskflow.work_items AS w
    USING input
    WHERE w.id = input.work_item_id AND w.lease_token = input.lease_token
    RETURNING w.id AS work_item_id, w.instance_id, w.execution, w.task_id, w.attempt, w.leased_at,
              input.output::jsonb AS output, input.worker
)
SELECT work_item_id,
       taskflow.append_to_inbox(instance_id, execution, 'TaskCompleted', task_id, attempt,
           jsonb_build_object('result', output, 'startedAt', leased_at, 'worker', worker),
           coalesce(@now, now()), worker, true)
FROM finished
ORDER BY instance_id;
