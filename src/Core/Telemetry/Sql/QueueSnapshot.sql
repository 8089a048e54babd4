-- The queue and the workers now, for the metrics' gauges: work items ready, waiting for their time, and leased; the
-- oldest ready item's wait; workers whose heartbeat is recent; messages waiting for Durable entities (unread, and
-- queued behind a lock).
-- Each count walks the partial index that holds just its rows (ready and waiting, unlimited or limited; leased), never
-- the table: under steady churn the queue's heap holds a minute of dead rows between vacuums (5,000 pages for a few
-- dozen live rows in ./bench/run.sh soak), and a sequential scan of it took 130 ms every 5 s.
WITH unleased AS (
    SELECT count(*) FILTER (WHERE visible_at <= coalesce(@now, now())) AS ready,
           count(*) FILTER (WHERE visible_at > coalesce(@now, now())) AS waiting,
           min(visible_at) FILTER (WHERE visible_at <= coalesce(@now, now())) AS oldest_ready
    FROM taskflow.work_items
    WHERE lease_token IS NULL AND limit_key IS NULL
    UNION ALL
    SELECT count(*) FILTER (WHERE visible_at <= coalesce(@now, now())),
           count(*) FILTER (WHERE visible_at > coalesce(@now, now())),
           min(visible_at) FILTER (WHERE visible_at <= coalesce(@now, now()))
    FROM taskflow.work_items
    WHERE lease_token IS NULL AND limit_key IS NOT NULL
)
SELECT sum(ready)::bigint,
       sum(waiting)::bigint,
       (SELECT count(*) FROM taskflow.work_items WHERE lease_token IS NOT NULL),
       coalesce(extract(epoch FROM coalesce(@now, now()) - min(oldest_ready)), 0)::float8,
       (SELECT count(*) FROM taskflow.workers WHERE stopped_at IS NULL AND heartbeat_at > coalesce(@now, now()) - @stale_after),
       (SELECT count(*) FROM taskflow.inbox WHERE instance_id LIKE '@%')
           + (SELECT coalesce(sum((custom_status ->> 'queueSize')::bigint), 0) FROM taskflow.instances WHERE kind = 'entity')::bigint
FROM unleased;
