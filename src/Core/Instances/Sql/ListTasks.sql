-- One page of tasks, newest first, with keyset paging on (created_at, id): the cursor is the last row seen.
-- 'scheduled' and 'pending' are both stored as 'pending'; next_visible_at tells them apart. A plain task is stored
-- 'pending' while it runs too (migration 0024), so those filters check the view's derived status, and each also says
-- where an index finds its rows: the stored status, or for 'running' also the leased work items' instances (an array,
-- read once: found through the pending tasks instead, 500 running in a backlog of 20,000 took 500 ms, against 20 ms).
-- A work item is leased exactly when it has a lease expiry (the lease_is_whole check), and that names the index of
-- the leased items, work_items_leases_by_expiry.
-- "tags <> '{}'" lets the planner use the tags index, which holds tagged tasks only (migration 0007).
SELECT id, name, kind, status, priority, input::text, output::text, error::text, custom_status::text, attempt,
       max_attempts, tags::text, idempotency_key, execution, created_by, created_at, run_at, started_at,
       completed_at, updated_at, next_visible_at
FROM taskflow.tasks
WHERE (@status::text IS NULL
       OR (@status = 'scheduled' AND stored_status = 'pending' AND status = 'pending'
           AND next_visible_at > coalesce(@now, now()))
       OR (@status = 'pending' AND stored_status = 'pending' AND status = 'pending'
           AND coalesce(next_visible_at, '-infinity') <= coalesce(@now, now()))
       OR (@status = 'running' AND status = 'running'
           AND (stored_status = 'running'
                OR id = ANY (ARRAY(SELECT w.instance_id FROM taskflow.work_items AS w WHERE w.lease_expires_at IS NOT NULL))))
       OR (@status NOT IN ('scheduled', 'pending', 'running') AND stored_status = @status))
  AND (@stored_statuses::text[] IS NULL OR status = ANY(@stored_statuses))
  AND (@type::text IS NULL OR name = @type)
  AND (@id_prefix::text IS NULL OR starts_with(id, @id_prefix))
  AND (@created_by::text IS NULL OR created_by = @created_by)
  AND (@tags::jsonb IS NULL OR (tags <> '{}' AND tags @> @tags))
  AND (@created_from::timestamptz IS NULL OR created_at >= @created_from)
  AND (@created_to::timestamptz IS NULL OR created_at < @created_to)
  AND (@after_created_at::timestamptz IS NULL OR (created_at, id) < (@after_created_at, @after_id::text))
ORDER BY created_at DESC, id DESC
LIMIT @limit;
