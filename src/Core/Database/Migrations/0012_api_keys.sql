-- 0012: API keys. A key's secret is never stored: only its SHA-256 (the secret is 256 random bits, so a fast hash is
-- enough), found by the key's non-secret prefix. Revoking sets revoked_at, which every process sees on the next
-- request (keys are looked up per request, not cached); a revoked key can then be deleted. Every change is an event.
CREATE TABLE taskflow.api_keys (
    id                    text        PRIMARY KEY,            -- 'key_' || prefix: the actor recorded in histories
    prefix                text        NOT NULL UNIQUE,
    name                  text        NOT NULL CONSTRAINT api_key_name_length CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash           bytea       NOT NULL CONSTRAINT api_key_hash_length CHECK (length(secret_hash) = 32),
    roles                 text[]      NOT NULL CONSTRAINT api_key_roles_known
        CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['admin', 'operator', 'submitter', 'viewer']),
    requests_per_minute   int         CONSTRAINT api_key_rate_positive CHECK (requests_per_minute > 0),
    expires_at            timestamptz,
    created_at            timestamptz NOT NULL,
    created_by            text        NOT NULL,
    revoked_at            timestamptz,
    revoked_by            text
);

CREATE TABLE taskflow.api_key_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id      text        NOT NULL,                          -- kept after the key is deleted
    event_type  text        NOT NULL CONSTRAINT api_key_event_known CHECK (event_type IN ('Created', 'Revoked', 'Deleted')),
    actor       text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    details     jsonb
);

CREATE INDEX api_key_events_by_key ON taskflow.api_key_events (key_id, id);
