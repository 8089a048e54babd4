-- One page of tasks, newest first, with keyset paging on (created_at, id): the cursor is the last row seen.
-- 'scheduled' and 'pending' are both stored as 'pending'; next_visible_at tells them apart. A plain task is stored
-- 'pending' while it runs too (migration 0024), so those filters check the view's derived status.
-- No index holds every status (migration 0029: a plain task's success would then not be a HOT update), so each filter
-- says where its tasks are found, and the page is the newest of two walks, each in the page's order and cut at its size:
--   listed: the tasks themselves. instances_by_listed_status holds every status but a plain task's 'pending' and
--     'succeeded'. 'succeeded' walks instances_by_created, where nearly every task is one. 'running' also takes the
--     leased work items' instances (an array, read once: found through the pending tasks instead, 500 running in a
--     backlog of 20,000 took 500 ms, against 20 ms). A work item is leased exactly when it has a lease expiry (the
--     lease_is_whole check), and that names the index of the leased items, work_items_leases_by_expiry.
--   queued: pending and scheduled plain tasks, through their unleased work items, whose task_created_at is the task's
--     creation time (work_items_unleased_tasks_by_created); only 'pending' and 'scheduled' walk it.
-- ListPlanTests checks each status's plan, ListByStatusTests what each returns.
-- "tags <> '{}'" lets the planner use the tags index, which holds tagged tasks only (migration 0007).
WITH listed AS (
    SELECT t.id
    FROM taskflow.tasks AS t
    WHERE (@status::text IS NULL
           OR (@status = 'scheduled' AND t.listed_status = 'pending' AND t.status = 'pending'
               AND t.next_visible_at > coalesce(@now, now()))
           OR (@status = 'pending' AND t.listed_status = 'pending' AND t.status = 'pending'
               AND coalesce(t.next_visible_at, '-infinity') <= coalesce(@now, now()))
           OR (@status = 'running' AND t.status = 'running'
               AND (t.listed_status = 'running'
                    OR t.id = ANY (ARRAY(SELECT w.instance_id FROM taskflow.work_items AS w WHERE w.lease_expires_at IS NOT NULL))))
           OR (@status = 'succeeded' AND t.stored_status = 'succeeded')
           OR (@status NOT IN ('scheduled', 'pending', 'running', 'succeeded') AND t.listed_status = @status))
      AND (@stored_statuses::text[] IS NULL OR t.status = ANY (@stored_statuses))
      AND (@type::text IS NULL OR t.name = @type)
      AND (@id_prefix::text IS NULL OR starts_with(t.id, @id_prefix))
      AND (@created_by::text IS NULL OR t.created_by = @created_by)
      AND (@tags::jsonb IS NULL OR (t.tags <> '{}' AND t.tags @> @tags))
      AND (@created_from::timestamptz IS NULL OR t.created_at >= @created_from)
      AND (@created_to::timestamptz IS NULL OR t.created_at < @created_to)
      AND (@after_created_at::timestamptz IS NULL OR (t.created_at, t.id) < (@after_created_at, @after_id::text))
    ORDER BY t.created_at DESC, t.id DESC
    LIMIT @limit
), queued AS (
    SELECT w.instance_id AS id
    FROM taskflow.work_items AS w
    JOIN taskflow.instances AS i ON i.id = w.instance_id
    WHERE @status IN ('scheduled', 'pending')
      AND w.task_created_at IS NOT NULL AND w.lease_token IS NULL
      AND (@status = 'scheduled') = (w.visible_at > coalesce(@now, now()))
      AND i.status = 'pending'
      AND (@stored_statuses::text[] IS NULL OR 'pending' = ANY (@stored_statuses))
      AND (@type::text IS NULL OR i.name = @type)
      AND (@id_prefix::text IS NULL OR starts_with(w.instance_id, @id_prefix))
      AND (@created_by::text IS NULL OR i.created_by = @created_by)
      AND (@tags::jsonb IS NULL OR (i.tags <> '{}' AND i.tags @> @tags))
      AND (@created_from::timestamptz IS NULL OR w.task_created_at >= @created_from)
      AND (@created_to::timestamptz IS NULL OR w.task_created_at < @created_to)
      AND (@after_created_at::timestamptz IS NULL OR (w.task_created_at, w.instance_id) < (@after_created_at, @after_id::text))
    ORDER BY w.task_created_at DESC, w.instance_id DESC
    LIMIT @limit
)
SELECT t.id, t.name, t.kind, t.status, t.priority, t.input::text, t.output::text, t.error::text, t.custom_status::text,
       t.attempt, t.max_attempts, t.tags::text, t.idempotency_key, t.execution, t.created_by, t.created_at, t.run_at,
       t.started_at, t.completed_at, t.updated_at, t.next_visible_at
FROM taskflow.tasks AS t
WHERE t.id = ANY (ARRAY(SELECT id FROM listed UNION ALL SELECT id FROM queued))
ORDER BY t.created_at DESC, t.id DESC
LIMIT @limit;
