-- The current execution's history: what replay feeds the orchestrator code. Sent in one batch with
-- LoadOrchestration.sql and LoadInbox.sql, so it finds the current execution itself. Both tables are read by the
-- instance's id, with no join: the batch keeps one generic plan (KeyedPlans.GenericLookups).
SELECT h.event_type, h.task_id, h.attempt, h.payload::text, h.occurred_at, h.actor
FROM taskflow.history AS h
WHERE h.instance_id = @instance_id
  AND h.execution = (SELECT i.execution FROM taskflow.instances AS i WHERE i.id = @instance_id)
ORDER BY h.sequence;
