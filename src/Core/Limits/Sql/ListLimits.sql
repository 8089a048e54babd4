-- Every limit, as set last.
SELECT scope, name, max_concurrent, per_second, burst, updated_at, updated_by
FROM taskflow.limits
ORDER BY scope, name;
