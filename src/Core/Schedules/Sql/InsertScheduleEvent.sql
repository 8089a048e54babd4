INSERT INTO taskflow.schedule_events (schedule_name, event_type, payload, occurred_at, actor)
VALUES (@name, @event_type, @payload::jsonb, coalesce(@now, now()), @actor);
