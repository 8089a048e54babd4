-- Schedules with a slot due (or a buffered slot waiting), locked for this scheduler alone: another
-- scheduler skips them, so each slot is decided by one transaction. Columns as SelectSchedules.sql, then
-- the clock this pass uses.
SELECT name, cron, time_zone, task::text, overlap, catch_up, catch_up_limit, paused, start_at, end_at,
       next_fire_at, buffered_slot, last_instance_id, source, created_by, created_at, updated_at,
       coalesce(@now, now()) AS now
FROM taskflow.schedules
WHERE NOT paused
  AND (next_fire_at <= coalesce(@now, now()) OR buffered_slot IS NOT NULL)
ORDER BY next_fire_at
LIMIT @batch_size
FOR UPDATE SKIP LOCKED;
