-- The queue and the workers now, for the metrics' gauges: work items ready, waiting for their time, and leased; the
-- oldest ready item's wait; workers whose heartbeat is recent; messages waiting for Durable entities (unread, and
-- queued behind a lock).
SELECT count(*) FILTER (WHERE lease_token IS NULL AND visible_at <= coalesce(@now, now())),
       count(*) FILTER (WHERE lease_token IS NULL AND visible_at > coalesce(@now, now())),
       count(*) FILTER (WHERE lease_token IS NOT NULL),
       coalesce(extract(epoch FROM coalesce(@now, now()) - min(visible_at) FILTER (WHERE lease_token IS NULL AND visible_at <= coalesce(@now, now()))), 0)::float8,
       (SELECT count(*) FROM taskflow.workers WHERE stopped_at IS NULL AND heartbeat_at > coalesce(@now, now()) - @stale_after),
       (SELECT count(*) FROM taskflow.inbox WHERE instance_id LIKE '@%')
           + (SELECT coalesce(sum((custom_status ->> 'queueSize')::bigint), 0) FROM taskflow.instances WHERE kind = 'entity')::bigint
FROM taskflow.work_items;
