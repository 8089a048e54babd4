-- New work from an episode (activities, timers, the next execution's first episode), in one statement.
INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy,
                                 max_attempts, visible_at, created_at)
SELECT @instance_id, @execution, w.kind, w.task_id, w.name, w.input::jsonb, @priority, w.retry_policy::jsonb,
       w.max_attempts, coalesce(w.visible_at, coalesce(@now, now())), coalesce(@now, now())
FROM unnest(@kinds::text[], @task_ids::int[], @names::text[], @inputs::text[], @retry_policies::text[],
            @max_attempts::int[], @visible_ats::timestamptz[])
     AS w (kind, task_id, name, input, retry_policy, max_attempts, visible_at);
