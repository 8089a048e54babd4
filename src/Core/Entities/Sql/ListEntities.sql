-- Entities from taskflow.entities, in id order: one (@instance_id), or a page after @after_id by id prefix (a name is
-- the prefix '@name@') and last change; those without state (never set, or deleted) only with @include_stateless.
SELECT instance_id, name, key, state, locked_by, queued_operations, scheduled_operations, created_at, last_modified_at
FROM taskflow.entities
WHERE (@instance_id::text IS NULL OR instance_id = @instance_id)
  AND (@prefix::text IS NULL OR starts_with(instance_id, @prefix))
  AND (@after_id::text IS NULL OR instance_id > @after_id)
  AND (@modified_from::timestamptz IS NULL OR last_modified_at >= @modified_from)
  AND (@modified_to::timestamptz IS NULL OR last_modified_at <= @modified_to)
  AND (@include_stateless OR state IS NOT NULL)
ORDER BY instance_id
LIMIT @limit;
