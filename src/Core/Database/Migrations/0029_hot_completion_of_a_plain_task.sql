-- 0029: a plain task's success is a HOT update of its instance. While any index named a column the success changes, the
-- update wrote a new entry in every index of the table (four) and its new version went wherever it fit. Since 0028
-- only instances_by_status_created names one (status). PostgreSQL 15 counts every column an index names, in its key,
-- its expressions or its predicate, so no index on the row can hold 'pending' and 'succeeded' apart and leave the update
-- HOT (docs/benchmarks.md, "Retention by status and creation, and what a HOT completion would take").
-- So the index of statuses now holds the statuses a plain task reaches only rarely:
--   listed_status is the status, except for a plain task pending or succeeded and for an entity (null). A plain task's
--   pending -> succeeded leaves it null, so the success changes no indexed value.
--   A pending plain task is found through its work item instead: work_items.task_created_at is its instance's creation
--   time, set on a plain task's work items only, and the index of unleased ones by it lists them in the listing's order.
--   Its entry is written at the submit (and at a retry), never at the lease, whose row is not in it.
--   A succeeded plain task is found by walking instances_by_created, where nearly every task is one.
-- ListTasks.sql reads each status through the index that holds it; retention walks instances_by_created
-- (PurgeTasks.sql). The fillfactor leaves a quarter of each page for the successes' new versions, which a HOT update
-- must write on its old version's page. Setting it before the stored column's rewrite packs the rewritten table by it.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
ALTER TABLE taskflow.instances SET (fillfactor = 75);

ALTER TABLE taskflow.instances
    ADD COLUMN listed_status text GENERATED ALWAYS AS (
        CASE WHEN kind = 'entity' OR (kind = 'activity' AND status IN ('pending', 'succeeded')) THEN NULL ELSE status END
    ) STORED;

CREATE INDEX instances_by_listed_status ON taskflow.instances (listed_status, created_at DESC, id DESC)
    WHERE listed_status IS NOT NULL;

DROP INDEX taskflow.instances_by_status_created;

ALTER TABLE taskflow.work_items ADD COLUMN task_created_at timestamptz;

UPDATE taskflow.work_items AS w
SET task_created_at = i.created_at
FROM taskflow.instances AS i
WHERE i.id = w.instance_id AND i.kind = 'activity';

CREATE INDEX work_items_unleased_tasks_by_created ON taskflow.work_items (task_created_at DESC, instance_id DESC)
    WHERE lease_token IS NULL AND task_created_at IS NOT NULL;

-- The view as in 0024, with listed_status at its end for the listing.
CREATE OR REPLACE VIEW taskflow.tasks AS
SELECT i.id, i.name, i.kind,
       CASE WHEN queued.running_since IS NOT NULL THEN 'running' ELSE i.status END AS status,
       i.priority, i.input, i.output, i.error, i.custom_status,
       coalesce(queued.running_attempt, i.attempt) AS attempt,
       (i.retry_policy ->> 'maxAttempts')::int AS max_attempts, i.tags, i.idempotency_key, i.execution,
       i.created_by, i.created_at, i.run_at,
       coalesce(i.started_at, queued.running_since) AS started_at,
       i.completed_at,
       greatest(i.updated_at, queued.running_since) AS updated_at,
       queued.next_visible_at,
       queued.waiting_for_limit,
       i.status AS stored_status,
       i.listed_status
FROM taskflow.instances AS i
CROSS JOIN LATERAL (
    SELECT min(w.visible_at) FILTER (WHERE w.lease_token IS NULL) AS next_visible_at,
           min(w.limit_key) FILTER (WHERE w.limit_key IS NOT NULL AND w.lease_token IS NULL AND w.visible_at <= now())
               AS waiting_for_limit,
           max(w.leased_at) FILTER (WHERE w.lease_token IS NOT NULL AND i.kind = 'activity' AND i.status = 'pending')
               AS running_since,
           max(w.attempt) FILTER (WHERE w.lease_token IS NOT NULL AND i.kind = 'activity' AND i.status = 'pending')
               AS running_attempt
    FROM taskflow.work_items AS w
    WHERE w.instance_id = i.id
) AS queued
WHERE i.kind <> 'entity';
