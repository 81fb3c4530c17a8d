-- Change history and approved baselines (drift). Keep equivalent to
-- migrations/sqlite/0006_drift_history.sql (the comments there explain the columns).
ALTER TABLE resources ADD COLUMN document_hash TEXT;

CREATE TABLE resource_changes (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connection_id TEXT COLLATE "C" NOT NULL REFERENCES connections (id),
    scan_id       TEXT COLLATE "C" NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    resource_id   TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    account_id    TEXT COLLATE "C" NOT NULL,
    region        TEXT COLLATE "C" NOT NULL,
    change        TEXT NOT NULL CHECK (change IN ('created', 'modified', 'deleted')),
    content_hash  TEXT,
    patch         JSONB,
    document      JSONB
);

CREATE INDEX resource_changes_by_resource ON resource_changes (connection_id, resource_id, id);
CREATE INDEX resource_changes_by_time ON resource_changes (connection_id, at);

CREATE TABLE baselines (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    connection_id  TEXT COLLATE "C" NOT NULL REFERENCES connections (id),
    scan_id        TEXT COLLATE "C" NOT NULL,
    selector       TEXT COLLATE "C" NOT NULL,
    selector_key   TEXT,
    selector_value TEXT,
    scopes         JSONB NOT NULL,
    note           TEXT,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (connection_id, selector)
);

CREATE TABLE baseline_resources (
    baseline_id   TEXT COLLATE "C" NOT NULL REFERENCES baselines (id) ON DELETE CASCADE,
    resource_id   TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    account_id    TEXT COLLATE "C" NOT NULL,
    region        TEXT COLLATE "C" NOT NULL,
    document      JSONB NOT NULL,
    content_hash  TEXT NOT NULL,
    approved_at   TIMESTAMPTZ NOT NULL,
    approved_by   TEXT NOT NULL,
    PRIMARY KEY (baseline_id, resource_id)
);
