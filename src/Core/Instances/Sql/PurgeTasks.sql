-- Deletes finished instances with their history and inbox: one by id (@id), or one batch of retention (@finished_before).
-- Returns how many it deleted and the last task it walked (null when it walked none: retention is done).
-- Retention walks up to @batch_size tasks created before @finished_before, oldest first, after the last one the
-- previous batch walked (@after_created_at, @after_id; null for the first), and deletes those of them that finished
-- before the cutoff. It follows instances_by_created, since no index holds the finished tasks by when they finished (one
-- on completed_at took an entry at every success, migration 0028) nor by status (migration 0029). A task finishes after
-- it was created, so every task finished before the cutoff is in the walk; those that finished after it, and unfinished
-- ones created before it, are passed over once a run. The walk names nothing but the index's own columns, so its plan is
-- that index's order cut at the batch: with a status or a completion time in it the planner multiplied their
-- selectivities as if unrelated, and chose scans of the whole table (PurgePlanTests).
WITH walked AS (
    SELECT id, created_at FROM taskflow.instances
    WHERE (@id::text IS NULL OR id = @id)
      AND (@finished_before::timestamptz IS NULL OR created_at < @finished_before)
      AND (@after_created_at::timestamptz IS NULL OR (created_at, id) > (@after_created_at, @after_id::text))
    ORDER BY created_at, id
    LIMIT @batch_size
), doomed AS (
    SELECT i.id FROM taskflow.instances AS i
    WHERE i.id = ANY (ARRAY(SELECT id FROM walked))
      AND i.status = ANY (taskflow.finished_statuses())
      AND (@finished_before::timestamptz IS NULL OR i.completed_at < @finished_before)
    FOR UPDATE SKIP LOCKED
), history_gone AS (
    DELETE FROM taskflow.history AS h WHERE h.instance_id = ANY (ARRAY(SELECT id FROM doomed))
), inbox_gone AS (
    DELETE FROM taskflow.inbox AS x WHERE x.instance_id = ANY (ARRAY(SELECT id FROM doomed))
), gone AS (
    DELETE FROM taskflow.instances AS i USING doomed WHERE i.id = doomed.id RETURNING i.id
), last_walked AS (
    SELECT created_at, id FROM walked ORDER BY created_at DESC, id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM gone), (SELECT created_at FROM last_walked), (SELECT id FROM last_walked);
