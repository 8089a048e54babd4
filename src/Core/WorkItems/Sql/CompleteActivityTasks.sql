-- Records the success of many single-activity tasks in one statement (one commit, one WAL flush): for each
-- lease still held (fenced by its token), deletes the work item, completes the instance, and appends
-- TaskCompleted + ExecutionCompleted. Returns the work items it completed; one missing lost its lease.
WITH input AS (
    SELECT * FROM unnest(@work_item_ids::bigint[], @lease_tokens::bigint[], @outputs::text[], @workers::text[])
        AS t (work_item_id, lease_token, output, worker)
), finished AS (
    DELETE FROM taskflow.work_items AS w
    USING input
    WHERE w.id = input.work_item_id AND w.lease_token = input.lease_token
    RETURNING w.id AS work_item_id, w.instance_id, w.execution, w.task_id, w.attempt, w.leased_at,
              input.output::jsonb AS output, input.worker
), completed AS (
    UPDATE taskflow.instances AS i
    SET status = 'succeeded',
        output = finished.output,
        error = NULL,
        completed_at = coalesce(@now, now()),
        updated_at = coalesce(@now, now()),
        last_sequence = i.last_sequence + 2
    FROM finished
    WHERE i.id = finished.instance_id
    RETURNING i.id, i.last_sequence, finished.*
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor)
    SELECT id, last_sequence - 1, execution, 'TaskCompleted', task_id, attempt,
           jsonb_build_object('result', output, 'startedAt', leased_at, 'worker', worker), coalesce(@now, now()), worker
    FROM completed
    UNION ALL
    SELECT id, last_sequence, execution, 'ExecutionCompleted', NULL, NULL,
           jsonb_build_object('orchestrationStatus', 'Completed', 'output', output), coalesce(@now, now()), worker
    FROM completed
)
SELECT work_item_id FROM completed;
