-- Claims up to @batch_size work items that have had no doorbell since they became ready (or were created),
-- and records when each new doorbell will show: the item's visible time, at most 7 days ahead (the queue's
-- longest delay; an early doorbell is put again when it shows).
-- NOTE: walks the waiting items (work_items_ready) past those already rung, every RingInterval in every
-- process: fine for backlogs of thousands; a partial index on unrung items would cost PostgreSQL mode's
-- enqueue an index entry per task, so there is none. Work that a limit governs is not rung: QueueDispatcher leases it
-- from PostgreSQL, within its limit (a doorbell would show again and again while the limit holds it).
WITH due AS (
    SELECT id
    FROM taskflow.work_items
    WHERE lease_token IS NULL
      AND limit_key IS NULL
      AND doorbell_visible_at IS NULL
    ORDER BY priority DESC, visible_at, id
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
)
UPDATE taskflow.work_items AS w
SET doorbell_visible_at = least(greatest(w.visible_at, coalesce(@now, now())), coalesce(@now, now()) + interval '7 days')
FROM due
WHERE w.id = due.id
RETURNING w.id, w.instance_id, w.kind, w.doorbell_visible_at - coalesce(@now, now()) AS delay;
