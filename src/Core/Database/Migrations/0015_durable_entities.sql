-- 0015: Durable entities, stored as the Durable Task Framework keeps them: an entity is an instance whose id is
-- '@name@key' (kind 'entity'), its operations are EventRaised messages in its inbox, and its input holds the
-- framework's scheduler state after the last batch (the entity's serialized state, its queue, its lock owner).
-- Unlike an orchestration that continues as new, an entity stays in execution 1: each batch replaces the input and
-- appends its operations and responses to the history, which is the entity's audit trail.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.

ALTER TABLE taskflow.instances DROP CONSTRAINT kind_is_known,
    ADD CONSTRAINT kind_is_known CHECK (kind = ANY (ARRAY['activity', 'orchestration', 'entity']));

-- 'entity': a batch of an entity's operations, leased apart from episodes (the framework's entity dispatcher).
ALTER TABLE taskflow.work_items DROP CONSTRAINT work_kind_is_known,
    ADD CONSTRAINT work_kind_is_known CHECK (kind = ANY (ARRAY['activity', 'orchestration', 'timer', 'entity']));

-- As 0014 defined it, but an entity's next batch is an 'entity' work item.
CREATE OR REPLACE FUNCTION taskflow.wake_orchestration(p_instance_id text, p_execution int, p_now timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT id, execution, CASE WHEN kind = 'entity' THEN 'entity' ELSE 'orchestration' END, 0, name, priority,
           '{"maxAttempts":10}', 10, p_now, p_now
    FROM taskflow.instances
    WHERE id = p_instance_id AND execution >= p_execution AND status = ANY (taskflow.runnable_statuses())
    ON CONFLICT (instance_id, execution, kind, task_id) DO UPDATE
    SET wakeups = taskflow.work_items.wakeups + 1,
        visible_at = least(taskflow.work_items.visible_at, excluded.visible_at);
END;
$$;

-- The entities, apart from the tasks (for their view, their queries and the queue gauge).
CREATE INDEX instances_entities ON taskflow.instances (id) WHERE kind = 'entity';

-- Task ids of the timers that hold an entity's delayed messages (an entity has no timers of its own to clash with).
CREATE SEQUENCE taskflow.entity_message_ids AS integer CYCLE;

-- A message to an entity (an operation, a lock request or release, a signal), from a client, an orchestration or
-- another entity. The entity exists from its first message on, as the Durable Task Framework starts one. A message
-- due later waits as a timer whose input is the event (FireTimer.sql delivers it), so no batch reads it early.
CREATE FUNCTION taskflow.send_to_entity(p_instance_id text, p_payload jsonb, p_due timestamptz, p_now timestamptz, p_actor text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- The entity row is held (KEY SHARE) until the message commits, so cleaning storage (which deletes empty entities
    -- FOR UPDATE SKIP LOCKED) cannot delete it under the message; one deleted meanwhile is created again.
    LOOP
        INSERT INTO taskflow.instances (id, name, kind, status, priority, retry_policy, last_sequence, created_by,
                                        created_at, run_at, updated_at)
        VALUES (p_instance_id, split_part(p_instance_id, '@', 2), 'entity', 'running', 5, '{"maxAttempts":1}', 0, p_actor,
                p_now, p_now, p_now)
        ON CONFLICT (id) DO NOTHING;
        PERFORM 1 FROM taskflow.instances WHERE id = p_instance_id FOR KEY SHARE;
        EXIT WHEN FOUND;
    END LOOP;

    IF p_due > p_now THEN
        INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy,
                                         max_attempts, visible_at, created_at)
        VALUES (p_instance_id, 1, 'timer', nextval('taskflow.entity_message_ids'), 'entity message', p_payload, 5,
                '{"maxAttempts":100}', 100, p_due, p_now);
    ELSE
        PERFORM taskflow.append_to_inbox(p_instance_id, 1, 'EventRaised', NULL, NULL, p_payload, p_now, p_actor, true);
    END IF;
END;
$$;

-- Tasks are what callers submit (activities and orchestrations); entities have views and an API of their own.
CREATE OR REPLACE VIEW taskflow.tasks AS
SELECT i.id, i.name, i.kind, i.status, i.priority, i.input, i.output, i.error, i.custom_status, i.attempt,
       (i.retry_policy ->> 'maxAttempts')::int AS max_attempts, i.tags, i.idempotency_key, i.execution,
       i.created_by, i.created_at, i.run_at, i.started_at, i.completed_at, i.updated_at,
       (SELECT min(w.visible_at) FILTER (WHERE w.lease_token IS NULL) FROM taskflow.work_items AS w
        WHERE w.instance_id = i.id) AS next_visible_at
FROM taskflow.instances AS i
WHERE i.kind <> 'entity';

-- Every entity: its name and key, its state as its data converter serialized it (NULL before its first operation and
-- once deleted), the orchestration holding its lock, the operations waiting (queued behind a lock, or not yet read)
-- and those scheduled for later. The custom status is the framework's entity status after the last batch.
CREATE VIEW taskflow.entities AS
SELECT i.id AS instance_id,
       split_part(i.id, '@', 2) AS name,
       substr(i.id, length(split_part(i.id, '@', 2)) + 3) AS key,
       CASE WHEN (i.custom_status ->> 'entityExists')::boolean THEN i.input ->> 'state' END AS state,
       i.custom_status ->> 'lockedBy' AS locked_by,
       coalesce((i.custom_status ->> 'queueSize')::int, 0)
           + (SELECT count(*) FROM taskflow.inbox AS b WHERE b.instance_id = i.id) AS queued_operations,
       (SELECT count(*) FROM taskflow.work_items AS w WHERE w.instance_id = i.id AND w.kind = 'timer') AS scheduled_operations,
       i.created_at,
       i.updated_at AS last_modified_at
FROM taskflow.instances AS i
WHERE i.kind = 'entity';

-- Every request an entity received, in the order its batches read them: who asked (the calling orchestration or
-- entity, or none for a client's signal), which operation with which input, whether the caller waits for the result,
-- and the lock requests of critical sections (no operation; lockset names the entities locked together).
CREATE VIEW taskflow.entity_operations AS
SELECT h.instance_id,
       split_part(h.instance_id, '@', 2) AS name,
       substr(h.instance_id, length(split_part(h.instance_id, '@', 2)) + 3) AS key,
       h.sequence,
       h.payload -> 'input' ->> 'op' AS operation,
       coalesce((h.payload -> 'input' ->> 'signal')::boolean, false) AS is_signal,
       h.payload -> 'input' ->> 'input' AS input,
       h.payload -> 'input' ->> 'parent' AS caller_instance_id,
       h.payload -> 'input' ->> 'id' AS request_id,
       h.payload -> 'input' -> 'lockset' AS lockset,
       h.occurred_at,
       h.actor
FROM taskflow.history AS h
WHERE h.instance_id LIKE '@%'
  AND h.event_type = 'EventRaised'
  AND h.payload ->> 'name' LIKE 'op%';
