-- An episode's one new activity, leased at once to the worker that runs the episode, which starts it without a round
-- trip through the queue (docs/architecture.md, "Continuations"). An activity a limit governs is inserted ready
-- instead: limited work is leased only when its limit grants it. The attempt is counted here, as a lease counts it.
WITH limited AS MATERIALIZED ( -- once: inlined, each CASE below would look the limits up again
    SELECT CASE WHEN EXISTS (SELECT 1 FROM taskflow.limits)
                THEN taskflow.limit_key_of(@name, (SELECT i.tags FROM taskflow.instances AS i WHERE i.id = @instance_id)) END AS limit_key
), new AS (
    SELECT limit_key, limit_key IS NULL AS leased, coalesce(@now, now()) AS at FROM limited
)
INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, input, priority, retry_policy, max_attempts,
                                 visible_at, created_at, limit_key, lease_token, lease_owner, leased_at, lease_expires_at, attempt)
SELECT @instance_id, @execution, 'activity', @task_id, @name, @input::jsonb, @priority, @retry_policy::jsonb, @max_attempts,
       new.at, new.at, new.limit_key,
       CASE WHEN new.leased THEN nextval('taskflow.lease_tokens') END,
       CASE WHEN new.leased THEN @worker_id END,
       CASE WHEN new.leased THEN new.at END,
       CASE WHEN new.leased THEN new.at + @lease_duration END,
       CASE WHEN new.leased THEN 1 ELSE 0 END
FROM new
RETURNING id AS leased_work_item_id, lease_token, leased_at, lease_expires_at, created_at;
