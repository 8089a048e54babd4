-- How many work items of @kind wait on a doorbell already put: each should have a message on its queue.
SELECT count(*)
FROM taskflow.work_items
WHERE kind = @kind
  AND lease_token IS NULL
  AND doorbell_visible_at IS NOT NULL;
