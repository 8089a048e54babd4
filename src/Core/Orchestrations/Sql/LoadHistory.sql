-- The current execution's history: what replay feeds the orchestrator code.
SELECT event_type, task_id, attempt, payload::text, occurred_at, actor
FROM taskflow.history
WHERE instance_id = @instance_id AND execution = @execution
ORDER BY sequence;
