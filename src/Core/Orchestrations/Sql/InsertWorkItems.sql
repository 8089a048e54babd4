-- New work from an episode (activities, timers, the next execution's first episode), in one statement. An activity
-- a limit governs carries its key; the orchestration's tags are its activities' tags.
INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy,
                                 max_attempts, visible_at, created_at, limit_key)
SELECT @instance_id, @execution, w.kind, w.task_id, w.name, w.input::jsonb, @priority, w.retry_policy::jsonb,
       w.max_attempts, coalesce(w.visible_at, coalesce(@now, now())), coalesce(@now, now()),
       CASE WHEN w.kind = 'activity' AND EXISTS (SELECT 1 FROM taskflow.limits)
            THEN taskflow.limit_key_of(w.name, (SELECT i.tags FROM taskflow.instances AS i WHERE i.id = @instance_id)) END
FROM unnest(@kinds::text[], @task_ids::int[], @names::text[], @inputs::text[], @retry_policies::text[],
            @max_attempts::int[], @visible_ats::timestamptz[])
     AS w (kind, task_id, name, input, retry_policy, max_attempts, visible_at);
