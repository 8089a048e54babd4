-- The work a scaler weighs: orchestrations' episodes (timers and Durable entities' batches included) and activities,
-- ready or running. Activities a global limit holds beyond its free slots are left out, as taskflow.worker_backlog leaves
-- them out for the server's workers: more hosts would not run them sooner.
-- Counts over the work_items table only (small: finished work is deleted), ready ones on the database clock.
WITH work AS (
    SELECT w.kind, w.lease_token IS NOT NULL AS leased, w.visible_at <= coalesce(@now, now()) AS due, w.limit_key
    FROM taskflow.work_items AS w
    JOIN taskflow.instances AS i ON i.id = w.instance_id AND i.kind <> 'activity'),
held AS (
    SELECT limit_key, count(*) AS waiting
    FROM work
    WHERE kind = 'activity' AND NOT leased AND due AND limit_key IS NOT NULL
    GROUP BY limit_key)
SELECT (SELECT count(*) FROM work WHERE kind <> 'activity' AND NOT leased AND due),
       (SELECT count(*) FROM work WHERE kind <> 'activity' AND leased),
       (SELECT count(*) FROM work WHERE kind = 'activity' AND NOT leased AND due AND limit_key IS NULL)
         + (SELECT coalesce(sum(least(h.waiting, coalesce(u.free_slots, h.waiting))), 0)::bigint
            FROM held AS h
            JOIN taskflow.limit_usage AS u ON u.limit_key = h.limit_key),
       (SELECT count(*) FROM work WHERE kind = 'activity' AND leased);
