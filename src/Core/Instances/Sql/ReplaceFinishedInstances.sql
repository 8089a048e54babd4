-- Instance ids callers chose for new tasks. As Durable Functions does, a finished instance with such an id is
-- replaced: it goes with its history and inbox (as a purge would), in the transaction that starts the new one. An
-- unfinished one stays and comes back with its status: starting it again is a conflict. History and inbox rows are
-- found by "= ANY (ARRAY(...))", as the purge finds them (PurgeTasks.sql says why a join would read the whole history).
WITH existing AS (
    SELECT id, status FROM taskflow.instances WHERE id = ANY(@ids::text[]) FOR UPDATE
), replaced AS (
    SELECT id FROM existing WHERE status = ANY (taskflow.finished_statuses())
), history_gone AS (
    DELETE FROM taskflow.history AS h WHERE h.instance_id = ANY (ARRAY(SELECT id FROM replaced))
), inbox_gone AS (
    DELETE FROM taskflow.inbox AS x WHERE x.instance_id = ANY (ARRAY(SELECT id FROM replaced))
), gone AS (
    DELETE FROM taskflow.instances AS i USING replaced WHERE i.id = replaced.id
)
SELECT id, status FROM existing WHERE status <> ALL (taskflow.finished_statuses());
