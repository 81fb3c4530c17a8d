-- Findings lifecycle (regressed, suppressed), suppressions and per-scan finding transitions.
-- Keep equivalent to migrations/postgres/0002_lifecycle_suppressions.sql.
-- SQLite cannot change a CHECK constraint in place, so findings is rebuilt (inside the
-- migration's transaction; foreign keys are deferred by the copy order).

CREATE TABLE findings_v2 (
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
    status           TEXT NOT NULL CHECK (status IN ('open', 'regressed', 'resolved', 'suppressed')),
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    resolved_at      TEXT,
    first_scan_id    TEXT NOT NULL,
    last_scan_id     TEXT NOT NULL,
    regression_count INTEGER NOT NULL DEFAULT 0 CHECK (regression_count >= 0),
    suppression_id   TEXT,
    resource_tags    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(resource_tags)),
    PRIMARY KEY (connection_id, key)
) STRICT;

INSERT INTO findings_v2 (connection_id, key, rule_id, severity, severity_rank, category, title,
    resource_id, resource_kind, account_id, region, evidence, monthly_cost_usd, pricing_basis,
    status, first_seen, last_seen, resolved_at, first_scan_id, last_scan_id)
SELECT connection_id, key, rule_id, severity, severity_rank, category, title,
    resource_id, resource_kind, account_id, region, evidence, monthly_cost_usd, pricing_basis,
    status, first_seen, last_seen, resolved_at, first_scan_id, last_scan_id
FROM findings;

DROP TABLE findings;
ALTER TABLE findings_v2 RENAME TO findings;

CREATE INDEX findings_by_status ON findings (connection_id, status);
CREATE INDEX findings_by_placement ON findings (connection_id, account_id, region);

ALTER TABLE scans ADD COLUMN regressed_findings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN suppressed_findings INTEGER NOT NULL DEFAULT 0;

CREATE TABLE suppressions (
    id                  TEXT NOT NULL PRIMARY KEY,
    connection_id       TEXT,
    rule_pattern        TEXT,
    resource_pattern    TEXT,
    account_id          TEXT,
    tags                TEXT NOT NULL CHECK (json_valid(tags)),
    owner               TEXT NOT NULL,
    reason              TEXT NOT NULL,
    ticket              TEXT,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    revoked_at          TEXT,
    last_matched_at     TEXT,
    scans_without_match INTEGER NOT NULL DEFAULT 0 CHECK (scans_without_match >= 0)
) STRICT;

-- One row per finding whose status a scan changed; the status as of any scan is the one of
-- its latest row at or before that scan (scan comparison, --since-scan).
CREATE TABLE finding_events (
    connection_id TEXT NOT NULL REFERENCES connections (id),
    scan_id       TEXT NOT NULL,
    key           TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'regressed', 'resolved', 'suppressed')),
    at            TEXT NOT NULL,
    PRIMARY KEY (connection_id, key, scan_id)
) STRICT;

CREATE INDEX finding_events_by_time ON finding_events (connection_id, at);
