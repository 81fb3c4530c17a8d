//! Organizations, API tokens and the audit log.
//!
//! A token is `swt_` + 32 random bytes (base64url, no padding). Only the hex SHA-256 of the
//! whole token string is stored; the token itself is returned once, by
//! [`Store::create_token`], as a [`SecretString`]. Lookup is by hash, so no comparison of
//! secrets happens here.

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::OsRng;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use zeroize::Zeroizing;

use super::{Pools, Store};
use crate::error::StoreError;
use crate::plan::micros;
use crate::rows;
use crate::types::{AuditEntry, AuditRecord, OrgId, Organization, Role, TokenInfo};

/// Every token starts with this, so leaked ones are easy to recognise (secret scanners).
pub const TOKEN_PREFIX: &str = "swt_";
/// Random bytes per token.
const TOKEN_BYTES: usize = 32;
/// `last_used_at` is written at most this often per token.
const LAST_USED_EVERY: Duration = Duration::minutes(1);
/// Longest audit page, plus one (the "is there a next page" probe).
const MAX_AUDIT_PAGE: u32 = 1001;
/// Longest organization or token name, in characters.
const MAX_NAME: usize = 200;

/// The stored form of a token: hex SHA-256 of the whole string.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, StoreError> {
    let mut b = Zeroizing::new([0u8; N]);
    OsRng
        .try_fill_bytes(b.as_mut())
        .map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(b)
}

/// A name that is not blank and not absurdly long.
pub(super) fn check_name(what: &'static str, name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME || name.contains(['\n', '\r']) {
        return Err(StoreError::InvalidValue {
            what,
            value: name.chars().take(50).collect(),
            expected: "1-200 characters on one line, not only spaces",
        });
    }
    Ok(())
}

/// A failed insert into a table that references `organizations`: NotFound when the
/// organization does not exist.
fn missing_org(org: &OrgId) -> impl FnOnce(StoreError) -> StoreError + '_ {
    move |e| {
        if e.is_foreign_key_violation() {
            StoreError::NotFound {
                what: "organization",
                id: org.to_string(),
            }
        } else {
            e
        }
    }
}

impl Store {
    /// Creates an organization; Conflict if the id is taken.
    pub async fn create_org(
        &self,
        id: &OrgId,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<Organization, StoreError> {
        const OP: &str = "create organization";
        check_name("organization name", name)?;
        let at = micros(at);
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id.as_str())
            .bind(name)
            .bind(at)
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict {
                what: "organization",
                id: id.to_string(),
                reason: "already exists".into(),
            });
        }
        Ok(Organization {
            id: id.clone(),
            name: name.to_string(),
            created_at: at,
        })
    }

    pub async fn get_org(&self, id: &OrgId) -> Result<Option<Organization>, StoreError> {
        let sql = format!(
            "SELECT {} FROM organizations WHERE id = $1",
            rows::ORG_COLUMNS
        );
        with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(id.as_str())
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query("get organization"))?;
            row.as_ref().map(rows::organization).transpose()
        })
    }

    /// Every organization, by id.
    pub async fn list_orgs(&self) -> Result<Vec<Organization>, StoreError> {
        let sql = format!(
            "SELECT {} FROM organizations ORDER BY id",
            rows::ORG_COLUMNS
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list organizations"))?;
            rows.iter().map(rows::organization).collect()
        })
    }

    /// Issues a token for `org` with `role`. Returns its metadata and the token itself, which
    /// is not stored and cannot be shown again. NotFound if the organization does not exist;
    /// InvalidValue if `expires_at` is not after `at`.
    pub async fn create_token(
        &self,
        org: &OrgId,
        name: &str,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<(TokenInfo, SecretString), StoreError> {
        const OP: &str = "create token";
        check_name("token name", name)?;
        let at = micros(at);
        let expires_at = expires_at.map(micros);
        if expires_at.is_some_and(|e| e <= at) {
            return Err(StoreError::InvalidValue {
                what: "token expiry",
                value: expires_at.map(|e| e.to_rfc3339()).unwrap_or_default(),
                expected: "a time after the token is created",
            });
        }
        let secret = random::<TOKEN_BYTES>()?;
        let mut token = String::with_capacity(TOKEN_PREFIX.len() + 43);
        token.push_str(TOKEN_PREFIX);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(secret.as_ref(), &mut token);
        let token = SecretString::from(token);
        let hash = token_hash(secrecy::ExposeSecret::expose_secret(&token));
        let id = format!("tok_{}", hex::encode(random::<12>()?.as_ref()));
        let info = TokenInfo {
            id,
            org_id: org.clone(),
            name: name.to_string(),
            role,
            created_at: at,
            last_used_at: None,
            expires_at,
            revoked_at: None,
        };
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO api_tokens (id, org_id, name, role, token_hash, created_at, last_used_at, expires_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, NULL)",
            )
            .bind(info.id.as_str())
            .bind(org.as_str())
            .bind(name)
            .bind(role.as_str())
            .bind(hash.as_str())
            .bind(at)
            .bind(expires_at)
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))
            .map_err(missing_org(org))?;
        });
        Ok((info, token))
    }

    /// The token's metadata if it is known, not revoked and not expired at `now`; `None`
    /// otherwise, without saying which. Records the use (at most once a minute per token).
    pub async fn authenticate_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenInfo>, StoreError> {
        const OP: &str = "authenticate token";
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let now = micros(now);
        let hash = token_hash(token);
        let sql = format!(
            "SELECT {} FROM api_tokens WHERE token_hash = $1",
            rows::TOKEN_COLUMNS
        );
        let found = with_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(hash.as_str())
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query(OP))?;
            row.as_ref().map(rows::token).transpose()?
        });
        let Some(mut info) = found else {
            return Ok(None);
        };
        if info.revoked_at.is_some() || info.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let stale = now - LAST_USED_EVERY;
        if info.last_used_at.is_none_or(|t| t < stale) {
            with_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
                )
                .bind(now)
                .bind(info.id.as_str())
                .bind(stale)
                .execute(pool)
                .await
                .map_err(StoreError::query(OP))?;
            });
            info.last_used_at = Some(now);
        }
        Ok(Some(info))
    }

    /// The organization's tokens (revoked and expired ones too), oldest first.
    pub async fn list_tokens(&self, org: &OrgId) -> Result<Vec<TokenInfo>, StoreError> {
        let sql = format!(
            "SELECT {} FROM api_tokens WHERE org_id = $1 ORDER BY created_at, id",
            rows::TOKEN_COLUMNS
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(org.as_str())
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list tokens"))?;
            rows.iter().map(rows::token).collect()
        })
    }

    /// Revokes a token of `org`: it authenticates nothing from now on. NotFound when the id
    /// is not one of the organization's active tokens.
    pub async fn revoke_token(
        &self,
        org: &OrgId,
        token_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL",
            )
            .bind(micros(at))
            .bind(token_id)
            .bind(org.as_str())
            .execute(pool)
            .await
            .map_err(StoreError::query("revoke token"))?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "active token",
                id: token_id.chars().take(64).collect(),
            });
        }
        Ok(())
    }

    /// Appends one audit row. NotFound if the organization does not exist.
    pub async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        const OP: &str = "append audit";
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO audit_log (org_id, at, actor, action, target, remote_addr, outcome, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(e.org_id.as_str())
            .bind(micros(e.at))
            .bind(e.actor.as_str())
            .bind(e.action.as_str())
            .bind(e.target.as_str())
            .bind(e.remote_addr.as_deref())
            .bind(e.outcome.as_str())
            .bind(Json(&e.detail))
            .execute(pool)
            .await
            .map_err(StoreError::query(OP))
            .map_err(missing_org(&e.org_id))?;
        });
        Ok(())
    }

    /// The organization's audit rows, newest first: those with an id below `before_id` (the
    /// last id of the previous page), at most `limit` (capped at 1001: a page of 1000 and
    /// the probe row).
    pub async fn list_audit(
        &self,
        org: &OrgId,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM audit_log WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
            rows::AUDIT_COLUMNS
        );
        with_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(org.as_str())
                .bind(before_id.unwrap_or(i64::MAX))
                .bind(i64::from(limit.min(MAX_AUDIT_PAGE)))
                .fetch_all(pool)
                .await
                .map_err(StoreError::query("list audit"))?;
            rows.iter().map(rows::audit).collect()
        })
    }
}
