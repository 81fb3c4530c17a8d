-- The daemon's persistence: organizations (tenants), API tokens (only the SHA-256 of a token
-- is stored, never the token), the audit log, API-managed connections (owning organization,
-- display name, provider scan settings, schedule), organization-owned suppressions, scan
-- progress and cancellation requests, and one lease per connection so that only one process
-- at a time scans it. Keep equivalent to migrations/sqlite/0004_daemon.sql.
-- Rows made by the CLI (connections, suppressions) keep org_id NULL. A connection's own rows
-- (scans, inventory, findings, events) are deleted explicitly by the store in one
-- transaction, so the older tables keep their plain references.

CREATE TABLE organizations (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id       TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    token_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE INDEX api_tokens_by_org ON api_tokens (org_id, created_at);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    remote_addr TEXT,
    outcome     TEXT NOT NULL,
    detail      JSONB NOT NULL
);

CREATE INDEX audit_log_by_org ON audit_log (org_id, id);

-- config is opaque to the store (provider-specific scan settings); '{}' for CLI connections.
ALTER TABLE connections ADD COLUMN org_id TEXT COLLATE "C" REFERENCES organizations (id);
ALTER TABLE connections ADD COLUMN name TEXT;
ALTER TABLE connections ADD COLUMN config JSONB NOT NULL DEFAULT '{}';
ALTER TABLE connections ADD COLUMN schedule JSONB;
ALTER TABLE connections ADD COLUMN updated_at TIMESTAMPTZ;

CREATE INDEX connections_by_org ON connections (org_id, id);

ALTER TABLE suppressions ADD COLUMN org_id TEXT COLLATE "C"
    REFERENCES organizations (id) ON DELETE CASCADE;

CREATE INDEX suppressions_by_org ON suppressions (org_id, created_at);

ALTER TABLE scans ADD COLUMN progress JSONB;
ALTER TABLE scans ADD COLUMN cancel_requested_at TIMESTAMPTZ;

CREATE INDEX scans_by_status ON scans (status);

-- scan_id is not a foreign key: a lease is taken before its scan row is written.
CREATE TABLE scan_leases (
    connection_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    holder        TEXT NOT NULL,
    scan_id       TEXT COLLATE "C",
    acquired_at   TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX scan_leases_by_scan ON scan_leases (scan_id);
