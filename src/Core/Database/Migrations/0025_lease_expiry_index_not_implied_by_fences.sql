-- 0025: the index of leases by expiry no longer offers itself to the statements fenced by a lease token. Its rows are
-- the same (the lease_is_whole check makes lease_expires_at set exactly when lease_token is), but its predicate was
-- lease_token IS NOT NULL, which every fence (id = @work_item_id AND lease_token = @lease_token) implies. So the planner
-- could answer a fence by walking this whole index and filtering each entry by id and token, and after an autoanalyze
-- that saw few leases it did: in the soak (1,000 tasks/s), a continuation's first statement then took 5-30 ms instead of
-- 0.1 (auto_explain), its group of up to 64 took a second or more, and three-step sequences took 5-10 s, for the minute
-- until the next analyse (docs/benchmarks.md, "The sequences' slow minutes: a fence that walked the expiry index").
-- The index also holds every lease taken since the last vacuum, dead ones included, which the walk visits. Only the
-- rescuer's look for expired leases (lease_expires_at < now) needs it, and that implies the new predicate.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
CREATE INDEX work_items_leases_by_expiry_only ON taskflow.work_items (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
DROP INDEX taskflow.work_items_leases_by_expiry;
ALTER INDEX taskflow.work_items_leases_by_expiry_only RENAME TO work_items_leases_by_expiry;
