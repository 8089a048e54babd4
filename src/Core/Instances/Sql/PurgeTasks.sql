-- Deletes finished instances with their history and inbox: one by id (@id), or one batch of retention for one
-- finished status (@status, @finished_before). Returns how many it deleted and the last task it walked (null when it
-- walked none: for retention, that status is done).
-- Retention walks up to @batch_size tasks in @status created before @finished_before, oldest first, after the last one
-- the previous batch walked (@after_created_at, @after_id; null for the first), and deletes those that finished before
-- the cutoff. It follows instances_by_status_created, since no index holds the finished tasks by when they finished:
-- one on completed_at took an entry at every success (migration 0028). A task finishes after it was created, so every
-- task finished before the cutoff is in the walk; those that finished after it are passed over once a run, and
-- unfinished ones are not in it. One statement across the three statuses was planned as a scan of the whole table, or
-- of every task created before the cutoff (the planner multiplies the two times' selectivities): PurgePlanTests.
-- Short: a batch at a time, SKIP LOCKED, so purging never blocks work or another purger.
-- History and inbox rows are found by "= ANY (ARRAY(...))", not by a join with the batch: the planner costs a join by
-- the history's rows per instance (an orchestration's ~20), while most purged tasks are plain ones with none in the
-- table (their history is read from their row), so it hashed the whole history table for every batch (1.1 s of a
-- 1.2 s purge of 500, in the soak). An array of unknown length is costed at a few elements: the primary key's index.
WITH walked AS (
    SELECT id, created_at FROM taskflow.instances
    WHERE (@id::text IS NULL OR id = @id)
      AND (@status::text IS NULL OR (status = @status AND created_at < @finished_before))
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
