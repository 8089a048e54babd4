-- Runs under the migration lock, before any numbered migration, so it is safe to repeat.
CREATE SCHEMA IF NOT EXISTS taskflow;
CREATE TABLE IF NOT EXISTS taskflow.schema_migrations (
    version    int         PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
