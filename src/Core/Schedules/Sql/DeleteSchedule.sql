-- Slots and events stay: the audit trail outlives the schedule.
DELETE FROM taskflow.schedules WHERE name = @name RETURNING name;
