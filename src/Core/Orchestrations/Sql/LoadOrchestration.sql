-- What an episode needs to know about its instance.
SELECT name, execution, status, last_sequence, parent_instance_id, parent_task_id, priority
FROM taskflow.instances
WHERE id = @instance_id;
