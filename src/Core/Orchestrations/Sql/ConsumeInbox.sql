-- Exactly the events the episodes read, each by its instance and id: ids are assigned at insert and committed out of
-- order, so an older id may become visible after a newer one was read; "up to the last id read" would lose it.
DELETE FROM taskflow.inbox AS x
USING unnest(@instance_ids::text[], @inbox_ids::bigint[]) AS g (instance_id, id)
WHERE x.id = ANY(@inbox_ids) AND x.id = g.id AND x.instance_id = g.instance_id;
