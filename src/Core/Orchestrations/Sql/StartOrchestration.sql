-- A new orchestration instance, submitted over the API or started by a parent: the instance, its first
-- episode's work item, Submitted (API only) in its history, and ExecutionStarted in its inbox, in one statement.
-- ExecutionStarted waits in the inbox so the first episode appends it after its OrchestratorStarted, the order
-- Durable Task histories have. No row when an idempotency key was taken, or, with @if_absent (a Durable entity's
-- start, which the Durable Task Framework drops when the instance exists), when the id is.
WITH created AS (
    INSERT INTO taskflow.instances (id, name, kind, status, priority, input, retry_policy, tags, idempotency_key,
                                    request_hash, parent_instance_id, parent_task_id, last_sequence, created_by,
                                    created_at, run_at, updated_at, trace_parent)
    SELECT @id, @name, 'orchestration', 'pending', @priority, @input::jsonb, '{"maxAttempts":1}', @tags::jsonb,
           @idempotency_key, @request_hash, @parent_instance_id, @parent_task_id,
           CASE WHEN @submitted THEN 1 ELSE 0 END, @actor, coalesce(@now, now()),
           coalesce(@run_at, coalesce(@now, now()) + @delay), coalesce(@now, now()), @trace_parent
    WHERE NOT (@if_absent AND EXISTS (SELECT 1 FROM taskflow.instances WHERE id = @id))
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, execution, name, input, priority, run_at, created_at, last_sequence
), queued AS (
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT id, execution, 'orchestration', 0, name, priority, '{"maxAttempts":10}', 10, run_at, created_at
    FROM created
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, payload, occurred_at, actor)
    SELECT id, 1, execution, 'Submitted',
           jsonb_build_object('runAt', run_at, 'idempotencyKey', @idempotency_key, 'tags', @tags::jsonb), created_at, @actor
    FROM created
    WHERE @submitted
), started AS (
    INSERT INTO taskflow.inbox (instance_id, execution, event_type, payload, occurred_at, actor)
    SELECT id, execution, 'ExecutionStarted',
           jsonb_build_object('name', name, 'input', input, 'priority', priority, 'parentInstanceId', @parent_instance_id,
                              'parentTaskId', @parent_task_id, 'parentName', @parent_name::text),
           created_at, @actor
    FROM created
)
SELECT id FROM created;
