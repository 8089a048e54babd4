SELECT sequence, execution, event_type, task_id, attempt, payload::text, occurred_at, actor
FROM taskflow.task_history
WHERE instance_id = @id AND sequence > @after_sequence
ORDER BY sequence
LIMIT @limit;
