-- Exactly the events this episode read: ids are assigned at insert and committed out of order, so an
-- older id may become visible after a newer one was read; "up to the last id read" would lose it.
DELETE FROM taskflow.inbox WHERE instance_id = @instance_id AND id = ANY(@inbox_ids::bigint[]);
