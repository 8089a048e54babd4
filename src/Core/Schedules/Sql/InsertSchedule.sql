-- Creates a schedule; no row when the name is taken.
INSERT INTO taskflow.schedules (name, cron, time_zone, task, overlap, catch_up, catch_up_limit, paused, start_at, end_at,
                                next_fire_at, source, created_by, created_at, updated_at)
VALUES (@name, @cron, @time_zone, @task::jsonb, @overlap, @catch_up, @catch_up_limit, @paused, @start_at, @end_at,
        @next_fire_at, @source, @actor, coalesce(@now, now()), coalesce(@now, now()))
ON CONFLICT (name) DO NOTHING
RETURNING name;
