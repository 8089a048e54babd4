-- 0027: a lease writes one index entry fewer. Taking a lease updates its work item, and that update cannot be HOT
-- (lease_token is in the ready indexes' predicates), so it writes an entry into every index of work_items whose
-- predicate holds for the leased row: the primary key, work_items_one_per_task, work_items_leases_by_expiry and this
-- one. Only the heartbeat looked rows up by token alone; it now finds them by id (RenewLeases.sql), as every fence
-- does. A token is still held by one row at most: every lease takes a new one from the sequence taskflow.lease_tokens
-- (LeaseChosen.sql, InsertLeasedActivity.sql, CompleteOrchestrationActivities.sql). The statements that look for all
-- leased rows name lease_expires_at, which the lease_is_whole check sets exactly when lease_token is, and so
-- work_items_leases_by_expiry (ListTasks.sql).
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
DROP INDEX taskflow.work_items_by_lease_token;
