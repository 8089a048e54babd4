-- ContinueAsNew: the next execution's first events (ExecutionStarted with the new input, then the events the
-- SDK carries over) wait in the inbox for its first episode, as a new instance's do (StartOrchestration.sql).
INSERT INTO taskflow.inbox (instance_id, execution, event_type, payload, occurred_at, actor)
SELECT @instance_id, @execution, e.event_type, e.payload::jsonb, coalesce(@now, now()), @actor
FROM unnest(@event_types::text[], @payloads::text[]) WITH ORDINALITY AS e (event_type, payload, position)
ORDER BY e.position;
