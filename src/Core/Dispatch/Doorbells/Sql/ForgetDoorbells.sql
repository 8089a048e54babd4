-- The doorbells of these waiting work items were not put, or were early and deleted: the ringer puts new ones.
UPDATE taskflow.work_items
SET doorbell_visible_at = NULL
WHERE id = ANY(@ids) AND lease_token IS NULL;
