UPDATE taskflow.schedules
SET next_fire_at = @next_fire_at, buffered_slot = @buffered_slot, last_instance_id = @last_instance_id
WHERE name = @name;
