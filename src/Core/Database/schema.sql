-- The taskflow schema as src/Core/Database/Migrations builds it, dumped by pg_dump (generated: do not edit).
-- A test fails when it is stale; scripts/schema.sh rewrites it.
--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: taskflow; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA taskflow;


--
-- Name: append_to_inbox(text, integer, text, integer, integer, jsonb, timestamp with time zone, text, boolean); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.append_to_inbox(p_instance_id text, p_execution integer, p_event_type text, p_task_id integer, p_attempt integer, p_payload jsonb, p_now timestamp with time zone, p_actor text, p_wake boolean) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO taskflow.inbox (instance_id, execution, event_type, task_id, attempt, payload, occurred_at, actor)
    VALUES (p_instance_id, p_execution, p_event_type, p_task_id, p_attempt, p_payload, p_now, p_actor);
    IF p_wake THEN
        PERFORM taskflow.wake_orchestration(p_instance_id, p_execution, p_now);
    END IF;
END;
$$;


--
-- Name: choose_limited(timestamp with time zone, integer, text[], boolean, text); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.choose_limited(p_now timestamp with time zone, p_budget integer, p_kinds text[], p_orchestration_work_only boolean, p_actor text) RETURNS TABLE(id bigint, granted_at timestamp with time zone)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_ready_at timestamptz := coalesce(p_now, now());
    v_now timestamptz;
    v_keys text[];
    v_share int;
    v_left int := p_budget;
    v_bucket record;
    v_tokens double precision;
    v_by_limit int;
    v_running int;
    v_chosen bigint[];
BEGIN
    IF p_budget <= 0 OR (p_kinds IS NOT NULL AND NOT ('activity' = ANY (p_kinds))) THEN
        RETURN;
    END IF;

    -- The keys with work not leased: a loose scan of work_items_limited_ready, one probe per key.
    WITH RECURSIVE keys (limit_key) AS (
        (SELECT limit_key FROM taskflow.work_items
         WHERE lease_token IS NULL AND limit_key IS NOT NULL
         ORDER BY limit_key LIMIT 1)
        UNION ALL
        SELECT (SELECT w.limit_key FROM taskflow.work_items AS w
                WHERE w.lease_token IS NULL AND w.limit_key IS NOT NULL AND w.limit_key > keys.limit_key
                ORDER BY w.limit_key LIMIT 1)
        FROM keys
        WHERE keys.limit_key IS NOT NULL
    )
    SELECT array_agg(limit_key) INTO v_keys FROM keys WHERE limit_key IS NOT NULL;
    IF v_keys IS NULL THEN
        RETURN;
    END IF;

    INSERT INTO taskflow.limit_buckets (limit_key, scope, name, tokens, refilled_at)
    SELECT k.limit_key, k.scope, k.name, coalesce(l.burst, 0), v_ready_at
    FROM (SELECT key AS limit_key, split_part(key, ':', 1) AS scope,
                 CASE WHEN key LIKE 'activity:%' THEN substr(key, 10) ELSE split_part(substr(key, 5), '=', 1) END AS name
          FROM unnest(v_keys) AS key) AS k
    JOIN taskflow.limits AS l ON l.scope = k.scope AND l.name = k.name
    ON CONFLICT (limit_key) DO NOTHING;

    v_share := ceil(p_budget::numeric / cardinality(v_keys))::int;
    FOR v_bucket IN
        SELECT b.limit_key, b.tokens, b.refilled_at, l.max_concurrent, l.per_second, l.burst
        FROM taskflow.limit_buckets AS b
        JOIN taskflow.limits AS l ON l.scope = b.scope AND l.name = b.name
        WHERE b.limit_key = ANY (v_keys)
        ORDER BY b.served_at NULLS FIRST, b.limit_key
        FOR UPDATE OF b SKIP LOCKED
    LOOP
        EXIT WHEN v_left <= 0;
        v_by_limit := p_budget;
        IF v_bucket.max_concurrent IS NOT NULL THEN
            SELECT count(*) INTO v_running
            FROM taskflow.work_items AS w
            WHERE w.limit_key = v_bucket.limit_key AND w.lease_token IS NOT NULL;
            v_by_limit := v_bucket.max_concurrent - v_running;
        END IF;
        v_now := coalesce(p_now, clock_timestamp());
        v_tokens := NULL;
        IF v_bucket.per_second IS NOT NULL THEN
            v_tokens := least(v_bucket.burst::double precision,
                              v_bucket.tokens + greatest(0, extract(epoch FROM v_now - v_bucket.refilled_at)) * v_bucket.per_second);
            v_by_limit := least(v_by_limit, floor(v_tokens)::int);
        END IF;

        v_chosen := '{}';
        IF least(v_by_limit, v_left, v_share) > 0 THEN
            SELECT coalesce(array_agg(c.id), '{}') INTO v_chosen
            FROM (SELECT w.id
                  FROM taskflow.work_items AS w
                  WHERE w.limit_key = v_bucket.limit_key AND w.lease_token IS NULL AND w.visible_at <= v_ready_at
                    AND (NOT p_orchestration_work_only
                         OR EXISTS (SELECT 1 FROM taskflow.instances AS i WHERE i.id = w.instance_id AND i.kind = 'orchestration'))
                  ORDER BY w.priority DESC, w.visible_at, w.id
                  LIMIT least(v_by_limit, v_left, v_share)
                  FOR UPDATE OF w SKIP LOCKED) AS c;
        END IF;

        UPDATE taskflow.limit_buckets
        SET tokens = coalesce(v_tokens - cardinality(v_chosen), tokens),
            refilled_at = greatest(refilled_at, v_now),
            served_at = CASE WHEN cardinality(v_chosen) > 0 THEN v_now ELSE served_at END
        WHERE limit_key = v_bucket.limit_key;

        -- The limit, not this lease's budget, held work back.
        IF v_by_limit < least(v_left, v_share) THEN
            PERFORM taskflow.mark_waiting_for_limit(
                v_bucket.limit_key, v_chosen,
                CASE WHEN v_tokens IS NOT NULL AND floor(v_tokens) <= v_by_limit THEN 'rate' ELSE 'maxConcurrent' END,
                v_now, p_actor);
        END IF;

        v_left := v_left - cardinality(v_chosen);
        RETURN QUERY SELECT unnest(v_chosen), v_now;
    END LOOP;
END;
$$;


--
-- Name: expect_continuable(bigint, text); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.expect_continuable(p_instances_as_left bigint, p_instance_id text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_instances_as_left <> 1 THEN
        RAISE EXCEPTION 'Instance % moved on since this worker''s last episode of it; the result goes to its inbox.', p_instance_id
            USING ERRCODE = 'TF003';
    END IF;
END;
$$;


--
-- Name: expect_history_unmoved(bigint, text); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.expect_history_unmoved(p_instances_updated bigint, p_instance_id text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_instances_updated <> 1 THEN
        RAISE EXCEPTION 'The history of instance % moved during the episode.', p_instance_id
            USING ERRCODE = 'TF002';
    END IF;
END;
$$;


--
-- Name: expect_lease_held(bigint, bigint, bigint); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.expect_lease_held(p_rows_ended bigint, p_work_item_id bigint, p_lease_token bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_rows_ended <> 1 THEN
        RAISE EXCEPTION 'The lease % on work item % is no longer held.', p_lease_token, p_work_item_id
            USING ERRCODE = 'TF001';
    END IF;
END;
$$;


--
-- Name: finished_statuses(); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.finished_statuses() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['succeeded'::text, 'failed'::text, 'cancelled'::text];


--
-- Name: forget_doorbell(); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.forget_doorbell() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.doorbell_visible_at := NULL;
    RETURN NEW;
END;
$$;


--
-- Name: hold_episode_lease(bigint, bigint); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.hold_episode_lease(p_work_item_id bigint, p_lease_token bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    -- Locks the work item first, before any instance row, as every writer does.
    PERFORM 1 FROM taskflow.work_items WHERE id = p_work_item_id AND lease_token = p_lease_token FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'The lease % on work item % is no longer held.', p_lease_token, p_work_item_id
            USING ERRCODE = 'TF001';
    END IF;
END;
$$;


--
-- Name: iso_duration(interval); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.iso_duration(duration interval) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT CASE WHEN total = 0 THEN 'PT0S' ELSE
        'P' || CASE WHEN days > 0 THEN days || 'D' ELSE '' END
            || CASE WHEN within_day > 0 THEN 'T'
                   || CASE WHEN hours > 0 THEN hours || 'H' ELSE '' END
                   || CASE WHEN minutes > 0 THEN minutes || 'M' ELSE '' END
                   || CASE WHEN micros > 0 THEN micros / 1000000
                          || CASE WHEN micros % 1000000 > 0 THEN '.' || rtrim(lpad((micros % 1000000)::text, 6, '0'), '0') ELSE '' END
                          || 'S' ELSE '' END
               ELSE '' END
    END
    FROM (SELECT total, total / 86400000000 AS days, total % 86400000000 AS within_day,
                 total % 86400000000 / 3600000000 AS hours, total % 3600000000 / 60000000 AS minutes, total % 60000000 AS micros
          FROM (SELECT (extract(epoch FROM duration) * 1000000)::bigint AS total) AS t) AS parts
$$;


--
-- Name: limit_json(integer, double precision, integer); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.limit_json(p_max_concurrent integer, p_per_second double precision, p_burst integer) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'maxConcurrent', p_max_concurrent,
        'rate', CASE WHEN p_per_second IS NOT NULL THEN jsonb_build_object('perSecond', p_per_second, 'burst', p_burst) END))
$$;


--
-- Name: limit_key_of(text, jsonb); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.limit_key_of(p_activity text, p_tags jsonb) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(
        (SELECT 'activity:' || l.name FROM taskflow.limits AS l WHERE l.scope = 'activity' AND l.name = p_activity),
        (SELECT 'tag:' || l.name || '=' || (p_tags ->> l.name)
         FROM taskflow.limits AS l
         WHERE l.scope = 'tag' AND p_tags ? l.name
         ORDER BY l.name
         LIMIT 1))
$$;


--
-- Name: mark_waiting_for_limit(text, bigint[], text, timestamp with time zone, text); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.mark_waiting_for_limit(p_limit_key text, p_chosen bigint[], p_reason text, p_now timestamp with time zone, p_actor text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    WITH head AS (
        SELECT w.id
        FROM taskflow.work_items AS w
        WHERE w.limit_key = p_limit_key AND w.lease_token IS NULL AND w.visible_at <= p_now AND w.id <> ALL (p_chosen)
        ORDER BY w.priority DESC, w.visible_at, w.id
        LIMIT 10
    ), fresh AS (
        SELECT w.id, i.kind AS instance_kind
        FROM taskflow.work_items AS w
        JOIN head ON head.id = w.id
        JOIN taskflow.instances AS i ON i.id = w.instance_id
        WHERE w.limit_waiting_since IS NULL
        FOR UPDATE OF w, i SKIP LOCKED
    ), marked AS (
        UPDATE taskflow.work_items AS w
        SET limit_waiting_since = p_now
        FROM fresh
        WHERE w.id = fresh.id
        RETURNING w.instance_id, w.execution, w.task_id, w.attempt + 1 AS attempt, fresh.instance_kind
    ), numbered AS (
        UPDATE taskflow.instances AS i
        SET last_sequence = i.last_sequence + 1
        FROM marked
        WHERE i.id = marked.instance_id AND marked.instance_kind = 'activity'
        RETURNING i.id, i.last_sequence
    ), recorded AS (
        INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor)
        SELECT marked.instance_id, numbered.last_sequence, marked.execution, 'WaitingForLimit', marked.task_id, marked.attempt,
               jsonb_build_object('limit', p_limit_key, 'reason', p_reason), p_now, p_actor
        FROM marked
        JOIN numbered ON numbered.id = marked.instance_id
    )
    INSERT INTO taskflow.inbox (instance_id, execution, event_type, task_id, attempt, payload, occurred_at, actor)
    SELECT instance_id, execution, 'WaitingForLimit', task_id, attempt,
           jsonb_build_object('limit', p_limit_key, 'reason', p_reason), p_now, p_actor
    FROM marked
    WHERE instance_kind <> 'activity';
END;
$$;


--
-- Name: next_limited_at(timestamp with time zone, interval); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.next_limited_at(p_now timestamp with time zone, p_recheck interval) RETURNS timestamp with time zone
    LANGUAGE sql STABLE
    AS $$
    SELECT greatest(next, p_now + p_recheck) -- greatest() skips NULLs: none queued must stay NULL
    FROM (SELECT min(visible_at) AS next FROM taskflow.work_items WHERE lease_token IS NULL AND limit_key IS NOT NULL) AS limited
    WHERE next IS NOT NULL
$$;


--
-- Name: rekey_limited_work(); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.rekey_limited_work() RETURNS bigint
    LANGUAGE sql
    AS $$
    WITH rekeyed AS (
        UPDATE taskflow.work_items AS w
        SET limit_key = taskflow.limit_key_of(w.name, i.tags)
        FROM taskflow.instances AS i
        WHERE i.id = w.instance_id
          AND w.kind = 'activity'
          AND w.limit_key IS DISTINCT FROM taskflow.limit_key_of(w.name, i.tags)
        RETURNING 1
    )
    SELECT count(*) FROM rekeyed
$$;


--
-- Name: runnable_statuses(); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.runnable_statuses() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['pending'::text, 'running'::text];


--
-- Name: send_to_entity(text, jsonb, timestamp with time zone, timestamp with time zone, text); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.send_to_entity(p_instance_id text, p_payload jsonb, p_due timestamp with time zone, p_now timestamp with time zone, p_actor text) RETURNS void
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: unfinished_statuses(); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.unfinished_statuses() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY['pending'::text, 'running'::text, 'suspended'::text];


--
-- Name: wake_orchestration(text, integer, timestamp with time zone); Type: FUNCTION; Schema: taskflow; Owner: -
--

CREATE FUNCTION taskflow.wake_orchestration(p_instance_id text, p_execution integer, p_now timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$
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


SET default_table_access_method = heap;

--
-- Name: api_key_events; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.api_key_events (
    id bigint NOT NULL,
    key_id text NOT NULL,
    event_type text NOT NULL,
    actor text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    details jsonb,
    CONSTRAINT api_key_event_known CHECK ((event_type = ANY (ARRAY['Created'::text, 'Revoked'::text, 'Deleted'::text])))
);


--
-- Name: api_key_events_id_seq; Type: SEQUENCE; Schema: taskflow; Owner: -
--

ALTER TABLE taskflow.api_key_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME taskflow.api_key_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: api_keys; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.api_keys (
    id text NOT NULL,
    prefix text NOT NULL,
    name text NOT NULL,
    secret_hash bytea NOT NULL,
    roles text[] NOT NULL,
    requests_per_minute integer,
    expires_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    created_by text NOT NULL,
    revoked_at timestamp with time zone,
    revoked_by text,
    CONSTRAINT api_key_hash_length CHECK ((length(secret_hash) = 32)),
    CONSTRAINT api_key_name_length CHECK (((length(name) >= 1) AND (length(name) <= 100))),
    CONSTRAINT api_key_rate_positive CHECK ((requests_per_minute > 0)),
    CONSTRAINT api_key_roles_known CHECK (((cardinality(roles) > 0) AND (roles <@ ARRAY['admin'::text, 'operator'::text, 'submitter'::text, 'viewer'::text])))
);


--
-- Name: instances; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.instances (
    id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL,
    kind text NOT NULL,
    execution integer DEFAULT 1 NOT NULL,
    status text NOT NULL,
    priority smallint NOT NULL,
    input jsonb,
    output jsonb,
    error jsonb,
    custom_status jsonb,
    retry_policy jsonb NOT NULL,
    timeout interval,
    attempt integer DEFAULT 0 NOT NULL,
    tags jsonb DEFAULT '{}'::jsonb NOT NULL,
    idempotency_key text,
    request_hash bytea,
    parent_instance_id text COLLATE pg_catalog."C",
    last_sequence integer DEFAULT 0 NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    run_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    parent_task_id integer,
    trace_parent text,
    success_recorded_by text,
    success_attempt_started_at timestamp with time zone,
    submission_in_row boolean DEFAULT false NOT NULL,
    listed_status text GENERATED ALWAYS AS (
CASE
    WHEN ((kind = 'entity'::text) OR ((kind = 'activity'::text) AND (status = ANY (ARRAY['pending'::text, 'succeeded'::text])))) THEN NULL::text
    ELSE status
END) STORED,
    CONSTRAINT id_length_in_range CHECK (((length(id) >= 1) AND (length(id) <= 100))),
    CONSTRAINT kind_is_known CHECK ((kind = ANY (ARRAY['activity'::text, 'orchestration'::text, 'entity'::text]))),
    CONSTRAINT priority_in_range CHECK (((priority >= 0) AND (priority <= 9))),
    CONSTRAINT status_is_known CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'suspended'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT terminal_has_completed_at CHECK (((status = ANY (ARRAY['succeeded'::text, 'failed'::text, 'cancelled'::text])) = (completed_at IS NOT NULL)))
)
WITH (vacuum_truncate='false', fillfactor='75');


--
-- Name: COLUMN instances.success_recorded_by; Type: COMMENT; Schema: taskflow; Owner: -
--

COMMENT ON COLUMN taskflow.instances.success_recorded_by IS 'A succeeded single-activity task''s worker: its TaskCompleted and ExecutionCompleted are read from this row (taskflow.task_history), not stored in taskflow.history.';


--
-- Name: COLUMN instances.submission_in_row; Type: COMMENT; Schema: taskflow; Owner: -
--

COMMENT ON COLUMN taskflow.instances.submission_in_row IS 'A single-activity task whose Submitted, ExecutionStarted and TaskScheduled are read from this row (taskflow.task_history), not stored in taskflow.history.';


--
-- Name: dead_letter; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.dead_letter AS
 SELECT instances.id AS instance_id,
    instances.name,
    instances.attempt,
    instances.error,
    instances.tags,
    instances.created_at,
    instances.completed_at
   FROM taskflow.instances
  WHERE (instances.status = 'failed'::text);


--
-- Name: inbox; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.inbox (
    id bigint NOT NULL,
    instance_id text NOT NULL COLLATE pg_catalog."C",
    execution integer NOT NULL,
    event_type text NOT NULL,
    task_id integer,
    attempt integer,
    payload jsonb,
    occurred_at timestamp with time zone NOT NULL,
    actor text
)
WITH (vacuum_truncate='false');


--
-- Name: work_items; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.work_items (
    id bigint NOT NULL,
    instance_id text NOT NULL COLLATE pg_catalog."C",
    execution integer NOT NULL,
    kind text NOT NULL,
    task_id integer NOT NULL,
    name text NOT NULL,
    input jsonb,
    priority smallint NOT NULL,
    retry_policy jsonb NOT NULL,
    timeout interval,
    attempt integer DEFAULT 0 NOT NULL,
    max_attempts integer NOT NULL,
    visible_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    lease_token bigint,
    lease_owner text,
    leased_at timestamp with time zone,
    lease_expires_at timestamp with time zone,
    wakeups integer DEFAULT 0 NOT NULL,
    doorbell_visible_at timestamp with time zone,
    limit_key text,
    limit_waiting_since timestamp with time zone,
    task_created_at timestamp with time zone,
    CONSTRAINT attempt_within_max CHECK ((attempt <= max_attempts)),
    CONSTRAINT lease_is_whole CHECK (((lease_token IS NULL) = (lease_expires_at IS NULL))),
    CONSTRAINT work_kind_is_known CHECK ((kind = ANY (ARRAY['activity'::text, 'orchestration'::text, 'timer'::text, 'entity'::text])))
)
WITH (fillfactor='70', autovacuum_vacuum_scale_factor='0.01', autovacuum_vacuum_threshold='1000', autovacuum_analyze_scale_factor='0.02', vacuum_truncate='false');


--
-- Name: entities; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.entities AS
 SELECT i.id AS instance_id,
    split_part(i.id, '@'::text, 2) AS name,
    substr(i.id, (length(split_part(i.id, '@'::text, 2)) + 3)) AS key,
        CASE
            WHEN ((i.custom_status ->> 'entityExists'::text))::boolean THEN (i.input ->> 'state'::text)
            ELSE NULL::text
        END AS state,
    (i.custom_status ->> 'lockedBy'::text) AS locked_by,
    (COALESCE(((i.custom_status ->> 'queueSize'::text))::integer, 0) + ( SELECT count(*) AS count
           FROM taskflow.inbox b
          WHERE (b.instance_id = i.id))) AS queued_operations,
    ( SELECT count(*) AS count
           FROM taskflow.work_items w
          WHERE ((w.instance_id = i.id) AND (w.kind = 'timer'::text))) AS scheduled_operations,
    i.created_at,
    i.updated_at AS last_modified_at
   FROM taskflow.instances i
  WHERE (i.kind = 'entity'::text);


--
-- Name: entity_message_ids; Type: SEQUENCE; Schema: taskflow; Owner: -
--

CREATE SEQUENCE taskflow.entity_message_ids
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
    CYCLE;


--
-- Name: history; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.history (
    instance_id text NOT NULL COLLATE pg_catalog."C",
    sequence integer NOT NULL,
    execution integer NOT NULL,
    event_type text NOT NULL,
    task_id integer,
    attempt integer,
    payload jsonb,
    occurred_at timestamp with time zone NOT NULL,
    actor text,
    CONSTRAINT sequence_starts_at_one CHECK ((sequence >= 1))
)
WITH (vacuum_truncate='false');


--
-- Name: entity_operations; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.entity_operations AS
 SELECT h.instance_id,
    split_part(h.instance_id, '@'::text, 2) AS name,
    substr(h.instance_id, (length(split_part(h.instance_id, '@'::text, 2)) + 3)) AS key,
    h.sequence,
    ((h.payload -> 'input'::text) ->> 'op'::text) AS operation,
    COALESCE((((h.payload -> 'input'::text) ->> 'signal'::text))::boolean, false) AS is_signal,
    ((h.payload -> 'input'::text) ->> 'input'::text) AS input,
    ((h.payload -> 'input'::text) ->> 'parent'::text) AS caller_instance_id,
    ((h.payload -> 'input'::text) ->> 'id'::text) AS request_id,
    ((h.payload -> 'input'::text) -> 'lockset'::text) AS lockset,
    h.occurred_at,
    h.actor
   FROM taskflow.history h
  WHERE ((h.instance_id ~~ '@%'::text) AND (h.event_type = 'EventRaised'::text) AND ((h.payload ->> 'name'::text) ~~ 'op%'::text));


--
-- Name: inbox_id_seq; Type: SEQUENCE; Schema: taskflow; Owner: -
--

ALTER TABLE taskflow.inbox ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME taskflow.inbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: lease_tokens; Type: SEQUENCE; Schema: taskflow; Owner: -
--

CREATE SEQUENCE taskflow.lease_tokens
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: limit_buckets; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.limit_buckets (
    limit_key text NOT NULL,
    scope text NOT NULL,
    name text NOT NULL,
    tokens double precision NOT NULL,
    refilled_at timestamp with time zone NOT NULL,
    served_at timestamp with time zone
);


--
-- Name: limit_changes; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.limit_changes (
    id bigint NOT NULL,
    scope text NOT NULL,
    name text NOT NULL,
    before jsonb,
    after jsonb,
    changed_at timestamp with time zone NOT NULL,
    actor text NOT NULL
);


--
-- Name: limit_changes_id_seq; Type: SEQUENCE; Schema: taskflow; Owner: -
--

ALTER TABLE taskflow.limit_changes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME taskflow.limit_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: limits; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.limits (
    scope text NOT NULL,
    name text NOT NULL,
    max_concurrent integer,
    per_second double precision,
    burst integer,
    declared jsonb,
    updated_at timestamp with time zone NOT NULL,
    updated_by text NOT NULL,
    CONSTRAINT burst_is_positive CHECK ((burst > 0)),
    CONSTRAINT limit_limits_something CHECK (((max_concurrent IS NOT NULL) OR (per_second IS NOT NULL))),
    CONSTRAINT limit_name_is_plain CHECK (((name <> ''::text) AND (POSITION(('='::text) IN (name)) = 0))),
    CONSTRAINT limit_scope_is_known CHECK ((scope = ANY (ARRAY['activity'::text, 'tag'::text]))),
    CONSTRAINT max_concurrent_is_positive CHECK ((max_concurrent > 0)),
    CONSTRAINT per_second_is_positive CHECK ((per_second > (0)::double precision)),
    CONSTRAINT rate_has_burst CHECK (((per_second IS NULL) = (burst IS NULL)))
);


--
-- Name: limit_usage; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.limit_usage AS
 SELECT l.scope,
    l.name,
    l.max_concurrent,
    l.per_second,
    l.burst,
    u.limit_key,
    COALESCE(u.running, (0)::bigint) AS running,
    COALESCE(u.waiting, (0)::bigint) AS waiting,
    b.tokens,
    b.served_at,
        CASE
            WHEN (l.max_concurrent IS NOT NULL) THEN GREATEST((l.max_concurrent - COALESCE(u.running, (0)::bigint)), (0)::bigint)
            ELSE NULL::bigint
        END AS free_slots
   FROM ((taskflow.limits l
     LEFT JOIN ( SELECT work_items.limit_key,
            count(*) FILTER (WHERE (work_items.lease_token IS NOT NULL)) AS running,
            count(*) FILTER (WHERE ((work_items.lease_token IS NULL) AND (work_items.visible_at <= now()))) AS waiting
           FROM taskflow.work_items
          WHERE (work_items.limit_key IS NOT NULL)
          GROUP BY work_items.limit_key) u ON ((((l.scope = 'activity'::text) AND (u.limit_key = ('activity:'::text || l.name))) OR ((l.scope = 'tag'::text) AND ("left"(u.limit_key, (length(l.name) + 5)) = (('tag:'::text || l.name) || '='::text))))))
     LEFT JOIN taskflow.limit_buckets b ON ((b.limit_key = u.limit_key)));


--
-- Name: orchestration_activity_counts; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.orchestration_activity_counts AS
 SELECT history.instance_id,
    count(*) FILTER (WHERE (history.event_type = 'TaskScheduled'::text)) AS scheduled,
    count(*) FILTER (WHERE (history.event_type = 'TaskCompleted'::text)) AS completed,
    count(*) FILTER (WHERE ((history.event_type = 'TaskFailed'::text) AND (NOT COALESCE(((history.payload ->> 'retrying'::text))::boolean, false)))) AS failed
   FROM taskflow.history
  GROUP BY history.instance_id;


--
-- Name: schedule_events; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.schedule_events (
    id bigint NOT NULL,
    schedule_name text NOT NULL,
    event_type text NOT NULL,
    payload jsonb,
    occurred_at timestamp with time zone NOT NULL,
    actor text NOT NULL
);


--
-- Name: schedule_events_id_seq; Type: SEQUENCE; Schema: taskflow; Owner: -
--

ALTER TABLE taskflow.schedule_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME taskflow.schedule_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: schedule_history; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.schedule_history AS
 SELECT schedule_events.schedule_name,
    schedule_events.id AS sequence,
    schedule_events.event_type,
    schedule_events.payload,
    schedule_events.occurred_at,
    schedule_events.actor
   FROM taskflow.schedule_events;


--
-- Name: schedule_slots; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.schedule_slots (
    schedule_name text NOT NULL,
    slot timestamp with time zone NOT NULL,
    outcome text NOT NULL,
    instance_id text COLLATE pg_catalog."C",
    decided_at timestamp with time zone NOT NULL,
    CONSTRAINT slot_outcome_is_known CHECK ((outcome = ANY (ARRAY['started'::text, 'skipped'::text, 'buffered'::text])))
);


--
-- Name: schedules; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.schedules (
    name text NOT NULL,
    cron text NOT NULL,
    time_zone text NOT NULL,
    task jsonb NOT NULL,
    overlap text NOT NULL,
    catch_up text NOT NULL,
    catch_up_limit integer NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    start_at timestamp with time zone,
    end_at timestamp with time zone,
    next_fire_at timestamp with time zone,
    buffered_slot timestamp with time zone,
    last_instance_id text COLLATE pg_catalog."C",
    source text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT catch_up_is_known CHECK ((catch_up = ANY (ARRAY['none'::text, 'latest'::text, 'all'::text]))),
    CONSTRAINT catch_up_limit_in_range CHECK (((catch_up_limit >= 1) AND (catch_up_limit <= 1000))),
    CONSTRAINT ends_after_start CHECK (((end_at IS NULL) OR (start_at IS NULL) OR (end_at > start_at))),
    CONSTRAINT name_is_simple CHECK ((name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'::text)),
    CONSTRAINT overlap_is_known CHECK ((overlap = ANY (ARRAY['allow'::text, 'skip'::text, 'buffer-one'::text]))),
    CONSTRAINT source_is_known CHECK ((source = ANY (ARRAY['api'::text, 'configuration'::text])))
);


--
-- Name: schema_migrations; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    checksum text
);


--
-- Name: task_history; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.task_history AS
 SELECT history.instance_id,
    history.sequence,
    history.execution,
    history.event_type,
    history.task_id,
    history.attempt,
    history.payload,
    history.occurred_at,
    history.actor
   FROM taskflow.history
UNION ALL
 SELECT i.id AS instance_id,
    event.sequence,
    1 AS execution,
    event.event_type,
    event.task_id,
    NULL::integer AS attempt,
    event.payload,
    i.created_at AS occurred_at,
    i.created_by AS actor
   FROM (taskflow.instances i
     CROSS JOIN LATERAL ( VALUES (1,'Submitted'::text,NULL::integer,jsonb_build_object('runAt', i.run_at, 'idempotencyKey', i.idempotency_key, 'tags', i.tags)), (2,'ExecutionStarted'::text,NULL::integer,jsonb_build_object('name', i.name, 'input', i.input, 'priority', i.priority)), (3,'TaskScheduled'::text,1,jsonb_build_object('name', i.name, 'retry', i.retry_policy, 'timeout', taskflow.iso_duration(i.timeout)))) event(sequence, event_type, task_id, payload))
  WHERE i.submission_in_row
UNION ALL
 SELECT i.id AS instance_id,
    ((i.last_sequence - 1) + event.offset_in_outcome) AS sequence,
    i.execution,
    event.event_type,
    event.task_id,
    event.attempt,
    event.payload,
    i.completed_at AS occurred_at,
    i.success_recorded_by AS actor
   FROM (taskflow.instances i
     CROSS JOIN LATERAL ( VALUES (0,'TaskCompleted'::text,1,i.attempt,jsonb_build_object('result', i.output, 'startedAt', i.success_attempt_started_at, 'worker', i.success_recorded_by)), (1,'ExecutionCompleted'::text,NULL::integer,NULL::integer,jsonb_build_object('orchestrationStatus', 'Completed', 'output', i.output))) event(offset_in_outcome, event_type, task_id, attempt, payload))
  WHERE (i.success_recorded_by IS NOT NULL);


--
-- Name: tasks; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.tasks AS
 SELECT i.id,
    i.name,
    i.kind,
        CASE
            WHEN (queued.running_since IS NOT NULL) THEN 'running'::text
            ELSE i.status
        END AS status,
    i.priority,
    i.input,
    i.output,
    i.error,
    i.custom_status,
    COALESCE(queued.running_attempt, i.attempt) AS attempt,
    ((i.retry_policy ->> 'maxAttempts'::text))::integer AS max_attempts,
    i.tags,
    i.idempotency_key,
    i.execution,
    i.created_by,
    i.created_at,
    i.run_at,
    COALESCE(i.started_at, queued.running_since) AS started_at,
    i.completed_at,
    GREATEST(i.updated_at, queued.running_since) AS updated_at,
    queued.next_visible_at,
    queued.waiting_for_limit,
    i.status AS stored_status,
    i.listed_status
   FROM (taskflow.instances i
     CROSS JOIN LATERAL ( SELECT min(w.visible_at) FILTER (WHERE (w.lease_token IS NULL)) AS next_visible_at,
            min(w.limit_key) FILTER (WHERE ((w.limit_key IS NOT NULL) AND (w.lease_token IS NULL) AND (w.visible_at <= now()))) AS waiting_for_limit,
            max(w.leased_at) FILTER (WHERE ((w.lease_token IS NOT NULL) AND (i.kind = 'activity'::text) AND (i.status = 'pending'::text))) AS running_since,
            max(w.attempt) FILTER (WHERE ((w.lease_token IS NOT NULL) AND (i.kind = 'activity'::text) AND (i.status = 'pending'::text))) AS running_attempt
           FROM taskflow.work_items w
          WHERE (w.instance_id = i.id)) queued)
  WHERE (i.kind <> 'entity'::text);


--
-- Name: work_items_id_seq; Type: SEQUENCE; Schema: taskflow; Owner: -
--

ALTER TABLE taskflow.work_items ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME taskflow.work_items_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: worker_backlog; Type: VIEW; Schema: taskflow; Owner: -
--

CREATE VIEW taskflow.worker_backlog AS
 SELECT (q.ready + COALESCE(l.runnable, (0)::bigint)) AS ready,
    q.running,
    s.due AS schedules_due,
    (COALESCE(EXTRACT(epoch FROM (now() - q.oldest_ready)), (0)::numeric))::double precision AS oldest_ready_seconds,
    COALESCE((l.waiting - l.runnable), (0)::bigint) AS held_by_limits
   FROM ((( SELECT count(*) FILTER (WHERE ((work_items.lease_token IS NULL) AND (work_items.visible_at <= now()) AND (work_items.limit_key IS NULL))) AS ready,
            count(*) FILTER (WHERE (work_items.lease_token IS NOT NULL)) AS running,
            min(work_items.visible_at) FILTER (WHERE ((work_items.lease_token IS NULL) AND (work_items.visible_at <= now()) AND (work_items.limit_key IS NULL))) AS oldest_ready
           FROM taskflow.work_items) q
     CROSS JOIN ( SELECT (sum(limit_usage.waiting))::bigint AS waiting,
            (sum(LEAST(limit_usage.waiting, COALESCE(limit_usage.free_slots, limit_usage.waiting))))::bigint AS runnable
           FROM taskflow.limit_usage) l)
     CROSS JOIN ( SELECT count(*) AS due
           FROM taskflow.schedules
          WHERE ((NOT schedules.paused) AND (schedules.next_fire_at <= now()))) s);


--
-- Name: workers; Type: TABLE; Schema: taskflow; Owner: -
--

CREATE TABLE taskflow.workers (
    id text NOT NULL,
    host text NOT NULL,
    process_id integer NOT NULL,
    role text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    heartbeat_at timestamp with time zone NOT NULL,
    stopped_at timestamp with time zone
);


--
-- Name: api_key_events api_key_events_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.api_key_events
    ADD CONSTRAINT api_key_events_pkey PRIMARY KEY (id);


--
-- Name: api_keys api_keys_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);


--
-- Name: api_keys api_keys_prefix_key; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.api_keys
    ADD CONSTRAINT api_keys_prefix_key UNIQUE (prefix);


--
-- Name: history history_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.history
    ADD CONSTRAINT history_pkey PRIMARY KEY (instance_id, sequence);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (id);


--
-- Name: instances instances_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.instances
    ADD CONSTRAINT instances_pkey PRIMARY KEY (id);


--
-- Name: limit_buckets limit_buckets_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.limit_buckets
    ADD CONSTRAINT limit_buckets_pkey PRIMARY KEY (limit_key);


--
-- Name: limit_changes limit_changes_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.limit_changes
    ADD CONSTRAINT limit_changes_pkey PRIMARY KEY (id);


--
-- Name: limits limits_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.limits
    ADD CONSTRAINT limits_pkey PRIMARY KEY (scope, name);


--
-- Name: schedule_events schedule_events_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.schedule_events
    ADD CONSTRAINT schedule_events_pkey PRIMARY KEY (id);


--
-- Name: schedule_slots schedule_slots_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.schedule_slots
    ADD CONSTRAINT schedule_slots_pkey PRIMARY KEY (schedule_name, slot);


--
-- Name: schedules schedules_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.schedules
    ADD CONSTRAINT schedules_pkey PRIMARY KEY (name);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: work_items work_items_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.work_items
    ADD CONSTRAINT work_items_pkey PRIMARY KEY (id);


--
-- Name: workers workers_pkey; Type: CONSTRAINT; Schema: taskflow; Owner: -
--

ALTER TABLE ONLY taskflow.workers
    ADD CONSTRAINT workers_pkey PRIMARY KEY (id);


--
-- Name: api_key_events_by_key; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX api_key_events_by_key ON taskflow.api_key_events USING btree (key_id, id);


--
-- Name: history_one_outcome_per_attempt; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE UNIQUE INDEX history_one_outcome_per_attempt ON taskflow.history USING btree (instance_id, execution, task_id, attempt) WHERE (event_type = ANY (ARRAY['TaskCompleted'::text, 'TaskFailed'::text]));


--
-- Name: history_one_terminal_event_per_execution; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE UNIQUE INDEX history_one_terminal_event_per_execution ON taskflow.history USING btree (instance_id, execution) WHERE (event_type = 'ExecutionCompleted'::text);


--
-- Name: inbox_by_instance; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX inbox_by_instance ON taskflow.inbox USING btree (instance_id, id);


--
-- Name: instances_by_created; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX instances_by_created ON taskflow.instances USING btree (created_at DESC, id DESC);


--
-- Name: instances_by_listed_status; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX instances_by_listed_status ON taskflow.instances USING btree (listed_status, created_at DESC, id DESC) WHERE (listed_status IS NOT NULL);


--
-- Name: instances_by_name_created; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX instances_by_name_created ON taskflow.instances USING btree (name, created_at DESC, id DESC);


--
-- Name: instances_by_parent; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX instances_by_parent ON taskflow.instances USING btree (parent_instance_id) WHERE (parent_instance_id IS NOT NULL);


--
-- Name: instances_by_tags; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX instances_by_tags ON taskflow.instances USING gin (tags jsonb_path_ops) WHERE (tags <> '{}'::jsonb);


--
-- Name: instances_entities; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX instances_entities ON taskflow.instances USING btree (id) WHERE (kind = 'entity'::text);


--
-- Name: instances_idempotency_key_is_unique; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE UNIQUE INDEX instances_idempotency_key_is_unique ON taskflow.instances USING btree (idempotency_key) WHERE (idempotency_key IS NOT NULL);


--
-- Name: schedule_events_by_schedule; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX schedule_events_by_schedule ON taskflow.schedule_events USING btree (schedule_name, id DESC);


--
-- Name: schedules_due; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX schedules_due ON taskflow.schedules USING btree (next_fire_at) WHERE (NOT paused);


--
-- Name: work_items_leases_by_expiry; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX work_items_leases_by_expiry ON taskflow.work_items USING btree (lease_expires_at) WHERE (lease_expires_at IS NOT NULL);


--
-- Name: work_items_limited_by_visible; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX work_items_limited_by_visible ON taskflow.work_items USING btree (visible_at) WHERE ((lease_token IS NULL) AND (limit_key IS NOT NULL));


--
-- Name: work_items_limited_leased; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX work_items_limited_leased ON taskflow.work_items USING btree (limit_key) WHERE ((lease_token IS NOT NULL) AND (limit_key IS NOT NULL));


--
-- Name: work_items_limited_ready; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX work_items_limited_ready ON taskflow.work_items USING btree (limit_key, priority DESC, visible_at, id) WHERE ((lease_token IS NULL) AND (limit_key IS NOT NULL));


--
-- Name: work_items_one_per_task; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE UNIQUE INDEX work_items_one_per_task ON taskflow.work_items USING btree (instance_id, execution, kind, task_id);


--
-- Name: work_items_ready; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX work_items_ready ON taskflow.work_items USING btree (priority DESC, visible_at, id) WHERE ((lease_token IS NULL) AND (limit_key IS NULL));


--
-- Name: work_items_ready_episodes; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX work_items_ready_episodes ON taskflow.work_items USING btree (priority DESC, visible_at, id) WHERE ((lease_token IS NULL) AND (limit_key IS NULL) AND (kind = ANY (ARRAY['orchestration'::text, 'timer'::text, 'entity'::text])));


--
-- Name: work_items_unleased_tasks_by_created; Type: INDEX; Schema: taskflow; Owner: -
--

CREATE INDEX work_items_unleased_tasks_by_created ON taskflow.work_items USING btree (task_created_at DESC, instance_id DESC) WHERE ((lease_token IS NULL) AND (task_created_at IS NOT NULL));


--
-- Name: work_items ready_again_needs_a_new_doorbell; Type: TRIGGER; Schema: taskflow; Owner: -
--

CREATE TRIGGER ready_again_needs_a_new_doorbell BEFORE UPDATE OF lease_token, visible_at ON taskflow.work_items FOR EACH ROW WHEN (((new.doorbell_visible_at IS NOT NULL) AND (new.lease_token IS NULL) AND ((old.lease_token IS NOT NULL) OR (new.visible_at < old.visible_at)))) EXECUTE FUNCTION taskflow.forget_doorbell();


--
-- PostgreSQL database dump complete
--


