-- A new key and its Created event, in one statement.
WITH created AS (
    INSERT INTO taskflow.api_keys (id, prefix, name, secret_hash, roles, requests_per_minute, expires_at, created_at, created_by)
    VALUES (@id, @prefix, @name, @secret_hash, @roles, @requests_per_minute, @expires_at, coalesce(@now, now()), @actor)
    RETURNING id, created_at
), recorded AS (
    INSERT INTO taskflow.api_key_events (key_id, event_type, actor, occurred_at, details)
    SELECT id, 'Created', @actor, created_at,
           jsonb_build_object('name', @name::text, 'roles', to_jsonb(@roles::text[]), 'expiresAt', @expires_at::timestamptz,
                              'requestsPerMinute', @requests_per_minute::int)
    FROM created
)
SELECT created_at FROM created;
