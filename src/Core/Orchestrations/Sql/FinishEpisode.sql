-- Last statement of an episode's commit: its work item goes when nothing woke it meanwhile; otherwise it is
-- released at once for the episode that reads the newer events.
WITH done AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token AND (@finished OR wakeups = @wakeups_seen)
    RETURNING id
)
UPDATE taskflow.work_items
SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, attempt = 0, visible_at = coalesce(@now, now())
WHERE id = @work_item_id AND lease_token = @lease_token AND NOT EXISTS (SELECT 1 FROM done);
