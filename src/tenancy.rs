//! Bootstrapping tenancy from the command line: `orgs create|list|delete`,
//! `tokens create|list|revoke`. The first admin token of an organization can only come from
//! here (the API needs a token to make tokens).

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Subcommand;
use secrecy::ExposeSecret;
use skywarden_store::{OrgId, Role};

use crate::cli::{self, DatabaseArg, Format, EXIT_OK};

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Create an organization.
    Create {
        #[command(flatten)]
        db: DatabaseArg,
        /// 1-64 of a-z 0-9 - _.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// List organizations.
    List {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Delete an organization and everything it owns (connections, credentials, inventory,
    /// findings, scans, suppressions, tokens, audit log).
    Delete {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        id: String,
        /// Required: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token; the token is printed once (only its hash is stored).
    Create {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        org: String,
        /// admin, editor or viewer.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime, e.g. 90d or 12h (default: no expiry).
        #[arg(long)]
        expires: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List an organization's tokens (never the secrets).
    List {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Revoke a token.
    Revoke {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
    },
}

pub async fn orgs(cmd: OrgsCommand) -> Result<u8> {
    match cmd {
        OrgsCommand::Create { db, id, name } => {
            let id: OrgId = id.parse()?;
            let store = cli::open(&db).await?;
            let r = store
                .create_org(&id, name.as_deref().unwrap_or(id.as_str()), Utc::now())
                .await;
            store.close().await;
            let org = r?;
            println!("created organization {}", org.id);
        }
        OrgsCommand::List { db, format } => {
            let store = cli::open(&db).await?;
            let r = store.list_orgs().await;
            store.close().await;
            let orgs = r?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&orgs)?),
                Format::Table => {
                    for o in &orgs {
                        println!(
                            "{}  {}  created {}",
                            o.id,
                            o.name,
                            o.created_at.to_rfc3339()
                        );
                    }
                    println!("{} organization(s)", orgs.len());
                }
            }
        }
        OrgsCommand::Delete { db, id, yes } => {
            let id: OrgId = id.parse()?;
            if !yes {
                anyhow::bail!("deleting organization {id} removes everything it owns; pass --yes");
            }
            let store = cli::open(&db).await?;
            let r = store.delete_org(&id).await;
            store.close().await;
            let n = r?;
            println!(
                "deleted organization {id}: {} connection(s), {} scan(s), {} resource(s), {} finding(s), {} token(s)",
                n.connections, n.scans, n.resources, n.findings, n.tokens
            );
        }
    }
    Ok(EXIT_OK)
}

pub async fn tokens(cmd: TokensCommand) -> Result<u8> {
    match cmd {
        TokensCommand::Create {
            db,
            org,
            role,
            name,
            expires,
            format,
        } => {
            let org: OrgId = org.parse()?;
            let role: Role = role.parse()?;
            let now = Utc::now();
            let expires_at = expires
                .as_deref()
                .map(|e| crate::commands::parse_expiry(e, now))
                .transpose()
                .context("--expires")?;
            let store = cli::open(&db).await?;
            let r = store.create_token(&org, &name, role, expires_at, now).await;
            store.close().await;
            let (info, secret) = r?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "info": info,
                        "token": secret.expose_secret(),
                    }))?
                ),
                Format::Table => {
                    eprintln!(
                        "created {} token {} for {} (shown once; store it now):",
                        info.role, info.id, info.org_id
                    );
                    println!("{}", secret.expose_secret());
                }
            }
        }
        TokensCommand::List { db, org, format } => {
            let org: OrgId = org.parse()?;
            let store = cli::open(&db).await?;
            let r = store.list_tokens(&org).await;
            store.close().await;
            let list = r?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                Format::Table => {
                    for t in &list {
                        println!(
                            "{}  {}  {}  created {}{}",
                            t.id,
                            t.role,
                            t.name,
                            t.created_at.to_rfc3339(),
                            if t.revoked_at.is_some() {
                                "  revoked"
                            } else {
                                ""
                            }
                        );
                    }
                    println!("{} token(s)", list.len());
                }
            }
        }
        TokensCommand::Revoke { db, org, id } => {
            let org: OrgId = org.parse()?;
            let store = cli::open(&db).await?;
            let r = store.revoke_token(&org, &id, Utc::now()).await;
            store.close().await;
            r?;
            println!("revoked token {id}");
        }
    }
    Ok(EXIT_OK)
}
