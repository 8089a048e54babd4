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
CROSS JOIN (SELECT sum(waiting)::bigint AS waiting,
                   sum(CASE WHEN max_concurrent IS NULL THEN waiting
                            ELSE least(waiting, greatest(max_concurrent - running, 0)) END)::bigint AS runnable
            FROM taskflow.limit_usage) AS l
CROSS JOIN (SELECT count(*) AS due FROM taskflow.schedules WHERE NOT paused AND next_fire_at <= now()) AS s;

-- An autoscaler connects as a role of its own that may read this and nothing else (deploy/postgres/roles.sql): the view
-- holds counts and an age, nothing of any task.
GRANT SELECT ON taskflow.worker_backlog TO PUBLIC;
