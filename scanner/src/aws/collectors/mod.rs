//! AWS collectors: one file per API noun, one registry line per kind.
//!
//! Each file has `fetch` (dumb: paginate the Describe call to the end, map page by page, no
//! retries; the runner owns retry policy and coverage) and a pure `map` from the SDK type to
//! the typed model, unit-tested in the same file.

use futures::future::BoxFuture;
use skywarden_graph::{Resource, ResourceKind};

use super::RegionCx;
use crate::error::CollectError;

/// The future a collector returns: every resource of its kind in one region, or why not.
pub type CollectFuture<'a> = BoxFuture<'a, Result<Vec<Resource>, CollectError>>;

/// A regional collector.
#[derive(Clone, Copy)]
pub struct Collector {
    pub kind: ResourceKind,
    /// The API operation it pages through, for logs and coverage.
    pub operation: &'static str,
    pub run: for<'a> fn(&'a RegionCx) -> CollectFuture<'a>,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("kind", &self.kind)
            .field("operation", &self.operation)
            .finish()
    }
}

macro_rules! registry {
    ($( $module:ident => $kind:ident, $op:literal; )*) => {
        $( pub mod $module; )*
        /// Every AWS regional collector.
        pub static REGIONAL: &[Collector] = &[
            $( Collector { kind: ResourceKind::$kind, operation: $op, run: |cx| Box::pin($module::fetch(cx)) }, )*
        ];
    };
}

registry! {
    vpcs => AwsEc2Vpc, "ec2:DescribeVpcs";
    subnets => AwsEc2Subnet, "ec2:DescribeSubnets";
    route_tables => AwsEc2RouteTable, "ec2:DescribeRouteTables";
    internet_gateways => AwsEc2InternetGateway, "ec2:DescribeInternetGateways";
    security_groups => AwsEc2SecurityGroup, "ec2:DescribeSecurityGroups";
    instances => AwsEc2Instance, "ec2:DescribeInstances";
    volumes => AwsEbsVolume, "ec2:DescribeVolumes";
}

#[cfg(test)]
pub(crate) mod testkit {
    use crate::aws::MapCx;

    pub fn cx() -> MapCx {
        MapCx {
            account: "123456789012".parse().unwrap(),
            region: "eu-west-1".parse().unwrap(),
        }
    }
    pub fn tag(k: &str, v: &str) -> aws_sdk_ec2::types::Tag {
        aws_sdk_ec2::types::Tag::builder().key(k).value(v).build()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use skywarden_graph::Provider;

    use super::*;

    #[test]
    fn every_aws_kind_has_exactly_one_collector() {
        let mut seen = HashSet::new();
        for c in REGIONAL {
            assert!(seen.insert(c.kind), "two collectors for {}", c.kind);
        }
        for k in ResourceKind::ALL
            .iter()
            .filter(|k| k.provider() == Provider::Aws)
        {
            assert!(seen.contains(k), "no collector for {k}");
        }
    }
}
