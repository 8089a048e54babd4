-- First statement of a commit of episodes, and its fence: ends each episode's lease, or raises TF001 when one is gone,
-- which undoes the rest of the batch (migration 0022; a group is then committed one episode at a time, which tells
-- whose it was). A work item goes when its execution ended or nothing woke it since the lease; otherwise it is handed
-- back at once for the episode that reads the newer events. Either way its row stays locked to the commit, first,
-- before any instance row (the lock order every writer keeps). Answers the ids of the work items handed back.
-- Every row is found by the ids given (`= ANY`, an index condition whatever the join: KeyedPlans.GenericLookups).
WITH given AS (
    SELECT * FROM unnest(@work_item_ids::bigint[], @lease_tokens::bigint[], @finished::boolean[], @wakeups_seen::int[])
        AS g (id, lease_token, finished, wakeups_seen)
), done AS (
    DELETE FROM taskflow.work_items AS w
    USING given AS g
    WHERE w.id = ANY(@work_item_ids) AND w.id = g.id AND w.lease_token = g.lease_token AND (g.finished OR w.wakeups = g.wakeups_seen)
    RETURNING w.id
), handed_back AS (
    UPDATE taskflow.work_items AS w
    SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, attempt = 0, visible_at = coalesce(@now, now())
    FROM given AS g
    WHERE w.id = ANY(@work_item_ids) AND w.id = g.id AND w.lease_token = g.lease_token AND w.id NOT IN (SELECT id FROM done)
    RETURNING w.id
)
SELECT taskflow.expect_lease_held(
           ((SELECT count(*) FROM done) + (SELECT count(*) FROM handed_back) = cardinality(@work_item_ids))::int,
           (@work_item_ids)[1], (@lease_tokens)[1]),
       ARRAY(SELECT id FROM handed_back) AS handed_back;
