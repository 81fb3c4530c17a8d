//! Findings: what a rule reports about one resource, with a stable identity.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use skywarden_graph::model::{
    AccessKeyStatus, AccessLogging, AclGrant, BucketAspect, DefaultEncryption, FunctionUrlAuth,
    HttpTokens, ImageState, InstanceState, KeyManager, KeyState, ManagementEvents, PolicyStatement,
    PublicAccessBlock, SnapshotState, SnapshotStorageTier, Statement, Versioning, VolumeState,
    VolumeType,
};
use skywarden_graph::model::{
    DiskEncryptionType, DiskSku, DiskState, IpAllocationMethod, NetworkAccessPolicy,
    NetworkDefaultAction, NsgProtocol, NsgRule, PowerState, PublicIpSkuName, PublicNetworkAccess,
    SkuTier, SqlFirewallRule, TlsVersion,
};
use skywarden_graph::model::{
    ElbProtocol, LoadBalancerScheme, LoadBalancerState, LoadBalancerType,
};
use skywarden_graph::topology::{Hop, OpenIngress};
use skywarden_graph::{
    AccountId, BaselineId, ConnectionId, PatchOp, Region, Resource, ResourceId, ResourceKind,
    ScanId,
};

use crate::baseline::DriftChange;
use crate::error::RulesError;
use crate::meta::{Category, RuleInfo, RuleMeta, Severity};

/// `hex(sha256(rule_id NUL resource_id NUL discriminator))[..32]`: the same problem on the same
/// resource keeps its key across scans, so the store can track first/last seen and resolution.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FindingKey(String);

impl FindingKey {
    pub fn new(rule_id: &str, resource: &ResourceId, discriminator: &str) -> Self {
        let mut h = Sha256::new();
        h.update(rule_id.as_bytes());
        h.update([0]);
        h.update(resource.as_str().as_bytes());
        h.update([0]);
        h.update(discriminator.as_bytes());
        let digest = h.finalize();
        FindingKey(hex::encode(&digest[..16]))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl FromStr for FindingKey {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, RulesError> {
        if s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(FindingKey(s.to_string()))
        } else {
            Err(RulesError::InvalidKey(s.chars().take(64).collect()))
        }
    }
}
impl TryFrom<String> for FindingKey {
    type Error = RulesError;
    fn try_from(s: String) -> Result<Self, RulesError> {
        s.parse()
    }
}
impl From<FindingKey> for String {
    fn from(k: FindingKey) -> String {
        k.0
    }
}
impl fmt::Display for FindingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a monthly cost estimate comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingBasis {
    /// e.g. `aws-ebs-2026-11`.
    pub table_version: String,
    /// e.g. `ebs:gp3:us-east-1`.
    pub price_key: String,
    /// USD per unit per month.
    pub unit_price_usd: f64,
    /// What the unit price is multiplied by, e.g. `GiB-month`.
    pub unit: String,
    pub quantity: f64,
    /// True when the region had no entry and a reference region's price was used.
    pub region_fallback: bool,
    /// Every billed dimension (storage, then provisioned IOPS / throughput where billed);
    /// their `monthly_usd` add up to the finding's cost before rounding to cents.
    #[serde(default)]
    pub components: Vec<CostComponent>,
}

/// One billed dimension of a cost estimate, e.g. gp3 IOPS above the free baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostComponent {
    /// e.g. `ebs:gp3:us-east-1:iops`.
    pub price_key: String,
    /// USD per unit per month.
    pub unit_price_usd: f64,
    /// e.g. `IOPS-month`.
    pub unit: String,
    pub quantity: f64,
    /// `unit_price_usd * quantity`, unrounded.
    pub monthly_usd: f64,
}

/// Typed evidence: why a rule fired. Serialised with a `type` tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Evidence {
    /// Security group ingress open to the world on `port`.
    WorldOpenIngress {
        port: u16,
        permissions: Vec<OpenIngress>,
    },
    /// Security group ingress open to the world on every port (all traffic, or TCP 0-65535).
    WorldOpenAllPorts { permissions: Vec<OpenIngress> },
    /// An Elastic IP associated with nothing, billed as an idle public IPv4 address.
    UnassociatedAddress {
        public_ip: String,
        allocation_id: String,
    },
    /// Instance metadata settings.
    InstanceMetadata {
        http_tokens: Option<HttpTokens>,
        http_endpoint_enabled: bool,
        state: InstanceState,
    },
    /// Volume encryption state.
    VolumeEncryption {
        encrypted: bool,
        volume_type: VolumeType,
        size_gib: i32,
        state: VolumeState,
    },
    /// An unattached volume that still bills.
    UnattachedVolume {
        volume_type: VolumeType,
        size_gib: i32,
        iops: Option<i32>,
        throughput_mibps: Option<i32>,
        state: VolumeState,
        created: Option<DateTime<Utc>>,
    },
    /// Internet exposure on admin ports with the explained path.
    ExposurePath {
        public_ip: String,
        ports: Vec<u16>,
        path: Vec<Hop>,
        open_ingress: Vec<OpenIngress>,
    },
    /// An EBS snapshot: its age, encryption and sharing.
    Snapshot {
        volume_size_gib: i32,
        encrypted: bool,
        public: bool,
        state: SnapshotState,
        storage_tier: SnapshotStorageTier,
        started: Option<DateTime<Utc>>,
        /// Whole days between `started` and the evaluation time.
        age_days: Option<i64>,
    },
    /// An AMI launchable by every AWS account.
    PublicImage {
        name: Option<String>,
        state: ImageState,
        snapshots: Vec<ResourceId>,
    },
    /// The region's EBS encryption-by-default setting.
    EbsEncryptionByDefault { enabled: bool },
    /// A stopped instance and the volumes that keep billing.
    StoppedInstanceVolumes {
        instance_type: Option<String>,
        state: InstanceState,
        volumes: Vec<BilledVolume>,
    },
    /// A volume of a previous-generation type and the suggested current one.
    PreviousGenerationVolume {
        volume_type: VolumeType,
        size_gib: i32,
        iops: Option<i32>,
        suggested: VolumeType,
    },
    /// The IMDS settings of a launch template's default version.
    LaunchTemplateMetadata {
        default_version: Option<i64>,
        http_tokens: Option<HttpTokens>,
        http_endpoint_enabled: Option<bool>,
    },
    /// A KMS key's rotation state.
    KmsKeyRotation {
        key_spec: String,
        state: KeyState,
        rotation_enabled: Option<bool>,
    },
    /// The data-protection settings of an RDS DB instance.
    DbInstanceSettings {
        engine: String,
        publicly_accessible: bool,
        storage_encrypted: bool,
        endpoint_address: Option<String>,
    },
    /// A CloudTrail trail's settings.
    TrailSettings {
        multi_region: bool,
        log_file_validation: bool,
        is_logging: bool,
    },
    /// A Lambda function URL and who may invoke it.
    FunctionUrl {
        url: String,
        auth_type: FunctionUrlAuth,
    },
    /// An S3 bucket's access and data-protection settings (what the bucket rules read).
    /// `None` where the bucket has no such configuration; `unreadable` lists what the scan
    /// was denied (rules never fire on those).
    S3Bucket {
        location: Option<Region>,
        public_access_block: Option<PublicAccessBlock>,
        /// ACL grants to AllUsers.
        all_users_grants: Vec<AclGrant>,
        /// Policy statements allowing `*` without a condition.
        public_policy_statements: Vec<PolicyStatement>,
        /// GetBucketPolicyStatus `IsPublic`.
        policy_is_public: Option<bool>,
        has_policy: bool,
        denies_insecure_transport: bool,
        default_encryption: Option<DefaultEncryption>,
        versioning: Option<Versioning>,
        logging: Option<AccessLogging>,
        unreadable: Vec<BucketAspect>,
    },
    /// Tags the tag policy requires that the resource lacks.
    MissingTags {
        required: Vec<String>,
        missing: Vec<String>,
    },
    /// An IAM access key and its age.
    AccessKeyAge {
        access_key_id: String,
        user_name: String,
        status: AccessKeyStatus,
        created: Option<DateTime<Utc>>,
        age_days: i64,
    },
    /// An IAM user's access keys (ids only, never secrets).
    UserAccessKeys {
        user_name: String,
        access_key_ids: Vec<String>,
        active: usize,
    },
    /// An IAM user who can sign in to the console without MFA.
    ConsoleWithoutMfa {
        user_name: String,
        password_last_used: Option<DateTime<Utc>>,
    },
    /// A policy granting `*` on `*`: which statements, and to whom it is attached.
    AdminPolicy {
        policy_arn: String,
        policy_name: String,
        /// `user:<name>`, `group:<name>` (the user is a member) or `attachments:<n>`.
        via: String,
        statements: Vec<Statement>,
    },
    /// The account password policy and what is wrong with it.
    PasswordPolicy {
        configured: bool,
        minimum_length: Option<i32>,
        reuse_prevention: Option<i32>,
        problems: Vec<String>,
    },
    /// Root user credentials (from `GetAccountSummary`).
    RootAccount {
        root_mfa_enabled: bool,
        root_access_keys_present: bool,
    },
    /// Policies attached to an IAM user directly instead of through a group.
    DirectUserPolicies {
        user_name: String,
        attached: Vec<String>,
        inline: Vec<String>,
    },
    /// Credentials not used within the threshold: `password` or an access key id.
    UnusedCredentials {
        user_name: String,
        unused: Vec<UnusedCredential>,
        threshold_days: u32,
    },
    /// Trust policy statements that let anyone assume the role.
    TrustAnyPrincipal { statements: Vec<Statement> },
    /// A user rule pack's rule matched: which pack and file, the `match` expression that
    /// held, and for rules that read `resource.graph` the exposure of an exposed resource.
    RulePack {
        pack: String,
        file: String,
        expression: String,
        exposure: Option<ExposureEvidence>,
    },
    /// A running instance's public IPv4 address; `elastic_ip` is the allocation id when the
    /// address is an Elastic IP associated with the instance, `None` when auto-assigned.
    PublicInstanceIp {
        public_ip: String,
        state: InstanceState,
        subnet: Option<ResourceId>,
        elastic_ip: Option<String>,
    },
    /// A VPC without an active flow log of its own; `inactive_flow_logs` lists the flow-log
    /// ids on it that exist but are not `ACTIVE`.
    VpcFlowLogs {
        is_default: bool,
        inactive_flow_logs: Vec<String>,
    },
    /// An available NAT gateway no workload routes through: the route tables with an active
    /// route to it and the subnets that use those tables (none of which holds a workload).
    IdleNatGateway {
        connectivity_type: skywarden_graph::model::ConnectivityType,
        routed_by: Vec<ResourceId>,
        served_subnets: Vec<ResourceId>,
    },
    /// A VPC's `default` security group and the rules it still has.
    DefaultSecurityGroupRules {
        vpc: Option<ResourceId>,
        ingress: Vec<skywarden_graph::model::Permission>,
        egress: Vec<skywarden_graph::model::Permission>,
    },
    /// A network ACL whose effective inbound rules let the world reach admin ports: per port
    /// the deciding allow entries (IPv4 then IPv6), and the subnets it applies to.
    NetworkAclWorldAdminIngress {
        is_default: bool,
        subnets: Vec<ResourceId>,
        open: Vec<AclPortOpening>,
    },
    /// Routes to a VPC peering connection whose destination reaches beyond the peer VPC.
    PeeringRoutesTooBroad {
        peering_connection: ResourceId,
        peer_vpc: Option<ResourceId>,
        peer_cidr_blocks: Vec<String>,
        broad_destinations: Vec<String>,
    },
    /// An RDS DB instance's backup, availability and maintenance settings.
    DbInstanceProtection {
        engine: String,
        backup_retention_days: i32,
        /// The configured minimum (`aws.rds.backup_retention_insufficient` only).
        min_backup_retention_days: Option<u32>,
        multi_az: bool,
        deletion_protection: bool,
        auto_minor_version_upgrade: bool,
    },
    /// The account's trails, none of which is multi-region, logging and recording every
    /// management event; `regions` are the regions whose trails the scan read.
    AccountTrails {
        regions: Vec<Region>,
        trails: Vec<TrailSummary>,
    },
    /// Where a trail's log files are encrypted.
    TrailEncryption {
        s3_bucket_name: Option<String>,
        kms_key: Option<ResourceId>,
    },
    /// A Lambda function's runtime and when AWS deprecated it.
    DeprecatedRuntime {
        runtime: String,
        deprecated_on: NaiveDate,
        days_since_deprecation: i64,
    },
    /// A KMS key scheduled for deletion.
    KmsKeyPendingDeletion {
        manager: KeyManager,
        aliases: Vec<String>,
        description: Option<String>,
    },
    /// A load balancer none of whose target groups has a registered target.
    LoadBalancerWithoutTargets {
        lb_type: LoadBalancerType,
        state: LoadBalancerState,
        /// The target groups associated with it (each with no registered target).
        target_groups: Vec<ResourceId>,
        listeners: usize,
    },
    /// The attributes of a load balancer that the ELBv2 rules read.
    LoadBalancerAttributes {
        lb_type: LoadBalancerType,
        scheme: LoadBalancerScheme,
        deletion_protection: Option<bool>,
        access_logs_enabled: Option<bool>,
        drop_invalid_header_fields: Option<bool>,
    },
    /// A load balancer listener's protocol, TLS policy and whether it redirects to HTTPS.
    ListenerSettings {
        load_balancer: ResourceId,
        port: Option<i32>,
        protocol: ElbProtocol,
        ssl_policy: Option<String>,
        redirects_to_https: bool,
    },
    // ---- Azure ----
    /// An NSG's custom inbound Allow rules that admit internet traffic of `protocol` (to one
    /// of `ports`; empty: any port) without a higher-priority Deny shadowing them.
    NsgInternetIngress {
        protocol: NsgProtocol,
        ports: Vec<u16>,
        rules: Vec<NsgRule>,
    },
    /// An Azure VM reachable from the internet on admin ports, with the explained path and
    /// its power state (a stopped or deallocated VM is one start away).
    VmExposurePath {
        public_ip: String,
        ports: Vec<u16>,
        path: Vec<Hop>,
        open_ingress: Vec<OpenIngress>,
        power_state: Option<PowerState>,
    },
    /// A managed disk's billing, attachment and encryption settings.
    AzureDisk {
        sku: Option<DiskSku>,
        size_gib: Option<i32>,
        disk_state: Option<DiskState>,
        managed_by: Option<ResourceId>,
        encryption_type: Option<DiskEncryptionType>,
        disk_encryption_set: Option<ResourceId>,
        created: Option<DateTime<Utc>>,
    },
    /// A public IP address associated with nothing.
    UnassociatedPublicIp {
        ip_address: Option<String>,
        sku_name: Option<PublicIpSkuName>,
        sku_tier: Option<SkuTier>,
        allocation_method: Option<IpAllocationMethod>,
    },
    /// A managed disk snapshot: its size, age and export settings.
    AzureSnapshot {
        sku: Option<DiskSku>,
        size_gib: Option<i32>,
        incremental: Option<bool>,
        source_disk: Option<ResourceId>,
        created: Option<DateTime<Utc>>,
        /// Whole days between `created` and the evaluation time.
        age_days: Option<i64>,
        network_access_policy: Option<NetworkAccessPolicy>,
        public_network_access: Option<PublicNetworkAccess>,
    },
    /// A deallocated VM and the premium disks that keep billing.
    DeallocatedVmPremiumDisks {
        vm_size: Option<String>,
        power_state: PowerState,
        disks: Vec<BilledAzureDisk>,
    },
    /// A storage account's access settings as ARM returned them (`None`: absent, read with
    /// the API default the rule's description states).
    AzureStorageAccount {
        allow_blob_public_access: Option<bool>,
        supports_https_traffic_only: Option<bool>,
        minimum_tls_version: Option<TlsVersion>,
        allow_shared_key_access: Option<bool>,
        public_network_access: Option<PublicNetworkAccess>,
        network_acls_default_action: Option<NetworkDefaultAction>,
    },
    /// A key vault's recovery and network settings as ARM returned them.
    AzureKeyVault {
        enable_soft_delete: Option<bool>,
        enable_purge_protection: Option<bool>,
        public_network_access: Option<PublicNetworkAccess>,
        network_acls_default_action: Option<NetworkDefaultAction>,
    },
    /// The SQL server firewall rules that make it fire.
    SqlServerFirewall {
        public_network_access: Option<PublicNetworkAccess>,
        rules: Vec<SqlFirewallRule>,
    },
    /// Tag values outside the values the tag policy allows for their key.
    InvalidTagValues { invalid: Vec<InvalidTagValue> },
    /// How a resource differs from its approved baseline (`drift.*` rules): `patch` is the
    /// RFC 6902 JSON Patch from the baseline's normalised document to the current one,
    /// restricted to the fields the rule is about (`created`: one `add` of the whole document
    /// at the empty path; `deleted`: one `replace` of the whole document with `null`).
    BaselineDrift {
        baseline_id: BaselineId,
        baseline_scan_id: ScanId,
        change: DriftChange,
        patch: Vec<PatchOp>,
    },
}

/// A premium disk of [`Evidence::DeallocatedVmPremiumDisks`] with its own monthly estimate
/// (`None` when its SKU or size is not priced).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BilledAzureDisk {
    pub disk: ResourceId,
    pub sku: Option<DiskSku>,
    pub size_gib: Option<i32>,
    pub monthly_cost_usd: Option<f64>,
}

/// One tag of [`Evidence::InvalidTagValues`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidTagValue {
    pub key: String,
    pub value: String,
    pub allowed: Vec<String>,
}

/// One admin port of [`Evidence::NetworkAclWorldAdminIngress`] and the entries that open it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclPortOpening {
    pub port: u16,
    pub entries: Vec<skywarden_graph::model::AclEntry>,
}

/// One trail of [`Evidence::AccountTrails`] and why it does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailSummary {
    pub trail: ResourceId,
    pub home_region: Region,
    pub multi_region: bool,
    pub is_logging: bool,
    pub management_events: Option<ManagementEvents>,
}

/// The internet exposure of a resource as pack findings report it: the public address, the
/// TCP ports reachable from `0.0.0.0/0` along the path, the path (gateway -> route table ->
/// subnet -> security group -> resource) and every world-open ingress permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureEvidence {
    pub public_ip: String,
    pub ports: Vec<u16>,
    pub path: Vec<Hop>,
    pub open_ingress: Vec<OpenIngress>,
}

/// One credential of [`Evidence::UnusedCredentials`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedCredential {
    /// `password`, or the access key id.
    pub credential: String,
    pub last_used: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    /// Days since last use (or since creation when never used).
    pub days_unused: i64,
}

/// A volume attached to a stopped instance, with its own monthly estimate (`None` when its
/// type is not priced).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BilledVolume {
    pub volume: ResourceId,
    pub volume_type: VolumeType,
    pub size_gib: i32,
    pub monthly_cost_usd: Option<f64>,
}

/// A finding as a rule produces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub key: FindingKey,
    pub rule_id: String,
    pub severity: Severity,
    pub category: Category,
    pub title: String,
    pub resource_id: ResourceId,
    pub resource_kind: ResourceKind,
    pub account_id: AccountId,
    pub region: Region,
    pub evidence: Evidence,
    pub monthly_cost_usd: Option<f64>,
    pub pricing_basis: Option<PricingBasis>,
    /// The resource's tags when the finding was produced: suppressions select on them and
    /// cost totals group by them (e.g. `owner`, `cost-center`).
    #[serde(default)]
    pub resource_tags: BTreeMap<String, String>,
}

impl Finding {
    /// A finding of rule `meta` on `resource`; `discriminator` separates several findings of
    /// one rule on one resource (e.g. the port), empty otherwise.
    pub fn new(
        meta: &RuleMeta,
        resource: &Resource,
        discriminator: &str,
        evidence: Evidence,
    ) -> Self {
        Finding::build(
            meta.id,
            meta.severity,
            meta.category,
            meta.title,
            resource,
            discriminator,
            evidence,
        )
    }
    /// A finding of any rule (built-in or user pack) described by owned metadata.
    pub fn for_rule(
        info: &RuleInfo,
        resource: &Resource,
        discriminator: &str,
        evidence: Evidence,
    ) -> Self {
        Finding::build(
            &info.id,
            info.severity,
            info.category,
            &info.title,
            resource,
            discriminator,
            evidence,
        )
    }
    fn build(
        rule_id: &str,
        severity: Severity,
        category: Category,
        title: &str,
        resource: &Resource,
        discriminator: &str,
        evidence: Evidence,
    ) -> Self {
        Finding {
            key: FindingKey::new(rule_id, &resource.id, discriminator),
            rule_id: rule_id.to_string(),
            severity,
            category,
            title: title.to_string(),
            resource_id: resource.id.clone(),
            resource_kind: resource.kind(),
            account_id: resource.account_id.clone(),
            region: resource.region.clone(),
            evidence,
            monthly_cost_usd: None,
            pricing_basis: None,
            resource_tags: resource.tags.clone(),
        }
    }
    /// A finding about an account as a whole rather than one resource (e.g. no multi-region
    /// trail): `resource_id` is a stable synthetic id naming the account and the subject,
    /// `kind` the kind the rule reads, `region` `global`.
    pub fn for_account(
        meta: &RuleMeta,
        kind: ResourceKind,
        resource_id: ResourceId,
        account_id: AccountId,
        evidence: Evidence,
    ) -> Self {
        Finding {
            key: FindingKey::new(meta.id, &resource_id, ""),
            rule_id: meta.id.to_string(),
            severity: meta.severity,
            category: meta.category,
            title: meta.title.to_string(),
            resource_id,
            resource_kind: kind,
            account_id,
            region: Region::global(),
            evidence,
            monthly_cost_usd: None,
            pricing_basis: None,
            resource_tags: BTreeMap::new(),
        }
    }
    pub fn with_cost(mut self, monthly_usd: f64, basis: PricingBasis) -> Self {
        self.monthly_cost_usd = Some(monthly_usd);
        self.pricing_basis = Some(basis);
        self
    }
    /// [`Finding::with_cost`] when there is an estimate; the finding as it is otherwise.
    pub fn with_estimate(self, estimate: Option<(f64, PricingBasis)>) -> Self {
        match estimate {
            Some((usd, basis)) => self.with_cost(usd, basis),
            None => self,
        }
    }
}

/// Where a stored finding is in its lifecycle.
///
/// `open` (first detected) -> `resolved` (not re-detected in a scan where every kind its rule
/// reads was Complete) -> `regressed` (detected again after being resolved; first_seen kept,
/// `regression_count` incremented) -> `resolved` ... A finding matched by an active suppression
/// is `suppressed` (still stored and refreshed); when the suppression expires or is removed it
/// re-surfaces as `open` (or `regressed`) on the next scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Open,
    Regressed,
    Resolved,
    Suppressed,
}

impl FindingStatus {
    pub const ALL: [FindingStatus; 4] = [
        FindingStatus::Open,
        FindingStatus::Regressed,
        FindingStatus::Resolved,
        FindingStatus::Suppressed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Regressed => "regressed",
            FindingStatus::Resolved => "resolved",
            FindingStatus::Suppressed => "suppressed",
        }
    }
    /// Open or regressed: a problem that is there and nobody accepted.
    pub fn is_active(self) -> bool {
        matches!(self, FindingStatus::Open | FindingStatus::Regressed)
    }
}
impl FromStr for FindingStatus {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, RulesError> {
        FindingStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| RulesError::UnknownStatus(s.chars().take(50).collect()))
    }
}
impl fmt::Display for FindingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The suppression that currently hides a finding (status `suppressed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionRef {
    /// The suppression's id (UUID).
    pub id: String,
    pub owner: String,
    pub reason: String,
    pub ticket: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A finding as stored: the finding plus its lifecycle. This is the documented JSON schema of
/// `skywarden findings list --format json` and of exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRecord {
    pub connection_id: ConnectionId,
    #[serde(flatten)]
    pub finding: Finding,
    pub status: FindingStatus,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub first_scan_id: ScanId,
    pub last_scan_id: ScanId,
    /// How often the finding came back after being resolved.
    #[serde(default)]
    pub regression_count: u32,
    /// Set while the finding is `suppressed`.
    #[serde(default)]
    pub suppression: Option<SuppressionRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_stable_and_discriminated() {
        let r: ResourceId = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1"
            .parse()
            .unwrap();
        let a = FindingKey::new("aws.ec2.x", &r, "22");
        assert_eq!(a, FindingKey::new("aws.ec2.x", &r, "22"));
        assert_ne!(a, FindingKey::new("aws.ec2.x", &r, "3389"));
        assert_ne!(a, FindingKey::new("aws.ec2.y", &r, "22"));
        assert_eq!(a.as_str().len(), 32);
        assert_eq!(a.as_str().parse::<FindingKey>().unwrap(), a);
        assert!("XYZ".parse::<FindingKey>().is_err());
    }
}
