-- Suspends a running orchestration (@suspend) or resumes a suspended one, recorded with the caller as
-- ExecutionSuspended / ExecutionResumed. A suspended orchestration runs no episode; events queue in its inbox.
-- ExecutionSuspended goes straight to the history (an episode running meanwhile finds the history moved on and
-- runs again). ExecutionResumed goes to the inbox behind the events that queued, and wakes the orchestration, so
-- its next episode appends them in Durable Task's order: ExecutionSuspended, the events, ExecutionResumed.
WITH changed AS (
    UPDATE taskflow.instances
    SET status = CASE WHEN @suspend THEN 'suspended' ELSE 'running' END,
        updated_at = coalesce(@now, now()),
        last_sequence = last_sequence + CASE WHEN @suspend THEN 1 ELSE 0 END
    WHERE id = @id
      AND kind = 'orchestration'
      AND CASE WHEN @suspend THEN status = ANY (taskflow.runnable_statuses()) ELSE status = 'suspended' END
    RETURNING id, execution, last_sequence
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, payload, occurred_at, actor)
    SELECT id, last_sequence, execution, 'ExecutionSuspended', jsonb_build_object('reason', @reason::text), coalesce(@now, now()), @actor
    FROM changed
    WHERE @suspend
)
SELECT id, CASE WHEN NOT @suspend THEN taskflow.append_to_inbox(id, execution, 'ExecutionResumed', NULL, NULL,
                                           jsonb_build_object('reason', @reason::text), coalesce(@now, now()), @actor, true) END
FROM changed;
