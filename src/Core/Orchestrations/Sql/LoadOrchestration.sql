-- What an episode needs to know about its instance, and the episode's time (the database clock, or the
-- test's): it becomes the OrchestratorStarted timestamp, so CurrentUtcDateTime follows the one clock.
-- An entity's input is its scheduler state, which its batch starts from (an orchestration's is in its history).
SELECT name, execution, status, last_sequence, parent_instance_id, parent_task_id, priority, coalesce(@now, now()), created_at,
       CASE WHEN kind = 'entity' THEN input::text END
FROM taskflow.instances
WHERE id = @instance_id;
