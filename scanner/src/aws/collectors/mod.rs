//! AWS collectors: one file per API noun, one registry line per kind.
//!
//! Each file has `fetch` (dumb: paginate the Describe call to the end, map page by page and
//! push every mapped resource into the scope's [`Emit`], which streams batches to the
//! inventory builder; no retries: the runner owns retry policy and coverage) and a pure `map`
//! from the SDK type to the typed model, unit-tested in the same file.

use futures::future::BoxFuture;
use skywarden_graph::ResourceKind;

use super::{GlobalCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;

/// The future a collector returns: Ok once every resource of its kind in its scope was
/// pushed, or why not (what it pushed before failing is dropped with the Failed scope).
pub type CollectFuture<'a> = BoxFuture<'a, Result<(), CollectError>>;

/// Where a collector runs.
#[derive(Clone, Copy)]
#[allow(missing_debug_implementations)] // fn pointers; Collector's Debug shows which
pub enum Run {
    /// Once per (account, region).
    Regional(for<'a> fn(&'a RegionCx, &'a mut Emit) -> CollectFuture<'a>),
    /// Once per account (IAM, the S3 bucket list); resources get region `global`.
    Global(for<'a> fn(&'a GlobalCx, &'a mut Emit) -> CollectFuture<'a>),
}

/// One collector: the kind it fills, the API operations it calls (for logs, coverage and the
/// example IAM policy), and how to run it.
#[derive(Clone, Copy)]
pub struct Collector {
    pub kind: ResourceKind,
    pub operations: &'static [&'static str],
    pub run: Run,
}

impl Collector {
    pub fn is_global(&self) -> bool {
        matches!(self.run, Run::Global(_))
    }
    /// The first (listing) operation, for logs.
    pub fn operation(&self) -> &'static str {
        self.operations.first().copied().unwrap_or("-")
    }
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("kind", &self.kind)
            .field("operations", &self.operations)
            .field("global", &self.is_global())
            .finish()
    }
}

macro_rules! registry {
    (
        regional { $( $module:ident => $kind:ident, [$($op:literal),+ $(,)?]; )* }
        global { $( $gmodule:ident => $gkind:ident, [$($gop:literal),+ $(,)?]; )* }
    ) => {
        $( pub mod $module; )*
        $( pub mod $gmodule; )*
        /// Every AWS collector: regional ones first, then the once-per-account ones.
        pub static ALL: &[Collector] = &[
            $( Collector { kind: ResourceKind::$kind, operations: &[$($op),+], run: Run::Regional(|cx, out| Box::pin($module::fetch(cx, out))) }, )*
            $( Collector { kind: ResourceKind::$gkind, operations: &[$($gop),+], run: Run::Global(|cx, out| Box::pin($gmodule::fetch(cx, out))) }, )*
        ];
    };
}

/// Regional collectors.
pub fn regional() -> impl Iterator<Item = &'static Collector> {
    ALL.iter().filter(|c| !c.is_global())
}

/// Once-per-account collectors.
pub fn global() -> impl Iterator<Item = &'static Collector> {
    ALL.iter().filter(|c| c.is_global())
}

registry! {
    regional {
        vpcs => AwsEc2Vpc, ["ec2:DescribeVpcs"];
        subnets => AwsEc2Subnet, ["ec2:DescribeSubnets"];
        route_tables => AwsEc2RouteTable, ["ec2:DescribeRouteTables"];
        internet_gateways => AwsEc2InternetGateway, ["ec2:DescribeInternetGateways"];
        security_groups => AwsEc2SecurityGroup, ["ec2:DescribeSecurityGroups"];
        instances => AwsEc2Instance, ["ec2:DescribeInstances"];
        volumes => AwsEbsVolume, ["ec2:DescribeVolumes"];
        snapshots => AwsEbsSnapshot, ["ec2:DescribeSnapshots"];
        images => AwsEc2Image, ["ec2:DescribeImages"];
        launch_templates => AwsEc2LaunchTemplate, ["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"];
        ebs_encryption_by_default => AwsEc2EbsEncryptionDefault, ["ec2:GetEbsEncryptionByDefault"];
        key_pairs => AwsEc2KeyPair, ["ec2:DescribeKeyPairs"];
        kms_keys => AwsKmsKey, ["kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:ListAliases"];
        db_instances => AwsRdsDbInstance, ["rds:DescribeDBInstances"];
        trails => AwsCloudtrailTrail, ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"];
        functions => AwsLambdaFunction, ["lambda:ListFunctions", "lambda:GetFunctionUrlConfig"];
        network_interfaces => AwsEc2NetworkInterface, ["ec2:DescribeNetworkInterfaces"];
        addresses => AwsEc2ElasticIp, ["ec2:DescribeAddresses"];
        nat_gateways => AwsEc2NatGateway, ["ec2:DescribeNatGateways"];
        network_acls => AwsEc2NetworkAcl, ["ec2:DescribeNetworkAcls"];
        vpc_endpoints => AwsEc2VpcEndpoint, ["ec2:DescribeVpcEndpoints"];
        flow_logs => AwsEc2FlowLog, ["ec2:DescribeFlowLogs"];
        vpc_peering_connections => AwsEc2VpcPeeringConnection, ["ec2:DescribeVpcPeeringConnections"];
        load_balancers => AwsElbv2LoadBalancer, ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeLoadBalancerAttributes"];
        listeners => AwsElbv2Listener, ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners"];
        target_groups => AwsElbv2TargetGroup, ["elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"];
    }
    global {
        users => AwsIamUser, ["iam:GetAccountAuthorizationDetails", "iam:ListUsers", "iam:ListMFADevices", "iam:GetLoginProfile"];
        access_keys => AwsIamAccessKey, ["iam:ListUsers", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"];
        virtual_mfa_devices => AwsIamVirtualMfaDevice, ["iam:ListVirtualMFADevices"];
        roles => AwsIamRole, ["iam:ListRoles", "iam:GetAccountAuthorizationDetails"];
        policies => AwsIamPolicy, ["iam:GetAccountAuthorizationDetails"];
        groups => AwsIamGroup, ["iam:GetAccountAuthorizationDetails"];
        password_policy => AwsIamPasswordPolicy, ["iam:GetAccountPasswordPolicy"];
        account_summary => AwsIamAccountSummary, ["iam:GetAccountSummary"];
        buckets => AwsS3Bucket, [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketPublicAccessBlock",
            "s3:GetBucketPolicyStatus",
            "s3:GetBucketPolicy",
            "s3:GetBucketAcl",
            "s3:GetBucketVersioning",
            "s3:GetBucketLogging",
            "s3:GetBucketTagging",
            "s3:GetBucketOwnershipControls",
        ];
    }
}

/// Shared by the IAM collectors (not a collector).
pub(crate) mod iam;

#[cfg(test)]
pub(crate) mod testkit {
    use crate::aws::MapCx;

    pub fn cx() -> MapCx {
        MapCx {
            account: "123456789012".parse().unwrap(),
            region: "eu-west-1".parse().unwrap(),
        }
    }
    pub fn global_cx() -> MapCx {
        MapCx {
            account: "123456789012".parse().unwrap(),
            region: skywarden_graph::Region::global(),
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
        for c in ALL {
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
