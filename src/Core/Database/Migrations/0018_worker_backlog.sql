-- 0018: the work that more worker processes could take on now, in one row, for an autoscaler outside TaskFlow (KEDA's
-- PostgreSQL scaler in deploy/helm/taskflow; docs/capacity.md). It weighs what the Function App's target-based scaler
-- weighs (src/Core/Provider/Sql/CountBacklog.sql): work ready or running, to be divided by one process's concurrency.
--   ready                 work due and unleased, not held by a global limit, plus the part of each limit's waiting work
--                         its free slots would take now (a limit's waiting work beyond its slots needs no more workers)
--   running               work leased (a dead worker's lease counts until it is rescued: someone must run it)
--   schedules_due         cron schedules whose next slot is due: the firer runs in workers, so a deployment scaled to
--                         zero must wake for them
--   oldest_ready_seconds  how long the oldest ready work (not held by a limit) has waited; 0 when none
--   held_by_limits        waiting work the limits hold back (for dashboards; no scaler should add workers for it)
-- Counts over work_items, which holds only unfinished work, on the database's clock.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.

-- limit_usage as in 0016, and each key's free slots: how much of its waiting work the limit would start now (NULL: the
-- limit has no maximum at once, only a rate). The one place this rule lives: the backlog below and the Function App's
-- scaler (src/Core/Provider/Sql/CountBacklog.sql) read it.
CREATE OR REPLACE VIEW taskflow.limit_usage AS
SELECT l.scope, l.name, l.max_concurrent, l.per_second, l.burst, u.limit_key,
       coalesce(u.running, 0) AS running, coalesce(u.waiting, 0) AS waiting, b.tokens, b.served_at,
       CASE WHEN l.max_concurrent IS NOT NULL THEN greatest(l.max_concurrent - coalesce(u.running, 0), 0) END AS free_slots
FROM taskflow.limits AS l
LEFT JOIN (SELECT limit_key,
                  count(*) FILTER (WHERE lease_token IS NOT NULL) AS running,
                  count(*) FILTER (WHERE lease_token IS NULL AND visible_at <= now()) AS waiting
           FROM taskflow.work_items
           WHERE limit_key IS NOT NULL
           GROUP BY limit_key) AS u
  ON (l.scope = 'activity' AND u.limit_key = 'activity:' || l.name)
  OR (l.scope = 'tag' AND left(u.limit_key, length(l.name) + 5) = 'tag:' || l.name || '=')
LEFT JOIN taskflow.limit_buckets AS b ON b.limit_key = u.limit_key;

CREATE VIEW taskflow.worker_backlog AS
SELECT q.ready + coalesce(l.runnable, 0) AS ready,
       q.running,
       s.due AS schedules_due,
       coalesce(extract(epoch FROM now() - q.oldest_ready), 0)::double precision AS oldest_ready_seconds,
       coalesce(l.waiting - l.runnable, 0) AS held_by_limits
FROM (SELECT count(*) FILTER (WHERE lease_token IS NULL AND visible_at <= now() AND limit_key IS NULL) AS ready,
             count(*) FILTER (WHERE lease_token IS NOT NULL) AS running,
             min(visible_at) FILTER (WHERE lease_token IS NULL AND visible_at <= now() AND limit_key IS NULL) AS oldest_ready
      FROM taskflow.work_items) AS q
CROSS JOIN (SELECT sum(waiting)::bigint AS waiting, sum(least(waiting, coalesce(free_slots, waiting)))::bigint AS runnable
            FROM taskflow.limit_usage) AS l
CROSS JOIN (SELECT count(*) AS due FROM taskflow.schedules WHERE NOT paused AND next_fire_at <= now()) AS s;

-- An autoscaler connects as a role of its own that may read this and nothing else (deploy/postgres/roles.sql): the view
-- holds counts and an age, nothing of any task.
GRANT SELECT ON taskflow.worker_backlog TO PUBLIC;
