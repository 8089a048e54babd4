-- First statement of an episode's commit, and its fence: ends the episode's lease, or raises TF001 when it is gone,
-- which undoes the rest of the batch (migration 0022). The work item goes when the execution ended or nothing woke it
-- since the lease; otherwise it is handed back at once for the episode that reads the newer events. Either way its row
-- stays locked to the commit, first, before any instance row (the lock order every writer keeps).
WITH done AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token AND (@finished OR wakeups = @wakeups_seen)
    RETURNING id
), handed_back AS (
    UPDATE taskflow.work_items
    SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, attempt = 0, visible_at = coalesce(@now, now())
    WHERE id = @work_item_id AND lease_token = @lease_token AND NOT EXISTS (SELECT 1 FROM done)
    RETURNING id
)
SELECT taskflow.expect_lease_held((SELECT count(*) FROM done) + (SELECT count(*) FROM handed_back), @work_item_id, @lease_token),
       EXISTS (SELECT 1 FROM handed_back) AS handed_back;
