-- 0024: a plain task is running while a worker holds its work item's lease, and the lease no longer writes its row.
-- A single-activity task's instance was updated at every lease (status 'running', the attempt, the start): a second row
-- written per task, and not a HOT update (status is indexed), so four index entries as well. Being leased is what
-- running means, so the lease now writes the work item alone, and taskflow.tasks, which every read of a task's status
-- goes through (the API, the Durable client, the dashboard, the counts), derives the status, the attempt and the start
-- from the leased work item while the task is stored 'pending'. The outcome (success, failure, retry) writes the attempt
-- and the start into the row as before, so a finished task reads exactly as it did. Rows a lease marked 'running'
-- before this migration keep that status until their outcome.
-- The three work-item lookups of the view (next visible time, limit, lease) are one pass over the instance's items.
-- stored_status is the row's own status, for filters that need the status index (see Instances/Sql/ListTasks.sql).
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
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
       i.status AS stored_status
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
