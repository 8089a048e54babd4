-- The limits' audit trail, newest first, before @before_id when given.
SELECT id, scope, name, before::text, after::text, changed_at, actor
FROM taskflow.limit_changes
WHERE (@before_id::bigint IS NULL OR id < @before_id::bigint)
ORDER BY id DESC
LIMIT @limit;
