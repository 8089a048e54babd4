-- Every key, newest first, without its hash.
SELECT id, name, NULL::bytea, roles, requests_per_minute, expires_at, created_at, created_by, revoked_at, revoked_by
FROM taskflow.api_keys
ORDER BY created_at DESC, id DESC;
