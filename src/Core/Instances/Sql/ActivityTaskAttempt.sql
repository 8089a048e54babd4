-- The attempt a single-activity task run by the taskflow-activity orchestration is on: each attempt of its one activity
-- was scheduled once. No row for any other instance.
SELECT c.scheduled
FROM taskflow.tasks t
JOIN taskflow.orchestration_activity_counts c ON c.instance_id = t.id
WHERE t.id = @id AND t.type = @type;
