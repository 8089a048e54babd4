-- Accepts one task in one statement: the instance, its first work item and its first history events
-- commit together or not at all, and the NOTIFY is delivered only on commit.
-- With an idempotency key already taken, nothing is written and no row is returned.
WITH created AS (
    INSERT INTO taskflow.instances (id, name, kind, status, priority, input, retry_policy, timeout, tags,
                                    idempotency_key, request_hash, last_sequence, created_by, created_at, run_at, updated_at)
    VALUES (@id, @name, 'activity', 'pending', @priority, @input::jsonb, @retry_policy::jsonb, @timeout, @tags::jsonb,
            @idempotency_key, @request_hash, 3, @actor, coalesce(@now, now()),
            coalesce(@run_at, coalesce(@now, now()) + @delay), coalesce(@now, now()))
    ON CONFLICT ON CONSTRAINT idempotency_key_is_unique DO NOTHING
    RETURNING id, execution, name, input, priority, retry_policy, timeout, run_at, created_at
), queued AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy,
                                     timeout, max_attempts, visible_at, created_at)
    SELECT id, execution, 'activity', 1, name, input, priority, retry_policy, timeout, @max_attempts, run_at, created_at
    FROM created
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, payload, occurred_at, actor)
    SELECT created.id, event.sequence, created.execution, event.event_type, event.task_id, event.payload, created.created_at, @actor
    FROM created
    CROSS JOIN LATERAL (VALUES
        (1, 'Submitted', NULL::int,
            jsonb_build_object('runAt', created.run_at, 'idempotencyKey', @idempotency_key, 'tags', @tags::jsonb)),
        (2, 'ExecutionStarted', NULL::int,
            jsonb_build_object('name', created.name, 'input', created.input, 'priority', created.priority)),
        (3, 'TaskScheduled', 1,
            jsonb_build_object('name', created.name, 'retry', created.retry_policy, 'timeout', @timeout_iso::text))
    ) AS event (sequence, event_type, task_id, payload)
)
SELECT id, pg_notify('taskflow_work', '') FROM created;
