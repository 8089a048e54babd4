-- Suspends a running orchestration (@suspend) or resumes a suspended one, recorded with the caller as
-- ExecutionSuspended / ExecutionResumed. Resuming wakes it, so the events that queued meanwhile are read.
-- An episode running meanwhile finds the history moved on and runs again.
WITH changed AS (
    UPDATE taskflow.instances
    SET status = CASE WHEN @suspend THEN 'suspended' ELSE 'running' END,
        updated_at = coalesce(@now, now()),
        last_sequence = last_sequence + 1
    WHERE id = @id
      AND kind = 'orchestration'
      AND status IN (SELECT unnest(CASE WHEN @suspend THEN ARRAY['pending', 'running'] ELSE ARRAY['suspended'] END))
    RETURNING id, execution, last_sequence
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, payload, occurred_at, actor)
    SELECT id, last_sequence, execution, CASE WHEN @suspend THEN 'ExecutionSuspended' ELSE 'ExecutionResumed' END,
           jsonb_build_object('reason', @reason::text), coalesce(@now, now()), @actor
    FROM changed
)
SELECT id, CASE WHEN NOT @suspend THEN taskflow.wake_orchestration(id, execution, coalesce(@now, now())) END
FROM changed;
