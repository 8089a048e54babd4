-- Deletes one finished instance (@id) with its history and inbox; nothing when it is unknown or unfinished.
-- Retention's batches are PurgeFinishedTasks.sql.
-- History and inbox rows are found by "= ANY (ARRAY(...))", not by a join with the batch: the planner costs a join by
-- the history's rows per instance (an orchestration's ~20), while most purged tasks are plain ones with none in the
-- table (their history is read from their row), so it hashed the whole history table for every batch (1.1 s of a
-- 1.2 s purge of 500, in the soak). An array of unknown length is costed at a few elements: the primary key's index.
WITH doomed AS (
    SELECT id FROM taskflow.instances
    WHERE id = @id AND status = ANY (taskflow.finished_statuses())
    FOR UPDATE SKIP LOCKED
), history_gone AS (
    DELETE FROM taskflow.history AS h WHERE h.instance_id = ANY (ARRAY(SELECT id FROM doomed))
), inbox_gone AS (
    DELETE FROM taskflow.inbox AS x WHERE x.instance_id = ANY (ARRAY(SELECT id FROM doomed))
), gone AS (
    DELETE FROM taskflow.instances AS i USING doomed WHERE i.id = doomed.id RETURNING i.id
)
SELECT count(*) FROM gone;
