UPDATE taskflow.workers SET stopped_at = coalesce(@now, now()), heartbeat_at = coalesce(@now, now()) WHERE id = @id;
