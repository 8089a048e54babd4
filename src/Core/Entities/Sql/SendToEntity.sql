-- A message to an entity, created by its first message (send_to_entity, migration 0015). @due: when a signal
-- scheduled for later is to be read; NULL for now.
SELECT taskflow.send_to_entity(@id, jsonb_build_object('name', @name::text, 'input', @input::jsonb), @due,
                               coalesce(@now, now()), @actor);
