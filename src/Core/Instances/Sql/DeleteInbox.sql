-- Events that will never be read: the instance was cancelled or purged.
DELETE FROM taskflow.inbox WHERE instance_id = @id;
