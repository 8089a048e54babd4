-- Episodes' one new activity each, leased at once to the worker that runs the episodes, which starts them without a
-- round trip through the queue (docs/architecture.md, "Continuations"). An activity a limit governs is inserted ready
-- instead: limited work is leased only when its limit grants it. The attempt is counted here, as a lease counts it.
-- A row per activity answers, with its instance (a group of continuations commits many episodes, one per instance).
WITH given AS MATERIALIZED ( -- once: inlined, each CASE below would look the limits up again
    SELECT g.*,
           CASE WHEN EXISTS (SELECT 1 FROM taskflow.limits)
                THEN taskflow.limit_key_of(g.name, (SELECT i.tags FROM taskflow.instances AS i WHERE i.id = g.instance_id)) END AS limit_key
    FROM unnest(@instance_ids::text[], @executions::int[], @task_ids::int[], @names::text[], @inputs::text[], @priorities::smallint[])
         AS g (instance_id, execution, task_id, name, input, priority)
), new AS (
    SELECT given.*, limit_key IS NULL AS leased, coalesce(@now, now()) AS at FROM given
)
INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy, max_attempts,
                                 visible_at, created_at, limit_key, lease_token, lease_owner, leased_at, lease_expires_at, attempt)
SELECT new.instance_id, new.execution, 'activity', new.task_id, new.name, new.input::jsonb, new.priority, @retry_policy::jsonb,
       @max_attempts, new.at, new.at, new.limit_key,
       CASE WHEN new.leased THEN nextval('taskflow.lease_tokens') END,
       CASE WHEN new.leased THEN @worker_id END,
       CASE WHEN new.leased THEN new.at END,
       CASE WHEN new.leased THEN new.at + @lease_duration END,
       CASE WHEN new.leased THEN 1 ELSE 0 END
FROM new
RETURNING id AS leased_work_item_id, lease_token, leased_at, lease_expires_at, created_at, instance_id;
