//! The credential vault from the command line: master keys (`keys generate|check|rotate`),
//! sealed credentials (`credentials set|list|delete`), and opening a connection's credential
//! for a scan. Secrets are read from stdin or files, never from arguments (they would show in
//! `ps` and shell history), and never printed.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use secrecy::SecretString;
use serde::Deserialize;
use skywarden_graph::{ConnectionId, Provider};
use skywarden_scanner::{AwsCredentials, AzureCredentials};
use skywarden_store::{CredentialKind, MasterKey, Store, MASTER_KEY_ENV};
use zeroize::Zeroizing;

use crate::cli::{self, DatabaseArg, Format, EXIT_OK};

#[derive(Debug, Args)]
pub struct KeyArg {
    /// Master key file (base64 of 32 bytes, mode 0600). Default: SKYWARDEN_MASTER_KEY.
    #[arg(long, env = "SKYWARDEN_MASTER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

impl KeyArg {
    /// The configured master key, if any: the key file, else `SKYWARDEN_MASTER_KEY`.
    pub fn load(&self) -> Result<Option<MasterKey>> {
        if let Some(f) = &self.key_file {
            return Ok(Some(MasterKey::from_file(f)?));
        }
        match std::env::var(MASTER_KEY_ENV) {
            Ok(v) => Ok(Some(
                MasterKey::from_base64(&Zeroizing::new(v)).context(MASTER_KEY_ENV)?,
            )),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => bail!("{MASTER_KEY_ENV} is not valid UTF-8"),
        }
    }

    pub fn require(&self) -> Result<MasterKey> {
        self.load()?.with_context(|| {
            format!("no master key: set {MASTER_KEY_ENV} (base64 of 32 bytes) or --key-file (see `skywarden keys generate`)")
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new random master key (base64) to FILE, mode 0600. Refuses to overwrite.
    Generate {
        #[arg(long)]
        output: PathBuf,
    },
    /// Check that the configured master key is the one the database's vault was sealed with.
    Check {
        #[command(flatten)]
        db: DatabaseArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Re-wrap every credential's data key with the key in --new-key-file, in one transaction.
    /// Afterwards configure the new key everywhere (running daemons keep working until restarted
    /// only if they re-read it; see the README).
    Rotate {
        #[command(flatten)]
        db: DatabaseArg,
        /// The current key.
        #[command(flatten)]
        key: KeyArg,
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Seal and store a connection's credential, read as JSON from stdin. aws_static:
    /// {"access_key_id": "...", "secret_access_key": "...", "session_token": null}.
    Set {
        #[command(flatten)]
        db: DatabaseArg,
        #[command(flatten)]
        key: KeyArg,
        #[arg(long)]
        connection: String,
        /// Only aws_static is usable by scans so far (assume-role, organizations and Azure
        /// come with the multi-account and Azure work).
        #[arg(long, default_value = "aws_static")]
        kind: String,
    },
    /// Which connections have a credential (kind, key id, dates; never the secret).
    List {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Delete a connection's credential.
    Delete {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        connection: String,
    },
}

/// The JSON of an `aws_static` credential.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwsStatic {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
}

impl Drop for AwsStatic {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_access_key.zeroize();
        if let Some(t) = &mut self.session_token {
            t.zeroize();
        }
    }
}

fn parse_aws_static(bytes: &[u8]) -> Result<AwsStatic> {
    // serde's message can quote the input; report only the position.
    let c: AwsStatic = serde_json::from_slice(bytes).map_err(|e| {
        anyhow::anyhow!(
            "the aws_static credential is not {{\"access_key_id\", \"secret_access_key\", \"session_token\"?}} JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if c.access_key_id.trim().is_empty() || c.secret_access_key.is_empty() {
        bail!("the aws_static credential needs a non-empty access_key_id and secret_access_key");
    }
    Ok(c)
}

/// The JSON of an `azure_client_secret` credential.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AzureClientSecret {
    tenant_id: String,
    client_id: String,
    client_secret: String,
}

impl Drop for AzureClientSecret {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.client_secret.zeroize();
    }
}

fn parse_azure_client_secret(bytes: &[u8]) -> Result<AzureClientSecret> {
    let c: AzureClientSecret = serde_json::from_slice(bytes).map_err(|e| {
        anyhow::anyhow!(
            "the azure_client_secret credential is not {{\"tenant_id\", \"client_id\", \"client_secret\"}} JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if c.tenant_id.trim().is_empty() || c.client_id.trim().is_empty() || c.client_secret.is_empty()
    {
        bail!("the azure_client_secret credential needs a non-empty tenant_id, client_id and client_secret");
    }
    Ok(c)
}

/// The Azure credentials a scan of `connection` uses: its sealed `azure_client_secret` when
/// it has one, else AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET.
pub async fn azure_scan_credentials(
    store: &Store,
    key: &KeyArg,
    connection: Option<&ConnectionId>,
) -> Result<AzureCredentials> {
    let master = key.load()?;
    if let Some(m) = &master {
        store.verify_master_key(m).await?;
    }
    let sealed = match connection {
        Some(c) => store
            .list_credentials()
            .await?
            .into_iter()
            .any(|i| &i.connection_id == c),
        None => false,
    };
    if let (true, Some(connection)) = (sealed, connection) {
        let Some(m) = master else {
            bail!("connection {connection} has a sealed credential: set {MASTER_KEY_ENV} or --key-file to open it");
        };
        if let Some((kind, plain)) = store.open_credential(&m, connection).await? {
            if kind != CredentialKind::AzureClientSecret {
                bail!("connection {connection} has a {kind} credential; an Azure scan needs azure_client_secret");
            }
            let c = parse_azure_client_secret(&plain)?;
            return Ok(AzureCredentials::new(
                c.tenant_id.clone(),
                c.client_id.clone(),
                SecretString::from(c.client_secret.clone()),
            ));
        }
    }
    Ok(AzureCredentials::from_env()?)
}

async fn open_store(db: &DatabaseArg) -> Result<Store> {
    cli::open(db).await
}

pub async fn keys(cmd: KeysCommand) -> Result<u8> {
    match cmd {
        KeysCommand::Generate { output } => {
            write_new_key_file(&output, &MasterKey::generate())?;
            println!("wrote a new master key to {} (mode 0600)", output.display());
        }
        KeysCommand::Check { db, key } => {
            let key = key.require()?;
            let store = open_store(&db).await?;
            let r = store.verify_master_key(&key).await;
            store.close().await;
            r?;
            println!("master key {} opens the vault", key.id());
        }
        KeysCommand::Rotate {
            db,
            key,
            new_key_file,
        } => {
            let old = key.require()?;
            let new = MasterKey::from_file(&new_key_file)?;
            if new.id() == old.id() {
                bail!("--new-key-file holds the current key");
            }
            let store = open_store(&db).await?;
            let r = store.rotate_master_key(&old, &new).await;
            store.close().await;
            let n = r?;
            println!(
                "re-wrapped {n} credential(s) from master key {} to {}; configure the new key now",
                old.id(),
                new.id()
            );
        }
    }
    Ok(EXIT_OK)
}

fn write_new_key_file(path: &Path, key: &MasterKey) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    let b64 = key.to_base64();
    f.write_all(b64.as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub async fn credentials(cmd: CredentialsCommand) -> Result<u8> {
    match cmd {
        CredentialsCommand::Set {
            db,
            key,
            connection,
            kind,
        } => {
            let connection: ConnectionId = connection.parse()?;
            let kind: CredentialKind = kind.parse()?;
            let provider = match kind {
                CredentialKind::AwsStatic => Provider::Aws,
                CredentialKind::AzureClientSecret => Provider::Azure,
                _ => bail!("--kind {kind}: scans use aws_static or azure_client_secret"),
            };
            let key = key.require()?;
            let mut input = Zeroizing::new(Vec::new());
            std::io::stdin()
                .take(64 * 1024)
                .read_to_end(&mut input)
                .context("cannot read the credential from stdin")?;
            match provider {
                Provider::Azure => drop(parse_azure_client_secret(&input)?),
                _ => drop(parse_aws_static(&input)?),
            }
            let store = open_store(&db).await?;
            let r = store
                .put_credential(&key, &connection, provider, kind, &input)
                .await;
            store.close().await;
            r?;
            println!(
                "sealed the {kind} credential of {connection} with master key {}",
                key.id()
            );
        }
        CredentialsCommand::List { db, format } => {
            let store = open_store(&db).await?;
            let list = store.list_credentials().await;
            store.close().await;
            let list = list?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                Format::Table => {
                    for c in &list {
                        println!(
                            "{}  {}  key {}  updated {}",
                            c.connection_id,
                            c.kind,
                            c.key_id,
                            c.updated_at.to_rfc3339()
                        );
                    }
                    println!("{} credential(s)", list.len());
                }
            }
        }
        CredentialsCommand::Delete { db, connection } => {
            let connection: ConnectionId = connection.parse()?;
            let store = open_store(&db).await?;
            let r = store.delete_credential(&connection).await;
            store.close().await;
            r?;
            println!("deleted the credential of {connection}");
        }
    }
    Ok(EXIT_OK)
}

/// The credentials a scan of `connection` uses: its sealed credential when it has one (the
/// master key must then be configured and right), else the SDK's default chain. The
/// plaintext lives only inside this call and the returned secret types.
pub async fn scan_credentials(
    store: &Store,
    key: &KeyArg,
    connection: Option<&ConnectionId>,
) -> Result<AwsCredentials> {
    let master = key.load()?;
    if let Some(m) = &master {
        store.verify_master_key(m).await?;
    }
    let Some(connection) = connection else {
        return Ok(AwsCredentials::DefaultChain);
    };
    let has = store
        .list_credentials()
        .await?
        .into_iter()
        .any(|c| &c.connection_id == connection);
    if !has {
        return Ok(AwsCredentials::DefaultChain);
    }
    let Some(m) = master else {
        bail!("connection {connection} has a sealed credential: set {MASTER_KEY_ENV} or --key-file to open it");
    };
    let Some((kind, plain)) = store.open_credential(&m, connection).await? else {
        return Ok(AwsCredentials::DefaultChain);
    };
    if kind != CredentialKind::AwsStatic {
        bail!("connection {connection} has a {kind} credential, which scans cannot use yet");
    }
    let c = parse_aws_static(&plain)?;
    Ok(AwsCredentials::Static {
        access_key_id: c.access_key_id.clone(),
        secret_access_key: SecretString::from(c.secret_access_key.clone()),
        session_token: c.session_token.clone().map(SecretString::from),
    })
}
