-- Accepts a batch of single-activity tasks in one statement: the instances and their first work items commit
-- together or not at all. (The caller's NOTIFY follows in the same transaction, so it is delivered only on commit.)
-- The first three history events (Submitted, ExecutionStarted, TaskScheduled) are read from the instance row by
-- taskflow.task_history (submission_in_row, migration 0021). The work item carries the task's creation time
-- (task_created_at), by which the listing finds pending plain tasks (migration 0029).
-- A task whose idempotency key is taken is not written and not returned. The new tasks come back in the
-- columns of GetTasks.sql, so the caller needs no second query to answer with them.
WITH input AS (
    SELECT *
    FROM unnest(@ids::text[], @names::text[], @priorities::smallint[], @inputs::text[], @retry_policies::text[],
                @max_attempts::int[], @timeouts::interval[], @tags::text[],
                @idempotency_keys::text[], @request_hashes::bytea[], @run_ats::timestamptz[], @delays::interval[],
                @trace_parents::text[])
         AS t (id, name, priority, input, retry_policy, max_attempts, timeout, tags, idempotency_key,
               request_hash, run_at, delay, trace_parent)
), created AS (
    INSERT INTO taskflow.instances (id, name, kind, status, priority, input, retry_policy, timeout, tags,
                                    idempotency_key, request_hash, last_sequence, created_by, created_at, run_at, updated_at, trace_parent,
                                    submission_in_row)
    SELECT id, name, 'activity', 'pending', priority, input::jsonb, retry_policy::jsonb, timeout, tags::jsonb,
           idempotency_key, request_hash, 3, @actor, coalesce(@now, now()),
           coalesce(run_at, coalesce(@now, now()) + delay), coalesce(@now, now()), trace_parent, true
    FROM input
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING *
), queued AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy,
                                     timeout, max_attempts, visible_at, created_at, task_created_at, limit_key)
    SELECT created.id, created.execution, 'activity', 1, created.name, created.input, created.priority,
           created.retry_policy, created.timeout, input.max_attempts, created.run_at, created.created_at, created.created_at,
           CASE WHEN EXISTS (SELECT 1 FROM taskflow.limits) THEN taskflow.limit_key_of(created.name, created.tags) END
    FROM created JOIN input ON input.id = created.id
)
SELECT id, name, kind, status, priority, input::text, output::text, error::text, custom_status::text, attempt,
       (retry_policy ->> 'maxAttempts')::int, tags::text, idempotency_key, execution, created_by, created_at, run_at,
       started_at, completed_at, updated_at, run_at AS next_visible_at
FROM created;
