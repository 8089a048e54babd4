-- The work a scaler weighs: orchestrations' episodes (timers and Durable entities' batches included) and activities,
-- ready or running.
-- Counts over the work_items table only (small: finished work is deleted), ready ones on the database clock.
SELECT count(*) FILTER (WHERE w.kind <> 'activity' AND w.lease_token IS NULL AND w.visible_at <= coalesce(@now, now())),
       count(*) FILTER (WHERE w.kind <> 'activity' AND w.lease_token IS NOT NULL),
       count(*) FILTER (WHERE w.kind = 'activity' AND w.lease_token IS NULL AND w.visible_at <= coalesce(@now, now())),
       count(*) FILTER (WHERE w.kind = 'activity' AND w.lease_token IS NOT NULL)
FROM taskflow.work_items AS w
JOIN taskflow.instances AS i ON i.id = w.instance_id AND i.kind <> 'activity';
