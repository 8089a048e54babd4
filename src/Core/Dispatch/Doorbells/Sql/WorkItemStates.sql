-- Why doorbells found nothing to lease: for each of @ids still there, whether it is leased and when it is
-- due. An id missing from the answer is finished (or purged). Work a limit came to govern after it was rung counts as
-- held: the queue dispatcher leases limited work from PostgreSQL, so its doorbell is dropped.
SELECT id, lease_token IS NOT NULL OR limit_key IS NOT NULL AS leased, visible_at
FROM taskflow.work_items
WHERE id = ANY(@ids);
