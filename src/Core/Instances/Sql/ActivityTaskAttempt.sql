-- The attempt a single-activity task run by the taskflow-activity orchestration is on: each attempt of its one activity
-- was scheduled once. No row for any other instance.
SELECT c.scheduled
FROM taskflow.instances i
JOIN taskflow.orchestration_activity_counts c ON c.instance_id = i.id
WHERE i.id = @id AND i.name = @type;
