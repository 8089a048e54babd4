-- 0005: most tasks carry no idempotency key, and a NULL key needs no index entry: the uniqueness rule
-- moves from a constraint over every row to a partial unique index over keyed rows only (one index
-- insert fewer per task at enqueue).
ALTER TABLE taskflow.instances DROP CONSTRAINT idempotency_key_is_unique;
CREATE UNIQUE INDEX instances_idempotency_key_is_unique ON taskflow.instances (idempotency_key) WHERE idempotency_key IS NOT NULL;
