-- Deletes a revoked key for good (an active one must be revoked first) and records it.
WITH deleted AS (
    DELETE FROM taskflow.api_keys
    WHERE id = @id AND revoked_at IS NOT NULL
    RETURNING id
), recorded AS (
    INSERT INTO taskflow.api_key_events (key_id, event_type, actor, occurred_at)
    SELECT id, 'Deleted', @actor, coalesce(@now, now()) FROM deleted
)
SELECT id FROM deleted;
