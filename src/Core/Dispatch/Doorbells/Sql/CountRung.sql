-- How many work items of @kind should have a doorbell on their queue: rung and not finished, waiting or
-- leased (a leased item's message is deleted only after its outcome commits).
SELECT count(*)
FROM taskflow.work_items
WHERE kind = @kind
  AND doorbell_visible_at IS NOT NULL;
