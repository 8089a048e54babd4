-- Part of a cancel: each Durable entity the terminated orchestration holds locked in a critical section gets the
-- release the orchestration will never send (send_to_entity, migration 0015). A lock granted to it later (its request
-- was queued behind another) is released by cleaning entity storage.
SELECT taskflow.send_to_entity(e.id,
           jsonb_build_object('name', 'release', 'input', jsonb_build_object('parent', @id::text, 'id', gen_random_uuid())),
           NULL, coalesce(@now, now()), @actor)
FROM taskflow.instances AS e
WHERE e.kind = 'entity' AND e.custom_status ->> 'lockedBy' = @id;
