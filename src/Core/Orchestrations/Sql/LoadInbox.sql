-- Events that arrived since the last episode, in arrival order.
SELECT id, execution, event_type, task_id, attempt, payload::text, occurred_at, actor
FROM taskflow.inbox
WHERE instance_id = @instance_id
ORDER BY id
LIMIT 10000;
