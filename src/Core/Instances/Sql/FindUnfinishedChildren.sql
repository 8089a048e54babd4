-- The unfinished children a cancel must reach too.
SELECT id FROM taskflow.instances WHERE parent_instance_id = @id AND status = ANY (taskflow.unfinished_statuses());
