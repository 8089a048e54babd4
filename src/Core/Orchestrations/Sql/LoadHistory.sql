-- The current execution's history: what replay feeds the orchestrator code. Sent in one batch with
-- LoadOrchestration.sql and LoadInbox.sql, so it finds the current execution itself.
SELECT h.event_type, h.task_id, h.attempt, h.payload::text, h.occurred_at, h.actor
FROM taskflow.history AS h
JOIN taskflow.instances AS i ON i.id = h.instance_id AND i.execution = h.execution
WHERE h.instance_id = @instance_id
ORDER BY h.sequence;
