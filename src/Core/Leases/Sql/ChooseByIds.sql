-- Chooses the work items @ids (from doorbell messages) that are ready now; the rest are leased elsewhere,
-- not due yet, or gone. Limited work is never rung (ClaimNewDoorbells.sql), so none is leased here past its limit.
-- Followed by LeaseChosen.sql, which leases what this picks.
WITH chosen AS (
    SELECT id, NULL::timestamptz AS granted_at
    FROM taskflow.work_items
    WHERE id = ANY(@ids)
      AND lease_token IS NULL
      AND limit_key IS NULL
      AND visible_at <= coalesce(@now, now())
    ORDER BY id
    FOR UPDATE SKIP LOCKED
