//! Typed identifiers, parsed once at the boundary (CLI, config, API, database rows, SDK output).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::GraphError;

macro_rules! string_id {
    ($(#[$m:meta])* $name:ident, $what:literal, $validate:path) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl FromStr for $name {
            type Err = GraphError;
            fn from_str(s: &str) -> Result<Self, GraphError> {
                $validate(s).map_err(|reason| GraphError::invalid($what, s, reason))?;
                Ok(Self(Arc::from(s)))
            }
        }
        impl TryFrom<String> for $name {
            type Error = GraphError;
            fn try_from(s: String) -> Result<Self, GraphError> {
                s.parse()
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0.to_string()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

fn validate_account(s: &str) -> Result<(), &'static str> {
    let aws = s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    // Azure subscription ids are lowercase GUIDs.
    let azure = uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s);
    if aws || azure {
        Ok(())
    } else {
        Err("expected a 12-digit AWS account id or a lowercase Azure subscription GUID")
    }
}

/// Region names: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `eu-central-2`; Azure location
/// names (`westeurope`, `eastus2`, `usgovvirginia`: lowercase letters and digits, starting
/// with a letter); and the pseudo region `global` for account-wide services (IAM, S3
/// listing, Azure subscriptions).
fn validate_region(s: &str) -> Result<(), &'static str> {
    if s == Region::GLOBAL {
        return Ok(());
    }
    let azure = (2..=32).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if azure {
        return Ok(());
    }
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && s.len() <= 32
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|p| {
            !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err("expected a region name such as us-east-1 or an Azure location such as westeurope")
    }
}

fn validate_connection(s: &str) -> Result<(), &'static str> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err("1-64 characters of a-z, 0-9, '-' or '_', starting with a letter or digit")
    }
}

string_id!(
    /// A 12-digit AWS account id (or an Azure subscription GUID).
    AccountId, "account id", validate_account
);
string_id!(
    /// A cloud region (`us-east-1`), or [`Region::GLOBAL`] for account-wide services.
    Region, "region", validate_region
);
string_id!(
    /// The id of a configured cloud connection (an account, an organization, a subscription set).
    ConnectionId, "connection id", validate_connection
);

impl Region {
    pub const GLOBAL: &'static str = "global";

    pub fn global() -> Self {
        Self(Arc::from(Self::GLOBAL))
    }
    pub fn is_global(&self) -> bool {
        &*self.0 == Self::GLOBAL
    }
    /// The AWS partition a region belongs to.
    pub fn partition(&self) -> Partition {
        if self.0.starts_with("cn-") {
            Partition::AwsCn
        } else if self.0.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else {
            Partition::Aws
        }
    }
}

/// AWS partitions (the second field of an ARN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Partition {
    #[serde(rename = "aws")]
    Aws,
    #[serde(rename = "aws-cn")]
    AwsCn,
    #[serde(rename = "aws-us-gov")]
    AwsUsGov,
}

impl Partition {
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }
}

impl FromStr for Partition {
    type Err = GraphError;
    fn from_str(s: &str) -> Result<Self, GraphError> {
        match s {
            "aws" => Ok(Partition::Aws),
            "aws-cn" => Ok(Partition::AwsCn),
            "aws-us-gov" => Ok(Partition::AwsUsGov),
            _ => Err(GraphError::invalid(
                "partition",
                s,
                "expected aws, aws-cn or aws-us-gov",
            )),
        }
    }
}

/// A parsed ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    pub partition: Partition,
    pub service: String,
    /// Empty for global resources (IAM, S3 buckets).
    pub region: Option<Region>,
    /// Empty for S3 buckets.
    pub account: Option<AccountId>,
    /// Everything after the fifth colon, e.g. `instance/i-0abc`.
    pub resource: String,
}

impl Arn {
    pub fn parse(s: &str) -> Result<Self, GraphError> {
        let bad = |reason| GraphError::invalid("ARN", s, reason);
        let mut it = s.splitn(6, ':');
        let (Some("arn"), Some(p), Some(service), Some(region), Some(account), Some(resource)) = (
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
        ) else {
            return Err(bad(
                "expected arn:partition:service:region:account:resource",
            ));
        };
        let partition = p.parse().map_err(|_| bad("unknown partition"))?;
        if service.is_empty()
            || !service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(bad("invalid service"));
        }
        if resource.is_empty() {
            return Err(bad("empty resource part"));
        }
        let region = if region.is_empty() {
            None
        } else {
            Some(region.parse().map_err(|_| bad("invalid region"))?)
        };
        let account = if account.is_empty() {
            None
        } else {
            Some(account.parse().map_err(|_| bad("invalid account id"))?)
        };
        Ok(Arn {
            partition,
            service: service.to_string(),
            region,
            account,
            resource: resource.to_string(),
        })
    }

    /// An EC2-style ARN: `arn:{partition}:{service}:{region}:{account}:{resource_type}/{id}`.
    pub fn regional(
        service: &str,
        region: &Region,
        account: &AccountId,
        resource_type: &str,
        id: &str,
    ) -> String {
        format!(
            "arn:{}:{service}:{region}:{account}:{resource_type}/{id}",
            region.partition().as_str()
        )
    }
}

/// The identity of one resource: an ARN for AWS, an ARM resource id for Azure.
/// Parsed and validated once; cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceId(Arc<str>);

impl ResourceId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The parsed ARN, for AWS resources.
    pub fn arn(&self) -> Option<Arn> {
        Arn::parse(&self.0).ok()
    }
    /// The last path segment: `i-0abc` for `arn:aws:ec2:...:instance/i-0abc`.
    pub fn short_id(&self) -> &str {
        let tail = self.0.rsplit(':').next().unwrap_or(&self.0);
        tail.rsplit('/').next().unwrap_or(tail)
    }
    /// Builds the ARN of an EC2 resource (`instance/i-...`, `volume/vol-...`, ...).
    pub fn ec2(
        region: &Region,
        account: &AccountId,
        resource_type: &str,
        id: &str,
    ) -> Result<Self, GraphError> {
        Arn::regional("ec2", region, account, resource_type, id).parse()
    }
}

/// The lower-cased form of an ARM resource id, checked for shape: `/subscriptions/{id}`
/// followed by `{type}/{name}` pairs (`resourcegroups/{rg}`, `providers/{namespace}` and the
/// resource's own type/name pairs), no empty segment, no trailing `/`. The subscription
/// segment is opaque (published examples use `{subscriptionId}` and `subid`).
fn normalize_arm_id(s: &str) -> Result<String, &'static str> {
    if s.len() > 2048 {
        return Err("Azure resource id longer than 2048 characters");
    }
    if s.chars().any(char::is_control) {
        return Err("control character in an Azure resource id");
    }
    let lower = s.to_lowercase();
    let Some(rest) = lower.strip_prefix('/') else {
        return Err("an Azure resource id starts with /subscriptions/");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.first() != Some(&"subscriptions") {
        return Err("an Azure resource id starts with /subscriptions/");
    }
    if segments.iter().any(|p| p.is_empty()) {
        return Err("empty segment in an Azure resource id");
    }
    if segments.len() % 2 != 0 {
        return Err("an Azure resource id is a sequence of type/name pairs");
    }
    if segments.get(2) == Some(&"providers") || segments.len() <= 4 {
        return Ok(lower);
    }
    // Below a resource group: `providers/{namespace}/{type}/{name}...`.
    if segments.get(4) != Some(&"providers") || segments.len() < 8 {
        return Err("expected /resourcegroups/{name}/providers/{namespace}/{type}/{name}");
    }
    Ok(lower)
}

impl FromStr for ResourceId {
    type Err = GraphError;
    fn from_str(s: &str) -> Result<Self, GraphError> {
        if s.starts_with("arn:") {
            Arn::parse(s)?;
            Ok(ResourceId(Arc::from(s)))
        } else if s.starts_with('/') {
            // ARM ids are case-insensitive: kept lower-cased so references join.
            normalize_arm_id(s)
                .map(|id| ResourceId(Arc::from(id)))
                .map_err(|reason| GraphError::invalid("resource id", s, reason))
        } else {
            Err(GraphError::invalid(
                "resource id",
                s,
                "expected an ARN or an Azure resource id",
            ))
        }
    }
}

impl ResourceId {
    /// An ARM resource id as Azure APIs return it, in any case, with or without the leading
    /// `/` (`creationData.sourceResourceId` comes without one), lower-cased.
    pub fn azure(s: &str) -> Result<Self, GraphError> {
        let t = s.trim();
        if t.starts_with('/') {
            t.parse()
        } else {
            format!("/{t}")
                .parse()
                .map_err(|_| GraphError::invalid("resource id", s, "malformed Azure resource id"))
        }
    }
    /// Whether this is an ARM resource id (as opposed to an ARN).
    pub fn is_azure(&self) -> bool {
        self.0.starts_with('/')
    }
    fn arm_segments(&self) -> Option<Vec<&str>> {
        self.is_azure()
            .then(|| self.0.trim_start_matches('/').split('/').collect())
    }
    /// The subscription segment of an ARM id.
    pub fn azure_subscription(&self) -> Option<&str> {
        self.arm_segments()?.get(1).copied()
    }
    /// `/subscriptions/{id}` of an ARM id below a subscription (`None` for the subscription).
    pub fn azure_subscription_id(&self) -> Option<ResourceId> {
        let seg = self.arm_segments()?;
        (seg.len() > 2).then(|| ResourceId(Arc::from(format!("/subscriptions/{}", seg[1]))))
    }
    /// `/subscriptions/{id}/resourcegroups/{rg}` of an ARM id below a resource group (`None`
    /// for the group itself, a subscription or a subscription-level resource).
    pub fn azure_resource_group_id(&self) -> Option<ResourceId> {
        let seg = self.arm_segments()?;
        (seg.len() > 4 && seg[2] == "resourcegroups").then(|| {
            ResourceId(Arc::from(format!(
                "/subscriptions/{}/resourcegroups/{}",
                seg[1], seg[3]
            )))
        })
    }
    /// The resource a child belongs to: the load balancer of
    /// `.../loadbalancers/lb/backendaddresspools/pool`, the interface of
    /// `.../networkinterfaces/nic/ipconfigurations/ipconfig1`, the VNet of a subnet. `None`
    /// for a top-level resource (`.../providers/{ns}/{type}/{name}`), a group or a
    /// subscription.
    pub fn azure_parent(&self) -> Option<ResourceId> {
        let seg = self.arm_segments()?;
        let top = match seg.iter().position(|s| *s == "providers") {
            Some(p) => p + 4,
            None => return None,
        };
        (seg.len() > top).then(|| {
            let keep = &seg[..seg.len() - 2];
            ResourceId(Arc::from(format!("/{}", keep.join("/"))))
        })
    }
    /// The resource-group-level parent of an ARM id: itself for a top-level resource, the
    /// outermost resource for a child (the load balancer of a backend pool).
    pub fn azure_top_level(&self) -> Option<ResourceId> {
        let seg = self.arm_segments()?;
        let p = seg.iter().position(|s| *s == "providers")?;
        (seg.len() >= p + 4).then(|| ResourceId(Arc::from(format!("/{}", seg[..p + 4].join("/")))))
    }
}
impl TryFrom<String> for ResourceId {
    type Error = GraphError;
    fn try_from(s: String) -> Result<Self, GraphError> {
        s.parse()
    }
}
impl From<ResourceId> for String {
    fn from(v: ResourceId) -> String {
        v.0.to_string()
    }
}
impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of one scan run: a UUIDv7, so ids sort by start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScanId(uuid::Uuid);

impl ScanId {
    pub fn new() -> Self {
        ScanId(uuid::Uuid::now_v7())
    }
}
impl Default for ScanId {
    fn default() -> Self {
        Self::new()
    }
}
impl FromStr for ScanId {
    type Err = GraphError;
    fn from_str(s: &str) -> Result<Self, GraphError> {
        uuid::Uuid::parse_str(s)
            .map(ScanId)
            .map_err(|_| GraphError::invalid("scan id", s, "expected a UUID"))
    }
}
impl TryFrom<String> for ScanId {
    type Error = GraphError;
    fn try_from(s: String) -> Result<Self, GraphError> {
        s.parse()
    }
}
impl From<ScanId> for String {
    fn from(v: ScanId) -> String {
        v.0.to_string()
    }
}
impl fmt::Display for ScanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The id of a pinned baseline (drift): a UUIDv7, so ids sort by pin time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BaselineId(uuid::Uuid);

impl BaselineId {
    pub fn new() -> Self {
        BaselineId(uuid::Uuid::now_v7())
    }
}
impl Default for BaselineId {
    fn default() -> Self {
        Self::new()
    }
}
impl FromStr for BaselineId {
    type Err = GraphError;
    fn from_str(s: &str) -> Result<Self, GraphError> {
        uuid::Uuid::parse_str(s)
            .map(BaselineId)
            .map_err(|_| GraphError::invalid("baseline id", s, "expected a UUID"))
    }
}
impl TryFrom<String> for BaselineId {
    type Error = GraphError;
    fn try_from(s: String) -> Result<Self, GraphError> {
        s.parse()
    }
}
impl From<BaselineId> for String {
    fn from(v: BaselineId) -> String {
        v.0.to_string()
    }
}
impl fmt::Display for BaselineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ec2_arn() {
        let arn = Arn::parse("arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc").unwrap();
        assert_eq!(arn.partition, Partition::Aws);
        assert_eq!(arn.service, "ec2");
        assert_eq!(arn.region.unwrap().as_str(), "eu-west-1");
        assert_eq!(arn.account.unwrap().as_str(), "123456789012");
        assert_eq!(arn.resource, "instance/i-0abc");
    }

    #[test]
    fn parses_global_arns() {
        let s3 = Arn::parse("arn:aws:s3:::my-bucket").unwrap();
        assert!(s3.region.is_none() && s3.account.is_none());
        let iam = Arn::parse("arn:aws-us-gov:iam::123456789012:user/path/alice").unwrap();
        assert_eq!(iam.partition, Partition::AwsUsGov);
        assert_eq!(iam.resource, "user/path/alice");
    }

    #[test]
    fn rejects_bad_arns() {
        for bad in [
            "",
            "arn:aws",
            "arn:foo:ec2:us-east-1:123456789012:x",
            "arn:aws:ec2:us-east-1:12:x",
            "arn:aws:ec2:US-EAST-1:123456789012:x",
            "arn:aws:ec2:us-east-1:123456789012:",
            "i-0abc",
        ] {
            assert!(bad.parse::<ResourceId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn region_validation() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-2",
            "global",
        ] {
            assert!(ok.parse::<Region>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            "us--1",
            "mars-north-123",
        ] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        assert_eq!(
            Region::from_str("cn-north-1").unwrap().partition(),
            Partition::AwsCn
        );
    }

    #[test]
    fn short_id_and_builder() {
        let r = Region::from_str("us-east-1").unwrap();
        let a = AccountId::from_str("123456789012").unwrap();
        let id = ResourceId::ec2(&r, &a, "volume", "vol-1").unwrap();
        assert_eq!(
            id.as_str(),
            "arn:aws:ec2:us-east-1:123456789012:volume/vol-1"
        );
        assert_eq!(id.short_id(), "vol-1");
    }

    #[test]
    fn arm_ids_are_lower_cased_and_shaped() {
        let vm: ResourceId =
            "/subscriptions/0000-AB/resourceGroups/RG1/providers/Microsoft.Compute/virtualMachines/VM1"
                .parse()
                .unwrap();
        assert_eq!(
            vm.as_str(),
            "/subscriptions/0000-ab/resourcegroups/rg1/providers/microsoft.compute/virtualmachines/vm1"
        );
        assert!(vm.is_azure());
        assert_eq!(vm.azure_subscription(), Some("0000-ab"));
        assert_eq!(
            vm.azure_resource_group_id().unwrap().as_str(),
            "/subscriptions/0000-ab/resourcegroups/rg1"
        );
        assert_eq!(vm.azure_parent(), None);
        assert_eq!(vm.azure_top_level().as_ref(), Some(&vm));
        assert_eq!(vm.short_id(), "vm1");
        // The fixtures' spellings: `/Subscriptions/`, placeholders, no leading slash.
        for ok in [
            "/Subscriptions/{subscriptionId}/Providers/Microsoft.Compute/Locations/uswest/Publishers/Microsoft",
            "/subscriptions/{subscription-id}/resourceGroups/res2627/providers/Microsoft.Storage/storageAccounts/sto1125",
            "/subscriptions/subid",
            "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-resource-group",
            "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/nsg1/defaultSecurityRules/AllowVnetInBound",
            "/subscriptions/subid/providers/Microsoft.Network/networkWatchers/nw",
        ] {
            let id: ResourceId = ok.parse().unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(id.as_str(), ok.to_lowercase());
        }
        let src = ResourceId::azure(
            "subscriptions/{subscriptionId}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk1",
        )
        .unwrap();
        assert_eq!(
            src.as_str(),
            "/subscriptions/{subscriptionid}/resourcegroups/myresourcegroup/providers/microsoft.compute/disks/mymanageddisk1"
        );
        let sub: ResourceId = "/subscriptions/abc".parse().unwrap();
        assert_eq!(sub.azure_subscription_id(), None);
        assert_eq!(sub.azure_resource_group_id(), None);
        let rg: ResourceId = "/subscriptions/abc/resourceGroups/rg".parse().unwrap();
        assert_eq!(rg.azure_subscription_id(), Some(sub));
        assert_eq!(rg.azure_resource_group_id(), None);
        let pool: ResourceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/be"
            .parse()
            .unwrap();
        let lb = pool.azure_parent().unwrap();
        assert_eq!(
            lb.as_str(),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/loadbalancers/lb"
        );
        assert_eq!(pool.azure_top_level(), Some(lb));
        // Errors, never panics.
        for bad in [
            "/",
            "/subscriptions",
            "/subscriptions/",
            "/subscriptions//resourceGroups/rg",
            "/subscriptions/s/resourceGroups",
            "/subscriptions/s/resourceGroups/rg/",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks",
            "/subscriptions/s/resourceGroups/rg/disks/d",
            "/tenants/t",
            "/subscriptions/s/resourceGroups/r\ng",
            "subscriptions/s",
        ] {
            assert!(bad.parse::<ResourceId>().is_err(), "{bad:?}");
        }
        assert!(ResourceId::azure("").is_err());
        assert!(ResourceId::azure("   ").is_err());
        assert!(ResourceId::azure(&"/subscriptions/s/x".repeat(200)).is_err());
    }

    #[test]
    fn azure_locations_are_regions() {
        for ok in ["westeurope", "eastus2", "usgovvirginia", "global"] {
            assert!(ok.parse::<Region>().is_ok(), "{ok}");
        }
        for bad in ["West Europe", "westEurope", "2east", "w", "west_europe"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<AccountId>("\"12345\"").is_err());
        let s: ScanId = serde_json::from_str("\"0190b2a0-0000-7000-8000-000000000000\"").unwrap();
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"0190b2a0-0000-7000-8000-000000000000\""
        );
        assert!("Bad Id".parse::<ConnectionId>().is_err());
        assert!("aws-123456789012".parse::<ConnectionId>().is_ok());
    }
}
