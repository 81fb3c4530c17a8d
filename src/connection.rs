//! What a stored connection says about how to scan it: provider settings (the `config`
//! JSON the store keeps opaque), its schedule, and its credential's JSON shapes. Parsed
//! once at the boundary (API body, stored row) into typed values.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use skywarden_graph::{ConnectionId, Region};
use skywarden_scanner::{
    AssumeRole, AwsCredentials, AwsScanConfig, AzureCredentials, AzureScanConfig, OrganizationScan,
    RegionSelection, RetryMode,
};
use utoipa::ToSchema;
use zeroize::Zeroize;

/// AWS scan settings of a connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AwsSettings {
    /// Regions to scan; empty = every region enabled for the account.
    pub regions: Vec<String>,
    /// Endpoint override (emulators, VPC endpoints); only accepted when the server allows it.
    pub endpoint_url: Option<String>,
    /// Region for account-level calls (STS, DescribeRegions).
    pub home_region: Option<String>,
    pub max_concurrent_regions: Option<usize>,
    pub max_attempts: Option<u32>,
    #[schema(value_type = Option<String>, example = "standard")]
    pub retry_mode: Option<RetryMode>,
    pub scope_timeout_secs: Option<u64>,
    /// Assume this role (ARN) with the stored credential before scanning.
    pub assume_role_arn: Option<String>,
    /// External id for `assume_role_arn` or `organization.role_name`.
    pub external_id: Option<String>,
    /// Scan every account of the credential's AWS Organization.
    pub organization: Option<OrganizationSettings>,
    pub max_concurrent_accounts: Option<usize>,
    /// Multiplies every per-service rate limit (default 1).
    pub rate_scale: Option<f64>,
}

/// An Organization connection: accounts listed through Organizations, each scanned through
/// `role_name`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OrganizationSettings {
    /// Role assumed in every member account, e.g. `OrganizationAccountAccessRole`.
    pub role_name: String,
    /// Only these account ids (empty = every ACTIVE account).
    pub accounts: Vec<String>,
    /// Leave the management account itself out.
    pub skip_management_account: bool,
}

/// Azure scan settings of a connection (one service principal, one or more subscriptions
/// of its tenant).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AzureSettings {
    /// Subscription ids; empty = every subscription the principal can list.
    pub subscriptions: Vec<String>,
    /// ARM endpoint (sovereign clouds); only accepted when the server allows endpoint overrides.
    pub arm_endpoint: Option<String>,
    /// Entra ID authority host; same condition.
    pub authority_host: Option<String>,
    /// Extra PEM CA bundle (a path on the server); same condition.
    pub ca_bundle: Option<String>,
    pub max_concurrent_subscriptions: Option<usize>,
    pub max_attempts: Option<u32>,
    /// Upper bound of one ARM call with every retry and Retry-After wait.
    pub call_deadline_secs: Option<u64>,
    pub scope_timeout_secs: Option<u64>,
    /// Multiplies every per-provider rate limit (default 1).
    pub rate_scale: Option<f64>,
}

impl AzureSettings {
    /// Checks every field; `allow_endpoint` is `[server] allow_endpoint_override`.
    pub fn validate(&self, allow_endpoint: bool) -> Result<()> {
        for sub in &self.subscriptions {
            sub.to_ascii_lowercase()
                .parse::<skywarden_graph::AccountId>()
                .map_err(|e| anyhow::anyhow!("subscriptions: {e}"))?;
        }
        for (name, v) in [
            ("arm_endpoint", &self.arm_endpoint),
            ("authority_host", &self.authority_host),
        ] {
            if let Some(u) = v {
                if !allow_endpoint {
                    bail!("{name} is not allowed on this server ([server] allow_endpoint_override = false)");
                }
                skywarden_scanner::azure::parse_endpoint(u)
                    .map_err(|_| anyhow::anyhow!("{name}: expected https://host[:port]"))?;
            }
        }
        if self.ca_bundle.is_some() && !allow_endpoint {
            bail!("ca_bundle is not allowed on this server ([server] allow_endpoint_override = false)");
        }
        if self.max_concurrent_subscriptions == Some(0) || self.max_attempts == Some(0) {
            bail!("max_concurrent_subscriptions and max_attempts must be at least 1");
        }
        if self.scope_timeout_secs == Some(0) || self.call_deadline_secs == Some(0) {
            bail!("scope_timeout_secs and call_deadline_secs must be at least 1");
        }
        if let Some(f) = self.rate_scale {
            if !(f.is_finite() && f > 0.0 && f <= 1000.0) {
                bail!("rate_scale must be a number above 0 and at most 1000");
            }
        }
        Ok(())
    }

    pub fn from_value(v: &serde_json::Value) -> Result<AzureSettings> {
        if v.is_null() {
            return Ok(AzureSettings::default());
        }
        serde_json::from_value(v.clone()).context("stored Azure settings do not parse")
    }

    /// The scanner configuration for one scan with `credentials`.
    pub fn scan_config(
        &self,
        connection: &ConnectionId,
        credentials: AzureCredentials,
    ) -> Result<AzureScanConfig> {
        let mut cfg = AzureScanConfig::new(Some(connection.clone()), credentials);
        cfg.subscriptions = self
            .subscriptions
            .iter()
            .map(|s| s.to_ascii_lowercase().parse().map_err(anyhow::Error::from))
            .collect::<Result<Vec<_>>>()?;
        if let Some(u) = &self.arm_endpoint {
            cfg.endpoints.arm = skywarden_scanner::azure::parse_endpoint(u)?;
        }
        if let Some(u) = &self.authority_host {
            cfg.endpoints.authority_host = skywarden_scanner::azure::parse_endpoint(u)?;
        }
        cfg.endpoints.ca_bundle = self.ca_bundle.as_ref().map(std::path::PathBuf::from);
        if let Some(n) = self.max_concurrent_subscriptions {
            cfg.max_concurrent_subscriptions = n;
        }
        if let Some(n) = self.max_attempts {
            cfg.retry.max_attempts = n;
        }
        if let Some(s) = self.call_deadline_secs {
            cfg.call_deadline = Duration::from_secs(s.max(1));
        }
        if let Some(s) = self.scope_timeout_secs {
            cfg.scope_timeout = Duration::from_secs(s.max(1));
        }
        if let Some(f) = self.rate_scale {
            cfg.rate_limits = cfg.rate_limits.scaled(f);
        }
        Ok(cfg)
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn check_role_arn(arn: &str) -> Result<()> {
    let parsed = skywarden_graph::Arn::parse(arn).map_err(|e| anyhow::anyhow!("{e}"))?;
    if parsed.service != "iam" || parsed.account.is_none() || !parsed.resource.starts_with("role/")
    {
        bail!("expected a role ARN like arn:aws:iam::123456789012:role/SkywardenAudit");
    }
    check_role_name(
        parsed
            .resource
            .trim_start_matches("role/")
            .rsplit('/')
            .next()
            .unwrap_or(""),
    )
}

/// IAM role names: 1-64 of `[A-Za-z0-9+=,.@_-]`.
pub fn check_role_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !ok {
        bail!("invalid IAM role name (1-64 characters of A-Z a-z 0-9 + = , . @ _ -)");
    }
    Ok(())
}

impl AwsSettings {
    /// Checks every field; `allow_endpoint` is `[server] allow_endpoint_override`.
    pub fn validate(&self, allow_endpoint: bool) -> Result<()> {
        for r in &self.regions {
            r.parse::<Region>()
                .map_err(|e| anyhow::anyhow!("regions: {e}"))?;
        }
        if let Some(r) = &self.home_region {
            r.parse::<Region>()
                .map_err(|e| anyhow::anyhow!("home_region: {e}"))?;
        }
        if let Some(u) = &self.endpoint_url {
            if !allow_endpoint {
                bail!("endpoint_url is not allowed on this server ([server] allow_endpoint_override = false)");
            }
            let parsed = url::Url::parse(u).map_err(|_| {
                anyhow::anyhow!("endpoint_url: not a URL (expected http(s)://host[:port])")
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                bail!("endpoint_url: expected http(s)://host[:port]");
            }
        }
        if self.max_concurrent_regions == Some(0) || self.max_attempts == Some(0) {
            bail!("max_concurrent_regions and max_attempts must be at least 1");
        }
        if self.scope_timeout_secs == Some(0) {
            bail!("scope_timeout_secs must be at least 1");
        }
        if self.max_concurrent_accounts == Some(0) {
            bail!("max_concurrent_accounts must be at least 1");
        }
        if let Some(f) = self.rate_scale {
            if !(f.is_finite() && f > 0.0 && f <= 1000.0) {
                bail!("rate_scale must be a number above 0 and at most 1000");
            }
        }
        if let Some(arn) = &self.assume_role_arn {
            check_role_arn(arn).context("assume_role_arn")?;
        }
        if let Some(id) = &self.external_id {
            if id.len() < 2 || id.len() > 1224 || id.chars().any(char::is_control) {
                bail!("external_id: 2-1224 printable characters");
            }
        }
        if let Some(org) = &self.organization {
            if self.assume_role_arn.is_some() {
                bail!("organization and assume_role_arn cannot be combined");
            }
            check_role_name(&org.role_name).context("organization.role_name")?;
            for a in &org.accounts {
                a.parse::<skywarden_graph::AccountId>()
                    .map_err(|e| anyhow::anyhow!("organization.accounts: {e}"))?;
            }
        }
        Ok(())
    }

    pub fn from_value(v: &serde_json::Value) -> Result<AwsSettings> {
        if v.is_null() {
            return Ok(AwsSettings::default());
        }
        serde_json::from_value(v.clone()).context("stored AWS settings do not parse")
    }

    /// The scanner configuration for one scan with `credentials`.
    pub fn scan_config(
        &self,
        connection: &ConnectionId,
        credentials: AwsCredentials,
    ) -> Result<AwsScanConfig> {
        let mut cfg = AwsScanConfig::new(Some(connection.clone()));
        cfg.credentials = credentials;
        let regions = self
            .regions
            .iter()
            .map(|r| r.parse::<Region>().map_err(anyhow::Error::from))
            .collect::<Result<Vec<_>>>()?;
        cfg.regions = if regions.is_empty() {
            RegionSelection::AllEnabled
        } else {
            RegionSelection::List(regions)
        };
        cfg.home_region = self.home_region.as_deref().map(str::parse).transpose()?;
        cfg.endpoint_url = self.endpoint_url.clone();
        if let Some(n) = self.max_concurrent_regions {
            cfg.max_concurrent_regions = n;
        }
        if let Some(n) = self.max_attempts {
            cfg.retry.max_attempts = n;
        }
        if let Some(m) = self.retry_mode {
            cfg.retry.mode = m;
        }
        if let Some(s) = self.scope_timeout_secs {
            cfg.scope_timeout = Duration::from_secs(s.max(1));
        }
        if let Some(n) = self.max_concurrent_accounts {
            cfg.max_concurrent_accounts = n;
        }
        if let Some(f) = self.rate_scale {
            cfg.rate_limits = cfg.rate_limits.scaled(f);
        }
        cfg.assume_role = self.assume_role_arn.clone().map(|role_arn| AssumeRole {
            role_arn,
            external_id: self.external_id.clone(),
            session_name: format!("skywarden-{connection}"),
        });
        if let Some(org) = &self.organization {
            cfg.organization = Some(OrganizationScan {
                role_name: org.role_name.clone(),
                external_id: self.external_id.clone(),
                accounts: org
                    .accounts
                    .iter()
                    .map(|a| a.parse().map_err(anyhow::Error::from))
                    .collect::<Result<Vec<_>>>()?,
                include_management: !org.skip_management_account,
            });
        }
        Ok(cfg)
    }
}

/// When a connection is scanned by the scheduler: a cron expression (5 fields, UTC) or a
/// fixed interval, each with a jitter. The jitter of an occurrence is derived from the
/// connection id and the occurrence time, so every replica picks the same instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// `0 */6 * * *` style, evaluated in UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// Every this many seconds (aligned to the Unix epoch), at least 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_secs: Option<u64>,
    /// Up to this many seconds added to each occurrence.
    #[serde(default)]
    pub jitter_secs: u64,
}

impl Schedule {
    pub fn validate(&self) -> Result<()> {
        match (&self.cron, self.interval_secs) {
            (Some(_), Some(_)) | (None, None) => {
                bail!("schedule: give exactly one of cron or interval_secs")
            }
            (Some(c), None) => {
                crate::scheduler::parse_cron(c)?;
            }
            (None, Some(i)) => {
                if i < 5 {
                    bail!("schedule: interval_secs must be at least 5");
                }
            }
        }
        if self.jitter_secs > 86_400 {
            bail!("schedule: jitter_secs must be at most 86400");
        }
        Ok(())
    }

    pub fn from_value(v: &serde_json::Value) -> Result<Schedule> {
        let s: Schedule = serde_json::from_value(v.clone()).context("stored schedule")?;
        s.validate()?;
        Ok(s)
    }

    /// The first nominal occurrence strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        crate::scheduler::next_occurrence(self, after)
    }
}

/// A credential as accepted by the API and `credentials set`; write-only.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CredentialInput {
    /// Static access keys (+ session token).
    AwsStatic {
        access_key_id: String,
        #[schema(value_type = String, format = Password)]
        secret_access_key: String,
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Password)]
        session_token: Option<String>,
    },
    /// An Entra ID service principal's client secret.
    AzureClientSecret {
        tenant_id: String,
        client_id: String,
        #[schema(value_type = String, format = Password)]
        client_secret: String,
    },
}

impl std::fmt::Debug for CredentialInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialInput::AwsStatic { access_key_id, .. } => f
                .debug_struct("AwsStatic")
                .field("access_key_id", access_key_id)
                .finish_non_exhaustive(),
            CredentialInput::AzureClientSecret {
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("AzureClientSecret")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

impl Drop for CredentialInput {
    fn drop(&mut self) {
        match self {
            CredentialInput::AwsStatic {
                secret_access_key,
                session_token,
                ..
            } => {
                secret_access_key.zeroize();
                if let Some(t) = session_token {
                    t.zeroize();
                }
            }
            CredentialInput::AzureClientSecret { client_secret, .. } => client_secret.zeroize(),
        }
    }
}

/// The stored JSON of an `aws_static` credential (same shape as `credentials set` reads).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsStaticJson {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default)]
    pub session_token: Option<String>,
}

impl Drop for AwsStaticJson {
    fn drop(&mut self) {
        self.secret_access_key.zeroize();
        if let Some(t) = &mut self.session_token {
            t.zeroize();
        }
    }
}

impl CredentialInput {
    pub fn kind(&self) -> skywarden_store::CredentialKind {
        match self {
            CredentialInput::AwsStatic { .. } => skywarden_store::CredentialKind::AwsStatic,
            CredentialInput::AzureClientSecret { .. } => {
                skywarden_store::CredentialKind::AzureClientSecret
            }
        }
    }

    /// The provider this credential is for.
    pub fn provider(&self) -> skywarden_graph::Provider {
        match self {
            CredentialInput::AwsStatic { .. } => skywarden_graph::Provider::Aws,
            CredentialInput::AzureClientSecret { .. } => skywarden_graph::Provider::Azure,
        }
    }

    /// Checks the fields and serializes the plaintext that gets sealed.
    pub fn plaintext(&self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        match self {
            CredentialInput::AwsStatic {
                access_key_id,
                secret_access_key,
                session_token,
            } => {
                if access_key_id.trim().is_empty() || secret_access_key.is_empty() {
                    bail!("aws_static needs a non-empty access_key_id and secret_access_key");
                }
                if access_key_id.len() > 128
                    || secret_access_key.len() > 1024
                    || session_token.as_ref().is_some_and(|t| t.len() > 8192)
                {
                    bail!("aws_static: a field is too long");
                }
                let j = AwsStaticJson {
                    access_key_id: access_key_id.clone(),
                    secret_access_key: secret_access_key.clone(),
                    session_token: session_token.clone(),
                };
                Ok(zeroize::Zeroizing::new(
                    serde_json::to_vec(&j).context("serialize credential")?,
                ))
            }
            CredentialInput::AzureClientSecret {
                tenant_id,
                client_id,
                client_secret,
            } => {
                if tenant_id.trim().is_empty()
                    || client_id.trim().is_empty()
                    || client_secret.is_empty()
                {
                    bail!("azure_client_secret needs a non-empty tenant_id, client_id and client_secret");
                }
                if tenant_id.len() > 128 || client_id.len() > 128 || client_secret.len() > 1024 {
                    bail!("azure_client_secret: a field is too long");
                }
                let j = AzureClientSecretJson {
                    tenant_id: tenant_id.clone(),
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                };
                Ok(zeroize::Zeroizing::new(
                    serde_json::to_vec(&j).context("serialize credential")?,
                ))
            }
        }
    }
}

/// The stored JSON of an `azure_client_secret` credential (same shape as `credentials set`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureClientSecretJson {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
}

impl Drop for AzureClientSecretJson {
    fn drop(&mut self) {
        self.client_secret.zeroize();
    }
}

/// Turns an opened `azure_client_secret` plaintext into scanner credentials.
pub fn azure_client_secret_credentials(plain: &[u8]) -> Result<AzureCredentials> {
    let c: AzureClientSecretJson = serde_json::from_slice(plain).map_err(|e| {
        anyhow::anyhow!(
            "the stored azure_client_secret credential does not parse (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    Ok(AzureCredentials::new(
        c.tenant_id.clone(),
        c.client_id.clone(),
        SecretString::from(c.client_secret.clone()),
    ))
}

/// Turns an opened `aws_static` plaintext into scanner credentials.
pub fn aws_static_credentials(plain: &[u8]) -> Result<AwsCredentials> {
    let c: AwsStaticJson = serde_json::from_slice(plain).map_err(|e| {
        anyhow::anyhow!(
            "the stored aws_static credential does not parse (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    Ok(AwsCredentials::Static {
        access_key_id: c.access_key_id.clone(),
        secret_access_key: SecretString::from(c.secret_access_key.clone()),
        session_token: c.session_token.clone().map(SecretString::from),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn settings_validate() {
        let mut s = AwsSettings {
            regions: vec!["us-east-1".into()],
            ..Default::default()
        };
        assert!(s.validate(false).is_ok());
        s.endpoint_url = Some("http://127.0.0.1:5000".into());
        assert!(s.validate(false).is_err());
        assert!(s.validate(true).is_ok());
        s.regions = vec!["Mars".into()];
        assert!(s.validate(true).is_err());
        let bad: Result<AwsSettings, _> = serde_json::from_str(r#"{"regionz": []}"#);
        assert!(bad.is_err());
    }

    #[test]
    fn schedule_validate() {
        let ok = Schedule {
            cron: Some("*/5 * * * *".into()),
            interval_secs: None,
            jitter_secs: 30,
        };
        assert!(ok.validate().is_ok());
        let both = Schedule {
            cron: Some("* * * * *".into()),
            interval_secs: Some(60),
            jitter_secs: 0,
        };
        assert!(both.validate().is_err());
        let bad = Schedule {
            cron: Some("every day".into()),
            interval_secs: None,
            jitter_secs: 0,
        };
        assert!(bad.validate().is_err());
        let short = Schedule {
            cron: None,
            interval_secs: Some(1),
            jitter_secs: 0,
        };
        assert!(short.validate().is_err());
    }

    #[test]
    fn credential_debug_hides_the_secret() {
        let c: CredentialInput = serde_json::from_str(
            r#"{"kind":"aws_static","access_key_id":"AKIAX","secret_access_key":"canary-secret"}"#,
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("canary-secret"));
        let plain = c.plaintext().unwrap();
        assert!(aws_static_credentials(&plain).is_ok());
    }
}
