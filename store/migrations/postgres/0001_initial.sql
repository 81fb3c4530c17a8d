-- Skywarden schema, Postgres flavour. Keep equivalent to migrations/sqlite/0001_initial.sql.
-- Text keys use COLLATE "C" so ORDER BY is byte order, exactly as SQLite's BINARY collation:
-- both backends list rows in the same order. Timestamps are TIMESTAMPTZ (microseconds, the
-- store truncates before writing); JSON is JSONB.
-- Scan ids in resources/findings are not foreign keys so scan history can be pruned
-- without touching inventory or findings.

CREATE TABLE connections (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    provider   TEXT NOT NULL CHECK (provider IN ('aws', 'azure')),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE scans (
    id                TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    connection_id     TEXT COLLATE "C" NOT NULL REFERENCES connections (id),
    provider          TEXT NOT NULL CHECK (provider IN ('aws', 'azure')),
    "trigger"         TEXT NOT NULL CHECK ("trigger" IN ('cli', 'api', 'schedule')),
    status            TEXT NOT NULL
        CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'cancelled')),
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    coverage          JSONB NOT NULL,
    errors            JSONB NOT NULL,
    resource_count    BIGINT NOT NULL DEFAULT 0,
    finding_count     BIGINT NOT NULL DEFAULT 0,
    new_findings      BIGINT NOT NULL DEFAULT 0,
    resolved_findings BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX scans_by_connection ON scans (connection_id, started_at);

CREATE TABLE resources (
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES connections (id),
    resource_id   TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    account_id    TEXT COLLATE "C" NOT NULL,
    region        TEXT COLLATE "C" NOT NULL,
    name          TEXT,
    document      JSONB NOT NULL,
    content_hash  TEXT NOT NULL,
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    last_scan_id  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, resource_id)
);

CREATE INDEX resources_by_scope ON resources (connection_id, account_id, region, kind);

CREATE TABLE findings (
    connection_id    TEXT COLLATE "C" NOT NULL REFERENCES connections (id),
    key              TEXT COLLATE "C" NOT NULL,
    rule_id          TEXT COLLATE "C" NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    severity_rank    INTEGER NOT NULL CHECK (severity_rank BETWEEN 0 AND 4),
    category         TEXT NOT NULL,
    title            TEXT NOT NULL,
    resource_id      TEXT COLLATE "C" NOT NULL,
    resource_kind    TEXT COLLATE "C" NOT NULL,
    account_id       TEXT COLLATE "C" NOT NULL,
    region           TEXT COLLATE "C" NOT NULL,
    evidence         JSONB NOT NULL,
    monthly_cost_usd DOUBLE PRECISION,
    pricing_basis    JSONB,
    status           TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    first_seen       TIMESTAMPTZ NOT NULL,
    last_seen        TIMESTAMPTZ NOT NULL,
    resolved_at      TIMESTAMPTZ,
    first_scan_id    TEXT COLLATE "C" NOT NULL,
    last_scan_id     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (connection_id, key)
);

CREATE INDEX findings_by_status ON findings (connection_id, status);
CREATE INDEX findings_by_placement ON findings (connection_id, account_id, region);
