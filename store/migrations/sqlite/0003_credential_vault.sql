-- Credential vault: envelope-encrypted cloud credentials (see src/sealing.rs), and one check
-- row sealed with the master key so a wrong key is detected at start-up before anything is
-- read or written. Keep equivalent to migrations/postgres/0003_credential_vault.sql.

CREATE TABLE credentials (
    connection_id TEXT NOT NULL PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL
        CHECK (kind IN ('aws_static', 'aws_assume_role', 'aws_organization', 'azure_client_secret')),
    key_id        TEXT NOT NULL,
    wrapped_key   BLOB NOT NULL,
    ciphertext    BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE vault_check (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    key_id      TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    ciphertext  BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
