//! `aws_elbv2_load_balancer`: an Application, Network or Gateway Load Balancer with the
//! attributes rules read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub load_balancer_name: String,
    pub lb_type: LoadBalancerType,
    pub scheme: LoadBalancerScheme,
    pub state: LoadBalancerState,
    pub state_reason: Option<String>,
    pub vpc: Option<ResourceId>,
    /// The subnets of its availability zones, sorted.
    pub subnets: Vec<ResourceId>,
    /// Availability zone names, sorted.
    pub availability_zones: Vec<String>,
    /// Security groups (ALBs; NLBs created with groups), sorted.
    pub security_groups: Vec<ResourceId>,
    pub dns_name: Option<String>,
    pub canonical_hosted_zone_id: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub ip_address_type: LbIpAddressType,
    pub attributes: LoadBalancerAttributes,
}

/// `DescribeLoadBalancerAttributes`, the keys rules read. `None`: the attribute was not in the
/// response (e.g. `routing.http.*` on a Network Load Balancer); rules never fire on `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancerAttributes {
    /// `deletion_protection.enabled`
    pub deletion_protection: Option<bool>,
    /// `access_logs.s3.enabled`
    pub access_logs_enabled: Option<bool>,
    /// `access_logs.s3.bucket`, when set.
    pub access_logs_bucket: Option<String>,
    /// `routing.http.drop_invalid_header_fields.enabled` (ALB only)
    pub drop_invalid_header_fields: Option<bool>,
}

impl LoadBalancerAttributes {
    pub const DELETION_PROTECTION: &'static str = "deletion_protection.enabled";
    pub const ACCESS_LOGS_ENABLED: &'static str = "access_logs.s3.enabled";
    pub const ACCESS_LOGS_BUCKET: &'static str = "access_logs.s3.bucket";
    pub const DROP_INVALID_HEADER_FIELDS: &'static str =
        "routing.http.drop_invalid_header_fields.enabled";

    /// Reads the attributes rules need from `(key, value)` pairs; unknown keys are ignored,
    /// a value that is neither `true` nor `false` is unknown.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let flag = |v: &str| match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        let mut a = Self::default();
        for (k, v) in pairs {
            match k {
                Self::DELETION_PROTECTION => a.deletion_protection = flag(v),
                Self::ACCESS_LOGS_ENABLED => a.access_logs_enabled = flag(v),
                Self::ACCESS_LOGS_BUCKET if !v.is_empty() => {
                    a.access_logs_bucket = Some(v.to_string())
                }
                Self::DROP_INVALID_HEADER_FIELDS => a.drop_invalid_header_fields = flag(v),
                _ => {}
            }
        }
        a
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadBalancerType {
    Application,
    Network,
    Gateway,
    #[serde(other)]
    Unknown,
}

impl LoadBalancerType {
    pub fn parse(s: &str) -> Self {
        match s {
            "application" => Self::Application,
            "network" => Self::Network,
            "gateway" => Self::Gateway,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadBalancerScheme {
    InternetFacing,
    Internal,
    #[serde(other)]
    Unknown,
}

impl LoadBalancerScheme {
    pub fn parse(s: &str) -> Self {
        match s {
            "internet-facing" => Self::InternetFacing,
            "internal" => Self::Internal,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadBalancerState {
    Active,
    ActiveImpaired,
    Provisioning,
    Failed,
    #[serde(other)]
    Unknown,
}

impl LoadBalancerState {
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "active_impaired" => Self::ActiveImpaired,
            "provisioning" => Self::Provisioning,
            "failed" => Self::Failed,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LbIpAddressType {
    Ipv4,
    Dualstack,
    DualstackWithoutPublicIpv4,
    #[serde(other)]
    Unknown,
}

impl LbIpAddressType {
    pub fn parse(s: &str) -> Self {
        match s {
            "ipv4" => Self::Ipv4,
            "dualstack" => Self::Dualstack,
            "dualstack-without-public-ipv4" => Self::DualstackWithoutPublicIpv4,
            _ => Self::Unknown,
        }
    }
}

impl LoadBalancer {
    /// VPC -> load balancer (`contains`), load balancer -> subnet (`associated_with`),
    /// load balancer -> security group (`secured_by`).
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        if let Some(vpc) = &self.vpc {
            refs.push(Reference::incoming(EdgeKind::Contains, vpc.clone()));
        }
        refs.extend(
            self.subnets
                .iter()
                .map(|s| Reference::outgoing(EdgeKind::AssociatedWith, s.clone())),
        );
        refs.extend(
            self.security_groups
                .iter()
                .map(|g| Reference::outgoing(EdgeKind::SecuredBy, g.clone())),
        );
        refs
    }

    pub fn is_application(&self) -> bool {
        self.lb_type == LoadBalancerType::Application
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_from_pairs() {
        let a = LoadBalancerAttributes::from_pairs([
            ("deletion_protection.enabled", "true"),
            ("access_logs.s3.enabled", "false"),
            ("access_logs.s3.bucket", ""),
            ("routing.http.drop_invalid_header_fields.enabled", "maybe"),
            ("idle_timeout.timeout_seconds", "60"),
        ]);
        assert_eq!(a.deletion_protection, Some(true));
        assert_eq!(a.access_logs_enabled, Some(false));
        assert_eq!(a.access_logs_bucket, None);
        assert_eq!(a.drop_invalid_header_fields, None);
        assert_eq!(
            LoadBalancerAttributes::from_pairs([]),
            LoadBalancerAttributes::default()
        );
    }

    #[test]
    fn enums_parse_and_serialise_like_the_api() {
        assert_eq!(
            LoadBalancerType::parse("gateway"),
            LoadBalancerType::Gateway
        );
        assert_eq!(
            LoadBalancerType::parse("classic"),
            LoadBalancerType::Unknown
        );
        assert_eq!(
            serde_json::to_value(LoadBalancerScheme::InternetFacing).unwrap(),
            "internet-facing"
        );
        assert_eq!(
            LbIpAddressType::parse("dualstack-without-public-ipv4"),
            LbIpAddressType::DualstackWithoutPublicIpv4
        );
        assert_eq!(
            serde_json::from_value::<LoadBalancerState>("new_state".into()).unwrap(),
            LoadBalancerState::Unknown
        );
    }
}
