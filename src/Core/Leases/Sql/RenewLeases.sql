-- Heartbeat: extends the leases this worker still holds. A token missing from the result was lost
-- (expired and rescued, or the task was cancelled): the worker stops that activity and discards it.
UPDATE taskflow.work_items
SET lease_expires_at = coalesce(@now, now()) + @lease_duration
WHERE lease_token = ANY(@lease_tokens)
RETURNING lease_token;
