-- Runs under the migration lock, before any numbered migration, so it is safe to repeat.
CREATE SCHEMA IF NOT EXISTS taskflow;
CREATE TABLE IF NOT EXISTS taskflow.schema_migrations (
    version    int         PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
-- The SHA-256 of the file that was applied (line endings as \n): an applied migration must never change, and start-up
-- refuses a database whose recorded checksum differs from the file's. NULL: applied before checksums were kept.
ALTER TABLE taskflow.schema_migrations ADD COLUMN IF NOT EXISTS checksum text;
