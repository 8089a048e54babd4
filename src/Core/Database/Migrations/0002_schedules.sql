-- 0002: cron schedules. A slot is claimed by its (schedule, slot) row in the same transaction that
-- submits its task, so a slot never starts two tasks and a crash between claim and submit loses nothing.

CREATE TABLE taskflow.schedules (
    name             text        PRIMARY KEY
                                 CONSTRAINT name_is_simple CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
    cron             text        NOT NULL,
    time_zone        text        NOT NULL,
    task             jsonb       NOT NULL,   -- the task template: type, input, priority, retry, timeout, tags
    overlap          text        NOT NULL CONSTRAINT overlap_is_known CHECK (overlap IN ('allow', 'skip', 'buffer-one')),
    catch_up         text        NOT NULL CONSTRAINT catch_up_is_known CHECK (catch_up IN ('none', 'latest', 'all')),
    catch_up_limit   int         NOT NULL CONSTRAINT catch_up_limit_in_range CHECK (catch_up_limit BETWEEN 1 AND 1000),
    paused           boolean     NOT NULL DEFAULT false,
    start_at         timestamptz,
    end_at           timestamptz,
    next_fire_at     timestamptz,            -- the next slot to consider; NULL once the schedule has ended
    buffered_slot    timestamptz,            -- overlap 'buffer-one': a slot waiting for the previous run
    last_instance_id uuid,                   -- the latest run, for the overlap policies
    source           text        NOT NULL CONSTRAINT source_is_known CHECK (source IN ('api', 'configuration')),
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT ends_after_start CHECK (end_at IS NULL OR start_at IS NULL OR end_at > start_at)
);

CREATE INDEX schedules_due ON taskflow.schedules (next_fire_at) WHERE NOT paused;

-- One row per decided slot: started (with its task) or skipped by the overlap policy.
CREATE TABLE taskflow.schedule_slots (
    schedule_name text        NOT NULL,
    slot          timestamptz NOT NULL,
    outcome       text        NOT NULL CONSTRAINT slot_outcome_is_known CHECK (outcome IN ('started', 'skipped', 'buffered')),
    instance_id   uuid,
    decided_at    timestamptz NOT NULL,
    PRIMARY KEY (schedule_name, slot)
);

-- The schedule's audit trail: every change (with the caller), every fired, skipped or missed slot.
-- Rows outlive a deleted schedule, so its history stays queryable.
CREATE TABLE taskflow.schedule_events (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_name text        NOT NULL,
    event_type    text        NOT NULL,
    payload       jsonb,
    occurred_at   timestamptz NOT NULL,
    actor         text        NOT NULL
);

CREATE INDEX schedule_events_by_schedule ON taskflow.schedule_events (schedule_name, id DESC);

CREATE VIEW taskflow.schedule_history AS
SELECT schedule_name, id AS sequence, event_type, payload, occurred_at, actor
FROM taskflow.schedule_events;
