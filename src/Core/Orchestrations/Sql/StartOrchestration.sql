-- A new orchestration instance, submitted over the API or started by a parent: the instance, its first
-- history events and its first episode's work item, in one statement. No row when an idempotency key was taken.
WITH created AS (
    INSERT INTO taskflow.instances (id, name, kind, status, priority, input, retry_policy, tags, idempotency_key,
                                    request_hash, parent_instance_id, parent_task_id, last_sequence, created_by,
                                    created_at, run_at, updated_at)
    VALUES (@id, @name, 'orchestration', 'pending', @priority, @input::jsonb, '{"maxAttempts":1}', @tags::jsonb,
            @idempotency_key, @request_hash, @parent_instance_id, @parent_task_id,
            CASE WHEN @submitted THEN 2 ELSE 1 END, @actor, coalesce(@now, now()),
            coalesce(@run_at, coalesce(@now, now()) + @delay), coalesce(@now, now()))
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, execution, name, input, priority, run_at, created_at, last_sequence
), queued AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT id, execution, 'orchestration', 0, name, priority, '{"maxAttempts":10}', 10, run_at, created_at
    FROM created
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, payload, occurred_at, actor)
    SELECT created.id, event.sequence, created.execution, event.event_type, event.payload, created.created_at, @actor
    FROM created
    CROSS JOIN LATERAL (VALUES
        (1, 'Submitted', jsonb_build_object('runAt', created.run_at, 'idempotencyKey', @idempotency_key, 'tags', @tags::jsonb)),
        (created.last_sequence, 'ExecutionStarted',
            jsonb_build_object('name', created.name, 'input', created.input, 'priority', created.priority,
                               'parentInstanceId', @parent_instance_id, 'parentTaskId', @parent_task_id))
    ) AS event (sequence, event_type, payload)
    WHERE @submitted OR event.event_type <> 'Submitted'
)
SELECT id FROM created;
