-- Chooses up to @batch_size ready work items: highest priority first, then the longest ready.
-- Followed by LeaseChosen.sql, which leases what this picks (WorkItemQueue joins the two).
WITH chosen AS (
    SELECT id
    FROM taskflow.work_items
    WHERE lease_token IS NULL
      AND visible_at <= coalesce(@now, now())
    ORDER BY priority DESC, visible_at, id
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
