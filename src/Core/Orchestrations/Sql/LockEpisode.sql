-- First statement of an episode's commit: the fence. Locks the episode's work item (work item before
-- instance, as everywhere) and reads how often it was woken and where the history stands.
SELECT w.wakeups, (SELECT last_sequence FROM taskflow.instances WHERE id = w.instance_id)
FROM taskflow.work_items AS w
WHERE w.id = @work_item_id AND w.lease_token = @lease_token
FOR UPDATE OF w;
