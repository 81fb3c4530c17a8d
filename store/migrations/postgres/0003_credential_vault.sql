-- Credential vault: envelope-encrypted cloud credentials (see src/sealing.rs), and one check
-- row sealed with the master key so a wrong key is detected at start-up before anything is
-- read or written. Keep equivalent to migrations/sqlite/0003_credential_vault.sql.

CREATE TABLE credentials (
    connection_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL
        CHECK (kind IN ('aws_static', 'aws_assume_role', 'aws_organization', 'azure_client_secret')),
    key_id        TEXT NOT NULL,
    wrapped_key   BYTEA NOT NULL,
    ciphertext    BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE vault_check (
    id          BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    key_id      TEXT NOT NULL,
    wrapped_key BYTEA NOT NULL,
    ciphertext  BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
