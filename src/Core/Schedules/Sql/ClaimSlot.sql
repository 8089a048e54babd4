-- The exactly-once guard: a slot is decided once. A buffered slot is decided again when it starts.
INSERT INTO taskflow.schedule_slots (schedule_name, slot, outcome, instance_id, decided_at)
VALUES (@name, @slot, @outcome, @instance_id, coalesce(@now, now()))
ON CONFLICT (schedule_name, slot) DO UPDATE
SET outcome = excluded.outcome, instance_id = excluded.instance_id, decided_at = excluded.decided_at
WHERE taskflow.schedule_slots.outcome = 'buffered';
