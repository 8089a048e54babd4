-- The key with this prefix, for a request that presents it (the caller compares the hash).
SELECT id, name, secret_hash, roles, requests_per_minute, expires_at, created_at, created_by, revoked_at, revoked_by
FROM taskflow.api_keys
WHERE prefix = @prefix;
