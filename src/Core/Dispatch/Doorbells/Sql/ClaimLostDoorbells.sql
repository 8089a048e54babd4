-- Claims up to @batch_size work items of @kind whose doorbell is presumed lost (the queue holds fewer
-- messages than CountRung.sql says it should): those still waiting @ring_again_after past both their due time and
-- their doorbell, longest first. They are rung again at once.
WITH due AS (
    SELECT id
    FROM taskflow.work_items
    WHERE kind = @kind
      AND lease_token IS NULL
      AND doorbell_visible_at < coalesce(@now, now()) - @ring_again_after
      AND visible_at < coalesce(@now, now()) - @ring_again_after
    ORDER BY doorbell_visible_at, id
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
)
UPDATE taskflow.work_items AS w
SET doorbell_visible_at = coalesce(@now, now())
FROM due
WHERE w.id = due.id
RETURNING w.id, w.instance_id, w.kind, interval '0' AS delay;
