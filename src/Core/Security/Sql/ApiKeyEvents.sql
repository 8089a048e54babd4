-- A key's audit trail, oldest first.
SELECT event_type, actor, occurred_at, details::text
FROM taskflow.api_key_events
WHERE key_id = @id
ORDER BY id;
