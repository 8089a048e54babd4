-- Appends episodes' events in one statement, each row with its instance (a group of continuations commits many
-- episodes); a NULL time means the commit's time.
INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor)
SELECT e.instance_id, e.sequence, e.execution, e.event_type, e.task_id, e.attempt, e.payload::jsonb,
       coalesce(e.occurred_at, coalesce(@now, now())), e.actor
FROM unnest(@instance_ids::text[], @sequences::int[], @executions::int[], @event_types::text[], @task_ids::int[],
            @attempts::int[], @payloads::text[], @occurred_ats::timestamptz[], @actors::text[])
     AS e (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor);
