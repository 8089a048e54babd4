-- Removes entities with nothing left: no state (never set, or deleted), no lock, no operation queued, read or
-- scheduled; with their history. SKIP LOCKED: an entity a message is on its way to (send_to_entity) is left alone.
WITH empty AS (
    SELECT i.id FROM taskflow.instances AS i
    WHERE i.kind = 'entity'
      AND NOT coalesce((i.custom_status ->> 'entityExists')::boolean, false)
      AND i.custom_status ->> 'lockedBy' IS NULL
      AND coalesce((i.custom_status ->> 'queueSize')::int, 0) = 0
      AND NOT EXISTS (SELECT 1 FROM taskflow.inbox AS b WHERE b.instance_id = i.id)
      AND NOT EXISTS (SELECT 1 FROM taskflow.work_items AS w WHERE w.instance_id = i.id)
    FOR UPDATE SKIP LOCKED
), history_gone AS (
    DELETE FROM taskflow.history AS h USING empty WHERE h.instance_id = empty.id
), gone AS (
    DELETE FROM taskflow.instances AS i USING empty WHERE i.id = empty.id RETURNING i.id
)
SELECT count(*)::int FROM gone;
