-- Findings lifecycle (regressed, suppressed), suppressions and per-scan finding transitions.
-- Keep equivalent to migrations/sqlite/0002_lifecycle_suppressions.sql.

ALTER TABLE findings DROP CONSTRAINT findings_status_check;
ALTER TABLE findings ADD CONSTRAINT findings_status_check
    CHECK (status IN ('open', 'regressed', 'resolved', 'suppressed'));
ALTER TABLE findings ADD COLUMN regression_count BIGINT NOT NULL DEFAULT 0
    CHECK (regression_count >= 0);
ALTER TABLE findings ADD COLUMN suppression_id TEXT COLLATE "C";
ALTER TABLE findings ADD COLUMN resource_tags JSONB NOT NULL DEFAULT '{}';

ALTER TABLE scans ADD COLUMN regressed_findings BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN suppressed_findings BIGINT NOT NULL DEFAULT 0;

CREATE TABLE suppressions (
    id                  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    connection_id       TEXT COLLATE "C",
    rule_pattern        TEXT,
    resource_pattern    TEXT,
    account_id          TEXT COLLATE "C",
    tags                JSONB NOT NULL,
    owner               TEXT NOT NULL,
    reason              TEXT NOT NULL,
    ticket              TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    revoked_at          TIMESTAMPTZ,
    last_matched_at     TIMESTAMPTZ,
    scans_without_match BIGINT NOT NULL DEFAULT 0 CHECK (scans_without_match >= 0)
);

CREATE TABLE finding_events (
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES connections (id),
    scan_id       TEXT COLLATE "C" NOT NULL,
    key           TEXT COLLATE "C" NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'regressed', 'resolved', 'suppressed')),
    at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, key, scan_id)
);

CREATE INDEX finding_events_by_time ON finding_events (connection_id, at);
