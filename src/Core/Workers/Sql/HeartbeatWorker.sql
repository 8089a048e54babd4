UPDATE taskflow.workers SET heartbeat_at = coalesce(@now, now()) WHERE id = @id;
