-- The daemon's persistence: organizations (tenants), API tokens (only the SHA-256 of a token
-- is stored, never the token), the audit log, API-managed connections (owning organization,
-- display name, provider scan settings, schedule), organization-owned suppressions, scan
-- progress and cancellation requests, and one lease per connection so that only one process
-- at a time scans it. Keep equivalent to migrations/postgres/0004_daemon.sql.
-- Rows made by the CLI (connections, suppressions) keep org_id NULL. A connection's own rows
-- (scans, inventory, findings, events) are deleted explicitly by the store in one
-- transaction, so the older tables keep their plain references.

CREATE TABLE organizations (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    id           TEXT NOT NULL PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX api_tokens_by_org ON api_tokens (org_id, created_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    remote_addr TEXT,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL CHECK (json_valid(detail))
) STRICT;

CREATE INDEX audit_log_by_org ON audit_log (org_id, id);

-- config is opaque to the store (provider-specific scan settings); '{}' for CLI connections.
ALTER TABLE connections ADD COLUMN org_id TEXT REFERENCES organizations (id);
ALTER TABLE connections ADD COLUMN name TEXT;
ALTER TABLE connections ADD COLUMN config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config));
ALTER TABLE connections ADD COLUMN schedule TEXT CHECK (schedule IS NULL OR json_valid(schedule));
ALTER TABLE connections ADD COLUMN updated_at TEXT;

CREATE INDEX connections_by_org ON connections (org_id, id);

ALTER TABLE suppressions ADD COLUMN org_id TEXT REFERENCES organizations (id) ON DELETE CASCADE;

CREATE INDEX suppressions_by_org ON suppressions (org_id, created_at);

ALTER TABLE scans ADD COLUMN progress TEXT CHECK (progress IS NULL OR json_valid(progress));
ALTER TABLE scans ADD COLUMN cancel_requested_at TEXT;

CREATE INDEX scans_by_status ON scans (status);

-- scan_id is not a foreign key: a lease is taken before its scan row is written.
CREATE TABLE scan_leases (
    connection_id TEXT NOT NULL PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    holder        TEXT NOT NULL,
    scan_id       TEXT,
    acquired_at   TEXT NOT NULL,
    expires_at    TEXT NOT NULL
) STRICT;

CREATE INDEX scan_leases_by_scan ON scan_leases (scan_id);
