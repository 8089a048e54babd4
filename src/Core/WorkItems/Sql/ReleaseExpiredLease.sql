-- The rescuer's answer to an expired orchestration-episode or timer lease: back to the queue at once
-- (the attempt stays counted). Fenced by token and expiry.
UPDATE taskflow.work_items
SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, visible_at = coalesce(@now, now())
WHERE id = @work_item_id
  AND lease_token = @lease_token
  AND lease_expires_at < coalesce(@now, now());
