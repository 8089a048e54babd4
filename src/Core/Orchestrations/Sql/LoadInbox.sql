-- Events that arrived since the last episode, in arrival order: all of them (@after = 0), or those after the last
-- one an episode has already read.
SELECT id, execution, event_type, task_id, attempt, payload::text, occurred_at, actor
FROM taskflow.inbox
WHERE instance_id = @instance_id AND id > @after
ORDER BY id
LIMIT 10000;
