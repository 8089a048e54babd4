-- Workers seen recently, newest first; a worker whose heartbeat is older than @stale_after is reported as lost.
SELECT id, host, process_id, role, started_at, heartbeat_at, stopped_at,
       stopped_at IS NULL AND heartbeat_at < coalesce(@now, now()) - @stale_after AS lost
FROM taskflow.workers
WHERE coalesce(stopped_at, heartbeat_at) > coalesce(@now, now()) - interval '1 day'
ORDER BY started_at DESC
LIMIT 500;
