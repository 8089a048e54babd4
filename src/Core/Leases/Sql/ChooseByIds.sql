-- Chooses the work items @ids (from doorbell messages) that are ready now; the rest are leased elsewhere,
-- not due yet, or gone. Followed by LeaseChosen.sql, which leases what this picks.
WITH chosen AS (
    SELECT id
    FROM taskflow.work_items
    WHERE id = ANY(@ids)
      AND lease_token IS NULL
      AND visible_at <= coalesce(@now, now())
    ORDER BY id
    FOR UPDATE SKIP LOCKED
