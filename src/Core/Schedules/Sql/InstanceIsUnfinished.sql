SELECT EXISTS (SELECT 1 FROM taskflow.instances WHERE id = @id AND status = ANY (taskflow.unfinished_statuses()));
