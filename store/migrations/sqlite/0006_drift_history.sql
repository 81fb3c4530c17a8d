-- Change history and approved baselines (drift). Keep equivalent to
-- migrations/postgres/0006_drift_history.sql.
--
-- resources.content_hash is, from now on, the SHA-256 of the *normalised* document (volatile
-- fields such as an access key's last use cleared, see graph/src/volatile.rs); document_hash is
-- the SHA-256 of the stored document itself, so a change of volatile fields only refreshes the
-- document and records no change. Rows written before this migration have no document_hash;
-- their next scan compares content (an empty diff records nothing).
ALTER TABLE resources ADD COLUMN document_hash TEXT;

-- One row per resource of a Complete scope that a scan found created, modified or deleted.
-- modified: patch = RFC 6902 JSON Patch from the previous to the new normalised document.
-- deleted: document = the last stored document. created: neither (the resource row has it).
-- Pruned by age and by number of scans ([history] retention_days / retention_scans).
CREATE TABLE resource_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id TEXT NOT NULL REFERENCES connections (id),
    scan_id       TEXT NOT NULL,
    at            TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    change        TEXT NOT NULL CHECK (change IN ('created', 'modified', 'deleted')),
    content_hash  TEXT,
    patch         TEXT CHECK (patch IS NULL OR json_valid(patch)),
    document      TEXT CHECK (document IS NULL OR json_valid(document))
) STRICT;

CREATE INDEX resource_changes_by_resource ON resource_changes (connection_id, resource_id, id);
CREATE INDEX resource_changes_by_time ON resource_changes (connection_id, at);

-- A pinned baseline: the resources a finished scan saw completely (optionally only those
-- carrying the tag selector_key=selector_value), approved as the intended state. selector is
-- '' for the whole connection, else 'key=value'; one baseline per (connection, selector).
-- scopes: the Complete (account, region, kind) scopes of the pinned scan, as JSON.
CREATE TABLE baselines (
    id             TEXT NOT NULL PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections (id),
    scan_id        TEXT NOT NULL,
    selector       TEXT NOT NULL,
    selector_key   TEXT,
    selector_value TEXT,
    scopes         TEXT NOT NULL CHECK (json_valid(scopes)),
    note           TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (connection_id, selector)
) STRICT;

-- The approved document of each resource of a baseline: a copy of the stored document when
-- pinned, replaced (or removed, for a resource since deleted) by an approval.
CREATE TABLE baseline_resources (
    baseline_id   TEXT NOT NULL REFERENCES baselines (id) ON DELETE CASCADE,
    resource_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    document      TEXT NOT NULL CHECK (json_valid(document)),
    content_hash  TEXT NOT NULL,
    approved_at   TEXT NOT NULL,
    approved_by   TEXT NOT NULL,
    PRIMARY KEY (baseline_id, resource_id)
) STRICT;
