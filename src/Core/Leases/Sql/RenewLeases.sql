-- Heartbeat: extends the leases this worker still holds, and returns each token still held, with whether its lease
-- was extended. A token missing from the result was lost (expired and rescued, or the task was cancelled): the worker
-- stops that activity and discards it.
-- A row another transaction has locked (the completion of that very work, a cancel) is skipped, not waited for, and
-- still counts as held; the next heartbeat extends it. Waiting deadlocked: a completion batch locks its rows in its
-- own order, the heartbeat in the index's, and when PostgreSQL chose the batch as the victim, its outcomes (up to 256)
-- were not saved, so their tasks waited for their leases to expire and lost an attempt (the soak met one every few
-- minutes). A statement that never waits cannot be part of a deadlock.
-- Rows are found by id from an array, not joined: a join let the planner scan the whole queue table. The tokens need
-- no index of their own (migration 0027): each is taken once from a sequence, so a row of @work_item_ids that holds
-- one of @lease_tokens holds the lease that was taken for it.
WITH free AS (
    SELECT id FROM taskflow.work_items
    WHERE id = ANY(@work_item_ids) AND lease_token = ANY(@lease_tokens)
    FOR UPDATE SKIP LOCKED
), renewed AS (
    UPDATE taskflow.work_items
    SET lease_expires_at = coalesce(@now, now()) + @lease_duration
    WHERE id = ANY(ARRAY(SELECT id FROM free))
    RETURNING lease_token
)
SELECT lease_token, true AS renewed FROM renewed
UNION ALL
-- The statement's snapshot, which the update above does not change: the rows it skipped are still there.
SELECT lease_token, false FROM taskflow.work_items
WHERE id = ANY(@work_item_ids) AND lease_token = ANY(@lease_tokens) AND lease_token <> ALL(ARRAY(SELECT lease_token FROM renewed));
