-- Replaces a schedule's definition; the next slot is recomputed from now. No row when there is none.
UPDATE taskflow.schedules
SET cron = @cron, time_zone = @time_zone, task = @task::jsonb, overlap = @overlap, catch_up = @catch_up,
    catch_up_limit = @catch_up_limit, paused = @paused, start_at = @start_at, end_at = @end_at,
    next_fire_at = @next_fire_at, source = @source, updated_at = coalesce(@now, now())
WHERE name = @name
RETURNING name;
