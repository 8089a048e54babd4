-- An episode whose commit was rolled back because the history moved meanwhile: its work item is handed back at once, so
-- the episode runs again on the new history. Nothing, when the lease is gone.
UPDATE taskflow.work_items
SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, attempt = 0, visible_at = coalesce(@now, now())
WHERE id = @work_item_id AND lease_token = @lease_token;
