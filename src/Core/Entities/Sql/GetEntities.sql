-- Entities for the Durable Task Framework's entity queries: one by id (@id), or a page in id order after
-- @after_id, by id prefix and last modification, without those that have no state unless @include_stateless.
-- The custom status is the framework's entity status; the input its scheduler state (with the serialized state).
SELECT i.id, CASE WHEN @include_state THEN i.input::text END, i.custom_status::text, i.updated_at,
       (SELECT count(*) FROM taskflow.inbox AS b WHERE b.instance_id = i.id)::int
FROM taskflow.instances AS i
WHERE i.kind = 'entity'
  AND (@id::text IS NULL OR i.id = @id)
  AND (@prefix::text IS NULL OR starts_with(i.id, @prefix))
  AND (@after_id::text IS NULL OR i.id > @after_id)
  AND (@modified_from::timestamptz IS NULL OR i.updated_at >= @modified_from)
  AND (@modified_to::timestamptz IS NULL OR i.updated_at <= @modified_to)
  AND (@include_stateless OR coalesce((i.custom_status ->> 'entityExists')::boolean, false))
ORDER BY i.id
LIMIT @page_size;
