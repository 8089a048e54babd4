-- The tasks with the given ids, as the tasks view shows them. Each table is read by those ids (the instances by
-- theirs, the work items by their instance's), so it runs on one generic plan at any size (TaskRows, KeyedPlans).
SELECT id, name, kind, status, priority, input::text, output::text, error::text, custom_status::text, attempt,
       max_attempts, tags::text, idempotency_key, execution, created_by, created_at, run_at, started_at,
       completed_at, updated_at, next_visible_at, waiting_for_limit
FROM taskflow.tasks
WHERE id = ANY(@ids);
