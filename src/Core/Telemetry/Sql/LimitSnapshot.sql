-- Each limit now, for its gauges: slots in use and work waiting, summed over its keys (a tag's values are summed, so
-- the series do not grow with the number of tenants).
SELECT scope || ':' || name, sum(running)::bigint, sum(waiting)::bigint
FROM taskflow.limit_usage
GROUP BY scope, name
ORDER BY scope, name;
