-- 0004: the next-visible-time subquery of taskflow.tasks looks work items up by instance only.
-- With "lease_token IS NULL" in its WHERE, a planner without statistics (a young table) combined the
-- instance index with the whole ready-queue index for every row (BitmapAnd): reading back a batch of 1,000
-- tasks grew from 40 ms to 550 ms as 20,000 tasks queued up. The filter on the aggregate keeps the lookup
-- on one index and one instance.
CREATE OR REPLACE VIEW taskflow.tasks AS
SELECT i.id, i.name, i.kind, i.status, i.priority, i.input, i.output, i.error, i.custom_status, i.attempt,
       (i.retry_policy ->> 'maxAttempts')::int AS max_attempts, i.tags, i.idempotency_key, i.execution,
       i.created_by, i.created_at, i.run_at, i.started_at, i.completed_at, i.updated_at,
       (SELECT min(w.visible_at) FILTER (WHERE w.lease_token IS NULL) FROM taskflow.work_items AS w
        WHERE w.instance_id = i.id) AS next_visible_at
FROM taskflow.instances AS i;
