-- Deletes finished instances with their history and inbox: one by id (@id), or a batch of those finished
-- before @finished_before (retention). Short: a batch at a time, SKIP LOCKED, so purging never blocks work.
WITH doomed AS (
    SELECT id FROM taskflow.instances
    WHERE status = ANY (taskflow.finished_statuses())
      AND (@id::text IS NULL OR id = @id)
      AND (@finished_before::timestamptz IS NULL OR completed_at < @finished_before)
    ORDER BY completed_at
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
), history_gone AS (
    DELETE FROM taskflow.history AS h USING doomed WHERE h.instance_id = doomed.id
), inbox_gone AS (
    DELETE FROM taskflow.inbox AS x USING doomed WHERE x.instance_id = doomed.id
), gone AS (
    DELETE FROM taskflow.instances AS i USING doomed WHERE i.id = doomed.id RETURNING i.id
)
SELECT count(*) FROM gone;
