-- Records the success of many single-activity tasks in one statement (one commit, one WAL flush): for each
-- lease still held (fenced by its token), deletes the work item and completes the instance. The success's two history
-- events, TaskCompleted and ExecutionCompleted (sequences last_sequence - 1 and last_sequence), are read from the
-- instance row by taskflow.task_history (migration 0020): success_recorded_by and success_attempt_started_at hold what
-- the row did not. Returns the work items it completed; one missing lost its lease.
-- Each table is read by the ids given (the "= ANY" conditions, which repeat the joins): it runs on one generic plan,
-- made perhaps while the tables were small, and kept as they grow (KeyedPlans).
WITH input AS (
    SELECT * FROM unnest(@work_item_ids::bigint[], @lease_tokens::bigint[], @outputs::text[], @workers::text[])
        AS t (work_item_id, lease_token, output, worker)
), finished AS (
    DELETE FROM taskflow.work_items AS w
    USING input
    WHERE w.id = input.work_item_id AND w.lease_token = input.lease_token AND w.id = ANY(@work_item_ids)
    RETURNING w.id AS work_item_id, w.instance_id, w.execution, w.task_id, w.attempt, w.leased_at,
              input.output::jsonb AS output, input.worker
), completed AS (
    UPDATE taskflow.instances AS i
    SET status = 'succeeded',
        output = finished.output,
        error = NULL,
        completed_at = coalesce(@now, now()),
        updated_at = coalesce(@now, now()),
        last_sequence = i.last_sequence + 2,
        attempt = finished.attempt,
        started_at = coalesce(i.started_at, finished.leased_at),
        success_recorded_by = finished.worker,
        success_attempt_started_at = finished.leased_at
    FROM finished
    WHERE i.id = finished.instance_id AND i.id = ANY(ARRAY(SELECT instance_id FROM finished))
    RETURNING finished.work_item_id
)
SELECT work_item_id FROM completed;
