SELECT id, event_type, payload::text, occurred_at, actor
FROM taskflow.schedule_events
WHERE schedule_name = @name
ORDER BY id DESC
LIMIT @limit;
