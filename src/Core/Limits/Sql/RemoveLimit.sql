-- Removes a limit, records it in the audit trail, and drops its keys' buckets. Returns how many it removed (0 or 1).
WITH removed AS (
    DELETE FROM taskflow.limits
    WHERE scope = @scope AND name = @name
    RETURNING scope, name, max_concurrent, per_second, burst
), recorded AS (
    INSERT INTO taskflow.limit_changes (scope, name, before, after, changed_at, actor)
    SELECT scope, name, taskflow.limit_json(max_concurrent, per_second, burst), NULL, coalesce(@now, now()), @actor
    FROM removed
), dropped AS (
    DELETE FROM taskflow.limit_buckets AS b
    USING removed
    WHERE b.scope = removed.scope AND b.name = removed.name
)
SELECT count(*) FROM removed;
