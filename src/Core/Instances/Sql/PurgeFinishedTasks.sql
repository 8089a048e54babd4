-- One batch of retention for one finished status (@status): walks up to @batch_size tasks in that status created before
-- @finished_before, oldest first, after the last one the previous batch walked (@after_created_at, @after_id; null for
-- the first), and deletes those among them that finished before it, with their history and inbox. Returns how many it
-- deleted and where the walk stopped (null when it walked none: the status is done).
-- The walk follows instances_by_status_created, since no index holds the finished tasks by when they finished: one on
-- completed_at took an entry at every success (migration 0028). A task finishes after it was created, so every task
-- finished before the cutoff is in the walk; those that finished after it are passed over once a run, not at every
-- batch, and unfinished ones are not in the walk at all. Locked rows (another purger) are skipped, not waited for.
-- History and inbox rows are found by "= ANY (ARRAY(...))", as in PurgeTasks.sql.
WITH walked AS (
    SELECT id, created_at, completed_at FROM taskflow.instances
    WHERE status = @status AND created_at < @finished_before
      AND (@after_created_at::timestamptz IS NULL OR (created_at, id) > (@after_created_at, @after_id::text))
    ORDER BY created_at, id
    LIMIT @batch_size
), doomed AS (
    SELECT i.id FROM taskflow.instances AS i
    WHERE i.id = ANY (ARRAY(SELECT id FROM walked WHERE completed_at < @finished_before))
      AND i.status = @status AND i.completed_at < @finished_before
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
