-- First statement of an episode's commit: the fence. Locks the episode's work item, or raises TF001 when the
-- lease is lost, which undoes the rest of the batch (migration 0008).
SELECT taskflow.hold_episode_lease(@work_item_id, @lease_token);
