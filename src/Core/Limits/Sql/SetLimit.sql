-- Sets a limit, and records the change in its audit trail (nothing when it did not change). @declared is the settings'
-- declaration when they set it, which then applies only if it changed since they last did (so a change made over the
-- API holds until the settings change); NULL from the API, which keeps the last declaration.
-- Run after LimitExists.sql, which locks the row. Returns one row when the limit changed: whether it is new.
WITH before AS (
    SELECT max_concurrent, per_second, burst FROM taskflow.limits WHERE scope = @scope AND name = @name
), upserted AS (
    INSERT INTO taskflow.limits AS l (scope, name, max_concurrent, per_second, burst, declared, updated_at, updated_by)
    VALUES (@scope, @name, @max_concurrent, @per_second, @burst, @declared::jsonb, coalesce(@now, now()), @actor)
    ON CONFLICT (scope, name) DO UPDATE
    SET max_concurrent = excluded.max_concurrent, per_second = excluded.per_second, burst = excluded.burst,
        declared = coalesce(excluded.declared, l.declared), updated_at = excluded.updated_at, updated_by = excluded.updated_by
    WHERE excluded.declared IS NULL OR l.declared IS DISTINCT FROM excluded.declared
    RETURNING l.max_concurrent, l.per_second, l.burst
), changed AS (
    SELECT (SELECT taskflow.limit_json(b.max_concurrent, b.per_second, b.burst) FROM before AS b) AS before,
           taskflow.limit_json(u.max_concurrent, u.per_second, u.burst) AS after
    FROM upserted AS u
), recorded AS (
    INSERT INTO taskflow.limit_changes (scope, name, before, after, changed_at, actor)
    SELECT @scope, @name, before, after, coalesce(@now, now()), @actor
    FROM changed
    WHERE before IS DISTINCT FROM after
)
SELECT before IS NULL AS created FROM changed WHERE before IS DISTINCT FROM after;
