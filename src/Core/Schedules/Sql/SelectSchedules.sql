SELECT name, cron, time_zone, task::text, overlap, catch_up, catch_up_limit, paused, start_at, end_at,
       next_fire_at, buffered_slot, last_instance_id, source, created_by, created_at, updated_at
FROM taskflow.schedules
WHERE @name::text IS NULL OR name = @name
ORDER BY name;
