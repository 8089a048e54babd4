SELECT scheduled, completed, failed FROM taskflow.orchestration_activity_counts WHERE instance_id = @id;
