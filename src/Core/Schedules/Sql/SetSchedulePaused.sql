-- Resuming starts from the next slot after now: slots passed while paused are not caught up.
UPDATE taskflow.schedules
SET paused = @paused,
    next_fire_at = CASE WHEN @paused THEN next_fire_at ELSE @next_fire_at END,
    updated_at = coalesce(@now, now())
WHERE name = @name AND paused <> @paused
RETURNING name;
