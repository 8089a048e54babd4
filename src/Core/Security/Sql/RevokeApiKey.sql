-- Revokes a key (once) and records it; returns the key's id when it was revoked now.
WITH revoked AS (
    UPDATE taskflow.api_keys
    SET revoked_at = coalesce(@now, now()), revoked_by = @actor
    WHERE id = @id AND revoked_at IS NULL
    RETURNING id, revoked_at
), recorded AS (
    INSERT INTO taskflow.api_key_events (key_id, event_type, actor, occurred_at)
    SELECT id, 'Revoked', @actor, revoked_at FROM revoked
)
SELECT id FROM revoked;
