-- Skywarden schema, SQLite flavour. Keep equivalent to migrations/postgres/0001_initial.sql.
-- Timestamps are RFC 3339 TEXT in UTC written by chrono (truncated to whole microseconds);
-- JSON is TEXT. STRICT tables reject values of the wrong storage class.
-- Scan ids in resources/findings are not foreign keys so scan history can be pruned
-- without touching inventory or findings.

CREATE TABLE connections (
    id         TEXT NOT NULL PRIMARY KEY,
    provider   TEXT NOT NULL CHECK (provider IN ('aws', 'azure')),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE scans (
    id                TEXT NOT NULL PRIMARY KEY,
    connection_id     TEXT NOT NULL REFERENCES connections (id),
    provider          TEXT NOT NULL CHECK (provider IN ('aws', 'azure')),
    "trigger"         TEXT NOT NULL CHECK ("trigger" IN ('cli', 'api', 'schedule')),
    status            TEXT NOT NULL
        CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'cancelled')),
    started_at        TEXT NOT NULL,
    finished_at       TEXT,
    coverage          TEXT NOT NULL CHECK (json_valid(coverage)),
    errors            TEXT NOT NULL CHECK (json_valid(errors)),
    resource_count    INTEGER NOT NULL DEFAULT 0,
    finding_count     INTEGER NOT NULL DEFAULT 0,
    new_findings      INTEGER NOT NULL DEFAULT 0,
    resolved_findings INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX scans_by_connection ON scans (connection_id, started_at);

CREATE TABLE resources (
    connection_id TEXT NOT NULL REFERENCES connections (id),
    resource_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT,
    document      TEXT NOT NULL CHECK (json_valid(document)),
    content_hash  TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    last_scan_id  TEXT NOT NULL,
    PRIMARY KEY (connection_id, resource_id)
) STRICT;

CREATE INDEX resources_by_scope ON resources (connection_id, account_id, region, kind);

CREATE TABLE findings (
    connection_id    TEXT NOT NULL REFERENCES connections (id),
    key              TEXT NOT NULL,
    rule_id          TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    severity_rank    INTEGER NOT NULL CHECK (severity_rank BETWEEN 0 AND 4),
    category         TEXT NOT NULL,
    title            TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    resource_kind    TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    region           TEXT NOT NULL,
    evidence         TEXT NOT NULL CHECK (json_valid(evidence)),
    monthly_cost_usd REAL,
    pricing_basis    TEXT CHECK (pricing_basis IS NULL OR json_valid(pricing_basis)),
    status           TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    resolved_at      TEXT,
    first_scan_id    TEXT NOT NULL,
    last_scan_id     TEXT NOT NULL,
    PRIMARY KEY (connection_id, key)
) STRICT;

CREATE INDEX findings_by_status ON findings (connection_id, status);
CREATE INDEX findings_by_placement ON findings (connection_id, account_id, region);
