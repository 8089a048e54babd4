-- 0019: vacuum never truncates the hot tables. To cut the empty pages off a table's end, VACUUM takes an ACCESS
-- EXCLUSIVE lock on it, so every insert and lease waits meanwhile: in the soak (1,000 tasks/s), autovacuum tried to
-- truncate work_items, inbox, instances or history every minute or two (it waits up to 5 s for the lock), and once it
-- had history's, 18 sessions queued behind it in the run's slowest minute. These tables churn: what retention and
-- completions free is filled again within seconds, so truncating gives back nothing that stays free. After a one-off
-- backlog, an operator can return the space with VACUUM (TRUNCATE) (docs/operations.md).
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
ALTER TABLE taskflow.work_items SET (vacuum_truncate = false);
ALTER TABLE taskflow.inbox SET (vacuum_truncate = false);
ALTER TABLE taskflow.instances SET (vacuum_truncate = false);
ALTER TABLE taskflow.history SET (vacuum_truncate = false);
