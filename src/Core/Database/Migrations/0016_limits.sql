-- 0016: global concurrency and rate limits on activities, by activity name or by a tag's value, enforced where work is
-- leased, for every process on the database (docs/architecture.md, "Limits").
-- An activity work item that a limit governs carries the limit's key (limit_key): 'activity:<name>', or
-- 'tag:<tag>=<value>' (each value of a limited tag has a bucket of its own). Keyed items leave the ready index for an
-- index of their own, so the unlimited lease walks past none of them, and a lease takes keyed items only while their
-- key has a free slot (counted from the leases it holds, so a crashed worker's slot is freed with its lease) and a
-- token (a bucket per key). One limit governs an item: its activity's if there is one, else its first limited tag's.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.

CREATE TABLE taskflow.limits (
    scope          text             NOT NULL CONSTRAINT limit_scope_is_known CHECK (scope IN ('activity', 'tag')),
    name           text             NOT NULL CONSTRAINT limit_name_is_plain CHECK (name <> '' AND position('=' IN name) = 0),
    max_concurrent int              CONSTRAINT max_concurrent_is_positive CHECK (max_concurrent > 0),
    per_second     double precision CONSTRAINT per_second_is_positive CHECK (per_second > 0),
    burst          int              CONSTRAINT burst_is_positive CHECK (burst > 0),
    declared       jsonb,           -- what the settings declared when they last set it (they apply again only when that changes)
    updated_at     timestamptz      NOT NULL,
    updated_by     text             NOT NULL,
    PRIMARY KEY (scope, name),
    CONSTRAINT limit_limits_something CHECK (max_concurrent IS NOT NULL OR per_second IS NOT NULL),
    CONSTRAINT rate_has_burst CHECK ((per_second IS NULL) = (burst IS NULL))
);

-- The limits' audit trail: every change, what it was before and after ({"maxConcurrent", "rate": {"perSecond",
-- "burst"}}; NULL: no limit), who made it and when.
CREATE TABLE taskflow.limit_changes (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope      text        NOT NULL,
    name       text        NOT NULL,
    before     jsonb,
    after      jsonb,
    changed_at timestamptz NOT NULL,
    actor      text        NOT NULL
);

-- A token bucket per key, and when the key was last served: the lease serves the least recently served key first, so
-- keys with backlogs (tenants) take turns instead of the oldest work going first.
CREATE TABLE taskflow.limit_buckets (
    limit_key   text             PRIMARY KEY,
    scope       text             NOT NULL,
    name        text             NOT NULL,
    tokens      double precision NOT NULL,
    refilled_at timestamptz      NOT NULL,
    served_at   timestamptz
);

ALTER TABLE taskflow.work_items
    ADD COLUMN limit_key text,
    ADD COLUMN limit_waiting_since timestamptz; -- when a lease first found it ready and held back by its limit

DROP INDEX taskflow.work_items_ready;
CREATE INDEX work_items_ready ON taskflow.work_items (priority DESC, visible_at, id) WHERE lease_token IS NULL AND limit_key IS NULL;
CREATE INDEX work_items_limited_ready ON taskflow.work_items (limit_key, priority DESC, visible_at, id)
    WHERE lease_token IS NULL AND limit_key IS NOT NULL;
CREATE INDEX work_items_limited_by_visible ON taskflow.work_items (visible_at) WHERE lease_token IS NULL AND limit_key IS NOT NULL;
CREATE INDEX work_items_limited_leased ON taskflow.work_items (limit_key) WHERE lease_token IS NOT NULL AND limit_key IS NOT NULL;

-- A limit as the API and the audit trail show it: {"maxConcurrent": n, "rate": {"perSecond": r, "burst": b}}.
CREATE FUNCTION taskflow.limit_json(p_max_concurrent int, p_per_second double precision, p_burst int) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'maxConcurrent', p_max_concurrent,
        'rate', CASE WHEN p_per_second IS NOT NULL THEN jsonb_build_object('perSecond', p_per_second, 'burst', p_burst) END))
$$;

-- The key of the limit that governs an activity with these tags (an orchestration's activities have the
-- orchestration's tags), or NULL.
CREATE FUNCTION taskflow.limit_key_of(p_activity text, p_tags jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT 'activity:' || l.name FROM taskflow.limits AS l WHERE l.scope = 'activity' AND l.name = p_activity),
        (SELECT 'tag:' || l.name || '=' || (p_tags ->> l.name)
         FROM taskflow.limits AS l
         WHERE l.scope = 'tag' AND p_tags ? l.name
         ORDER BY l.name
         LIMIT 1))
$$;

-- Keys the activity work items again after the limits changed (LimitStore, under a lock that holds off every other
-- write to the queue meanwhile, so no item is queued with a key computed from the old limits).
CREATE FUNCTION taskflow.rekey_limited_work() RETURNS bigint
LANGUAGE sql AS $$
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

-- Marks the next few items of a held key as waiting for their limit, once each, with a WaitingForLimit event: in a
-- single-activity task's history, or in its orchestration's inbox (the next episode records it; replay skips it).
-- Only the head of the line is marked, the items the limit is holding back now; those behind wait their turn.
-- Rows locked elsewhere are skipped (they are marked by a later lease), so this never waits for a lock.
CREATE FUNCTION taskflow.mark_waiting_for_limit(
    p_limit_key text, p_chosen bigint[], p_reason text, p_now timestamptz, p_actor text) RETURNS void
LANGUAGE plpgsql AS $$
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

-- Chooses up to p_budget ready activity work items that limits govern, each within its key's limit, and takes the
-- tokens they use: the lease statement (ChooseNext.sql) leases what this returns, in the same transaction.
-- Keys are served least recently served first, each at most its share of the budget, so keys with backlogs take turns.
-- A key's bucket is locked (SKIP LOCKED) while its slots are counted and its items chosen, and stays locked until the
-- lease commits, so two leases never count the same free slot; a process that finds a key locked serves other keys.
-- Each statement here runs on a fresh snapshot (a volatile function), so the count sees every lease committed
-- before the lock was taken. p_now is the caller's fake clock (tests), or NULL: then a key's tokens and its grants are
-- timed by the clock just after its slots were counted, so the audit trail's start of an attempt (its leased_at, from
-- granted_at) is never before the end of an attempt whose slot it took, nor before the tokens it used accrued.
CREATE FUNCTION taskflow.choose_limited(p_now timestamptz, p_budget int, p_kinds text[], p_orchestration_work_only boolean, p_actor text)
RETURNS TABLE (id bigint, granted_at timestamptz)
LANGUAGE plpgsql AS $$
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

-- Tasks as before, and the limit their ready work waits for (a limit holds it, or it waits its turn in the limit's line).
CREATE OR REPLACE VIEW taskflow.tasks AS
SELECT i.id, i.name, i.kind, i.status, i.priority, i.input, i.output, i.error, i.custom_status, i.attempt,
       (i.retry_policy ->> 'maxAttempts')::int AS max_attempts, i.tags, i.idempotency_key, i.execution,
       i.created_by, i.created_at, i.run_at, i.started_at, i.completed_at, i.updated_at,
       (SELECT min(w.visible_at) FILTER (WHERE w.lease_token IS NULL) FROM taskflow.work_items AS w
        WHERE w.instance_id = i.id) AS next_visible_at,
       (SELECT min(w.limit_key) FROM taskflow.work_items AS w
        WHERE w.instance_id = i.id AND w.limit_key IS NOT NULL AND w.lease_token IS NULL AND w.visible_at <= now()) AS waiting_for_limit
FROM taskflow.instances AS i
WHERE i.kind <> 'entity';

-- When limited work may next be leased: its next item's time, or, while some is ready but held, the caller's recheck
-- interval from now (a slot or a token frees in another process, unannounced); NULL when none is queued. Half of each
-- idle dispatcher's question "when is my next work" (WorkItems/Sql/NextVisibleAt*.sql).
CREATE FUNCTION taskflow.next_limited_at(p_now timestamptz, p_recheck interval) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT greatest(next, p_now + p_recheck) -- greatest() skips NULLs: none queued must stay NULL
    FROM (SELECT min(visible_at) AS next FROM taskflow.work_items WHERE lease_token IS NULL AND limit_key IS NOT NULL) AS limited
    WHERE next IS NOT NULL
$$;

-- Every limit with its keys' live use: slots in use, work ready and not leased (held by the limit, or not yet leased),
-- and the tokens left when the key was last served. A limit with no work in the queue has one row with no key.
CREATE VIEW taskflow.limit_usage AS
SELECT l.scope, l.name, l.max_concurrent, l.per_second, l.burst, u.limit_key,
       coalesce(u.running, 0) AS running, coalesce(u.waiting, 0) AS waiting, b.tokens, b.served_at
FROM taskflow.limits AS l
LEFT JOIN (SELECT limit_key,
                  count(*) FILTER (WHERE lease_token IS NOT NULL) AS running,
                  count(*) FILTER (WHERE lease_token IS NULL AND visible_at <= now()) AS waiting
           FROM taskflow.work_items
           WHERE limit_key IS NOT NULL
           GROUP BY limit_key) AS u
  ON (l.scope = 'activity' AND u.limit_key = 'activity:' || l.name)
  OR (l.scope = 'tag' AND left(u.limit_key, length(l.name) + 5) = 'tag:' || l.name || '=')
LEFT JOIN taskflow.limit_buckets AS b ON b.limit_key = u.limit_key;
