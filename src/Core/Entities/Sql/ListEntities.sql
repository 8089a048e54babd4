-- Entities from taskflow.entities: one (@instance_id), or a page in id order after @after_id, by name.
SELECT instance_id, name, key, state, locked_by, queued_operations, scheduled_operations, created_at, last_modified_at
FROM taskflow.entities
WHERE (@instance_id::text IS NULL OR instance_id = @instance_id)
  AND (@name::text IS NULL OR starts_with(instance_id, '@' || @name || '@'))
  AND (@after_id::text IS NULL OR instance_id > @after_id)
ORDER BY instance_id
LIMIT @limit;
