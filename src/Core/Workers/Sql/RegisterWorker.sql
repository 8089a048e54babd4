INSERT INTO taskflow.workers (id, host, process_id, role, started_at, heartbeat_at)
VALUES (@id, @host, @process_id, @role, coalesce(@now, now()), coalesce(@now, now()))
ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL;
