-- Each key of every limit that has work in the queue, with its use now (taskflow.limit_usage).
SELECT scope, name, limit_key, running, waiting, tokens
FROM taskflow.limit_usage
WHERE limit_key IS NOT NULL
ORDER BY scope, name, limit_key;
