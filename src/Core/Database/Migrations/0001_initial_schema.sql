-- 0001: instances, their append-only history (the audit trail), leased work items and workers.
-- Forward only: never edit this file once merged; add 0002_... instead.

CREATE SCHEMA IF NOT EXISTS taskflow;

-- One row per task. A task is always an orchestration instance: a task whose type names an activity
-- runs as the built-in single-activity orchestration (history reads the same; the engine takes a fast
-- path that completes the instance with the activity's outcome).
CREATE TABLE taskflow.instances (
    id                 uuid        PRIMARY KEY,
    name               text        NOT NULL,                -- the task type: an activity or orchestrator name
    kind               text        NOT NULL CONSTRAINT kind_is_known CHECK (kind IN ('activity', 'orchestration')),
    execution          int         NOT NULL DEFAULT 1,      -- generation: a retry from the API or ContinueAsNew starts the next one
    status             text        NOT NULL CONSTRAINT status_is_known
                                   CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    priority           smallint    NOT NULL CONSTRAINT priority_in_range CHECK (priority BETWEEN 0 AND 9),
    input              jsonb,
    output             jsonb,
    error              jsonb,
    custom_status      jsonb,
    retry_policy       jsonb       NOT NULL,
    timeout            interval,
    attempt            int         NOT NULL DEFAULT 0,
    tags               jsonb       NOT NULL DEFAULT '{}',
    idempotency_key    text        CONSTRAINT idempotency_key_is_unique UNIQUE,
    request_hash       bytea,                               -- what the idempotency key was first used for
    parent_instance_id uuid,
    last_sequence      int         NOT NULL DEFAULT 0,      -- the history sequence last written; bumped under the row lock, so sequences have no gaps
    created_by         text        NOT NULL,
    created_at         timestamptz NOT NULL,
    run_at             timestamptz NOT NULL,
    started_at         timestamptz,
    completed_at       timestamptz,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT terminal_has_completed_at CHECK ((status IN ('succeeded', 'failed', 'cancelled')) = (completed_at IS NOT NULL))
) WITH (fillfactor = 80);

CREATE INDEX instances_by_created ON taskflow.instances (created_at DESC, id DESC);
CREATE INDEX instances_by_status_created ON taskflow.instances (status, created_at DESC, id DESC);
CREATE INDEX instances_by_name_created ON taskflow.instances (name, created_at DESC, id DESC);
CREATE INDEX instances_by_tags ON taskflow.instances USING gin (tags jsonb_path_ops);

-- Append-only: rows are inserted, never updated. (instance_id, sequence) orders an instance's events.
-- NOTE: no foreign key to instances: it would cost a lookup per insert on the hottest table, and the
-- purge deletes history and instance together in one statement anyway.
CREATE TABLE taskflow.history (
    instance_id uuid        NOT NULL,
    sequence    int         NOT NULL CONSTRAINT sequence_starts_at_one CHECK (sequence >= 1),
    execution   int         NOT NULL,
    event_type  text        NOT NULL,
    task_id     int,                    -- the activity (or timer) within the execution, for Task* events
    attempt     int,                    -- which attempt of that activity, for TaskFailed/TaskCompleted
    payload     jsonb,
    occurred_at timestamptz NOT NULL,   -- the database clock (or the test's fake clock)
    actor       text,                   -- who caused it: an API caller for API actions, a worker id otherwise
    PRIMARY KEY (instance_id, sequence)
);

-- Activities run at least once, but each attempt's outcome is recorded at most once.
CREATE UNIQUE INDEX history_one_outcome_per_attempt ON taskflow.history (instance_id, execution, task_id, attempt)
    WHERE event_type IN ('TaskCompleted', 'TaskFailed');
-- Each execution ends in exactly one terminal event.
CREATE UNIQUE INDEX history_one_terminal_event_per_execution ON taskflow.history (instance_id, execution)
    WHERE event_type IN ('ExecutionCompleted', 'ExecutionFailed', 'ExecutionTerminated');

-- The queue. A row is ready when lease_token IS NULL and visible_at has passed; leased while
-- lease_token is set. Every write after the lease is fenced by lease_token, which comes from a
-- sequence, so a worker whose lease expired and was handed on can never commit.
CREATE SEQUENCE taskflow.lease_tokens;

CREATE TABLE taskflow.work_items (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id      uuid        NOT NULL,
    execution        int         NOT NULL,
    kind             text        NOT NULL CONSTRAINT work_kind_is_known CHECK (kind IN ('activity', 'orchestration')),
    task_id          int         NOT NULL,
    name             text        NOT NULL,
    input            jsonb,
    priority         smallint    NOT NULL,
    retry_policy     jsonb       NOT NULL,
    timeout          interval,
    attempt          int         NOT NULL DEFAULT 0,  -- attempts started, counted at lease time so crash re-runs count
    max_attempts     int         NOT NULL,
    visible_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    lease_token      bigint,
    lease_owner      text,
    leased_at        timestamptz,
    lease_expires_at timestamptz,
    CONSTRAINT attempt_within_max CHECK (attempt <= max_attempts),
    CONSTRAINT lease_is_whole CHECK ((lease_token IS NULL) = (lease_expires_at IS NULL))
) WITH (
    -- Hot, short-lived rows: leave room for HOT updates and vacuum early and often.
    fillfactor = 70,
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02
);

CREATE INDEX work_items_ready ON taskflow.work_items (priority DESC, visible_at, id) WHERE lease_token IS NULL;
CREATE INDEX work_items_leases_by_expiry ON taskflow.work_items (lease_expires_at) WHERE lease_token IS NOT NULL;
CREATE UNIQUE INDEX work_items_by_lease_token ON taskflow.work_items (lease_token) WHERE lease_token IS NOT NULL;
CREATE UNIQUE INDEX work_items_one_per_task ON taskflow.work_items (instance_id, execution, kind, task_id);

-- Worker processes announce themselves and heartbeat here (GET /api/workers).
CREATE TABLE taskflow.workers (
    id           text        PRIMARY KEY,
    host         text        NOT NULL,
    process_id   int         NOT NULL,
    role         text        NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    stopped_at   timestamptz
);

-- The stable public face of the audit trail: query these, not the tables.
CREATE VIEW taskflow.task_history AS
SELECT instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor
FROM taskflow.history;

CREATE VIEW taskflow.dead_letter AS
SELECT id AS instance_id, name, attempt, error, tags, created_at, completed_at
FROM taskflow.instances
WHERE status = 'failed';

-- Instances as the API shows them: next_visible_at tells a delayed or backing-off task ('scheduled')
-- from one that is ready ('pending'); the caller compares it with its clock.
CREATE VIEW taskflow.tasks AS
SELECT i.id, i.name, i.kind, i.status, i.priority, i.input, i.output, i.error, i.custom_status, i.attempt,
       (i.retry_policy ->> 'maxAttempts')::int AS max_attempts, i.tags, i.idempotency_key, i.execution,
       i.created_by, i.created_at, i.run_at, i.started_at, i.completed_at, i.updated_at,
       (SELECT min(w.visible_at) FROM taskflow.work_items AS w
        WHERE w.instance_id = i.id AND w.lease_token IS NULL) AS next_visible_at
FROM taskflow.instances AS i;
