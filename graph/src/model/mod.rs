//! Typed properties of every resource kind, one file per kind, and the kind registry.
//!
//! Adding a kind: write `model/<provider>_<service>_<thing>.rs` with a `Serialize +
//! Deserialize` struct that has an inherent `references(&self) -> Vec<Reference>` method, then
//! add one line to the `kinds!` invocation below. The compiler then asks for a collector
//! (scanner crate) and the invariant tests check naming.
//!
//! Azure kinds use `Azure`-prefixed type names (`AzureSubnet` next to AWS's `Subnet`) and the
//! ARM string enums of [`azure_common`] (an `Other(String)` fallback for values ARM adds).

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;
use crate::kind::Provider;

/// A typed model of one resource kind.
pub trait Model: Sized {
    const KIND: ResourceKind;
    fn from_properties(p: &Properties) -> Option<&Self>;
    fn into_properties(self) -> Properties;
}

pub mod azure_common;

macro_rules! kinds {
    ($( $variant:ident => $slug:literal, $provider:ident, $module:ident :: $ty:ident; )*) => {
        $( pub mod $module; pub use $module::$ty; )*

        /// Every resource kind Skywarden knows. Closed: adding one is a registry line.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ResourceKind {
            $( #[serde(rename = $slug)] $variant, )*
        }

        impl ResourceKind {
            pub const ALL: &'static [ResourceKind] = &[$(ResourceKind::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $( ResourceKind::$variant => $slug, )* }
            }
            pub fn provider(self) -> Provider {
                match self { $( ResourceKind::$variant => Provider::$provider, )* }
            }
            /// The module (file) name of the kind's model, checked against the slug by a test.
            pub fn module(self) -> &'static str {
                match self { $( ResourceKind::$variant => stringify!($module), )* }
            }
        }

        /// The typed properties of a resource; the variant is its kind.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "properties")]
        pub enum Properties {
            $( #[serde(rename = $slug)] $variant($ty), )*
        }

        impl Properties {
            pub fn kind(&self) -> ResourceKind {
                match self { $( Properties::$variant(_) => ResourceKind::$variant, )* }
            }
            /// References to other resources, turned into edges in the build's second phase.
            pub fn references(&self) -> Vec<Reference> {
                match self { $( Properties::$variant(m) => m.references(), )* }
            }
        }

        $(
            impl Model for $ty {
                const KIND: ResourceKind = ResourceKind::$variant;
                fn from_properties(p: &Properties) -> Option<&Self> {
                    match p { Properties::$variant(m) => Some(m), #[allow(unreachable_patterns)] _ => None }
                }
                fn into_properties(self) -> Properties { Properties::$variant(self) }
            }
        )*
    };
}

kinds! {
    AwsEc2Vpc => "aws_ec2_vpc", Aws, aws_ec2_vpc::Vpc;
    AwsEc2Subnet => "aws_ec2_subnet", Aws, aws_ec2_subnet::Subnet;
    AwsEc2RouteTable => "aws_ec2_route_table", Aws, aws_ec2_route_table::RouteTable;
    AwsEc2InternetGateway => "aws_ec2_internet_gateway", Aws, aws_ec2_internet_gateway::InternetGateway;
    AwsEc2SecurityGroup => "aws_ec2_security_group", Aws, aws_ec2_security_group::SecurityGroup;
    AwsEc2Instance => "aws_ec2_instance", Aws, aws_ec2_instance::Instance;
    AwsEbsVolume => "aws_ebs_volume", Aws, aws_ebs_volume::Volume;
    AwsIamUser => "aws_iam_user", Aws, aws_iam_user::User;
    AwsIamAccessKey => "aws_iam_access_key", Aws, aws_iam_access_key::AccessKey;
    AwsIamVirtualMfaDevice => "aws_iam_virtual_mfa_device", Aws, aws_iam_virtual_mfa_device::VirtualMfaDevice;
    AwsIamRole => "aws_iam_role", Aws, aws_iam_role::Role;
    AwsIamPolicy => "aws_iam_policy", Aws, aws_iam_policy::Policy;
    AwsIamGroup => "aws_iam_group", Aws, aws_iam_group::Group;
    AwsIamPasswordPolicy => "aws_iam_password_policy", Aws, aws_iam_password_policy::PasswordPolicy;
    AwsIamAccountSummary => "aws_iam_account_summary", Aws, aws_iam_account_summary::AccountSummary;
    AwsEbsSnapshot => "aws_ebs_snapshot", Aws, aws_ebs_snapshot::Snapshot;
    AwsEc2Image => "aws_ec2_image", Aws, aws_ec2_image::Image;
    AwsEc2LaunchTemplate => "aws_ec2_launch_template", Aws, aws_ec2_launch_template::LaunchTemplate;
    AwsEc2EbsEncryptionDefault => "aws_ec2_ebs_encryption_default", Aws, aws_ec2_ebs_encryption_default::EbsEncryptionDefault;
    AwsEc2KeyPair => "aws_ec2_key_pair", Aws, aws_ec2_key_pair::KeyPair;
    AwsKmsKey => "aws_kms_key", Aws, aws_kms_key::KmsKey;
    AwsRdsDbInstance => "aws_rds_db_instance", Aws, aws_rds_db_instance::DbInstance;
    AwsCloudtrailTrail => "aws_cloudtrail_trail", Aws, aws_cloudtrail_trail::Trail;
    AwsLambdaFunction => "aws_lambda_function", Aws, aws_lambda_function::Function;
    AwsEc2NetworkInterface => "aws_ec2_network_interface", Aws, aws_ec2_network_interface::NetworkInterface;
    AwsEc2ElasticIp => "aws_ec2_elastic_ip", Aws, aws_ec2_elastic_ip::ElasticIp;
    AwsEc2NatGateway => "aws_ec2_nat_gateway", Aws, aws_ec2_nat_gateway::NatGateway;
    AwsEc2NetworkAcl => "aws_ec2_network_acl", Aws, aws_ec2_network_acl::NetworkAcl;
    AwsS3Bucket => "aws_s3_bucket", Aws, aws_s3_bucket::Bucket;
    AwsEc2VpcEndpoint => "aws_ec2_vpc_endpoint", Aws, aws_ec2_vpc_endpoint::VpcEndpoint;
    AwsEc2FlowLog => "aws_ec2_flow_log", Aws, aws_ec2_flow_log::FlowLog;
    AwsEc2VpcPeeringConnection => "aws_ec2_vpc_peering_connection", Aws, aws_ec2_vpc_peering_connection::VpcPeeringConnection;
    AwsElbv2LoadBalancer => "aws_elbv2_load_balancer", Aws, aws_elbv2_load_balancer::LoadBalancer;
    AwsElbv2Listener => "aws_elbv2_listener", Aws, aws_elbv2_listener::Listener;
    AwsElbv2TargetGroup => "aws_elbv2_target_group", Aws, aws_elbv2_target_group::TargetGroup;
    AzureResourcesSubscription => "azure_resources_subscription", Azure, azure_resources_subscription::AzureSubscription;
    AzureResourcesResourceGroup => "azure_resources_resource_group", Azure, azure_resources_resource_group::AzureResourceGroup;
    AzureComputeVirtualMachine => "azure_compute_virtual_machine", Azure, azure_compute_virtual_machine::AzureVirtualMachine;
    AzureComputeDisk => "azure_compute_disk", Azure, azure_compute_disk::AzureDisk;
    AzureComputeSnapshot => "azure_compute_snapshot", Azure, azure_compute_snapshot::AzureSnapshot;
    AzureNetworkInterface => "azure_network_interface", Azure, azure_network_interface::AzureNetworkInterface;
    AzureNetworkPublicIpAddress => "azure_network_public_ip_address", Azure, azure_network_public_ip_address::AzurePublicIpAddress;
    AzureNetworkVirtualNetwork => "azure_network_virtual_network", Azure, azure_network_virtual_network::AzureVirtualNetwork;
    AzureNetworkSubnet => "azure_network_subnet", Azure, azure_network_subnet::AzureSubnet;
    AzureNetworkSecurityGroup => "azure_network_security_group", Azure, azure_network_security_group::AzureNetworkSecurityGroup;
    AzureNetworkLoadBalancer => "azure_network_load_balancer", Azure, azure_network_load_balancer::AzureLoadBalancer;
    AzureStorageAccount => "azure_storage_account", Azure, azure_storage_account::AzureStorageAccount;
    AzureKeyvaultVault => "azure_keyvault_vault", Azure, azure_keyvault_vault::AzureKeyVault;
    AzureSqlServer => "azure_sql_server", Azure, azure_sql_server::AzureSqlServer;
}

pub use aws_cloudtrail_trail::ManagementEvents;
pub use aws_ebs_snapshot::{SnapshotState, SnapshotStorageTier};
pub use aws_ebs_volume::{VolumeAttachment, VolumeState, VolumeType};
pub use aws_ec2_elastic_ip::AddressDomain;
pub use aws_ec2_image::{ImageBlockDevice, ImageState, RootDeviceType};
pub use aws_ec2_instance::{HttpTokens, InstanceState, MetadataOptions};
pub use aws_ec2_key_pair::KeyType;
pub use aws_ec2_launch_template::{LaunchTemplateBlockDevice, LaunchTemplateData};
pub use aws_ec2_nat_gateway::{ConnectivityType, NatGatewayAddress, NatGatewayState};
pub use aws_ec2_network_acl::{AclAction, AclEntry, IcmpTypeCode, IpFamily, PortRange};
pub use aws_ec2_network_interface::{
    AttachmentStatus, InterfaceType, NetworkInterfaceAttachment, NetworkInterfaceStatus,
};
pub use aws_ec2_route_table::{Route, RouteState, RouteTarget};
pub use aws_ec2_security_group::{IpProtocol, Permission, WORLD_IPV4, WORLD_IPV6};
pub use aws_elbv2_listener::{
    ssl_policy_allows_tls_1_0_or_1_1, ActionType, ElbProtocol, ListenerAction, RedirectAction,
};
pub use aws_elbv2_load_balancer::{
    LbIpAddressType, LoadBalancerAttributes, LoadBalancerScheme, LoadBalancerState,
    LoadBalancerType,
};
pub use aws_elbv2_target_group::{HealthCheck, Target, TargetHealthState, TargetType};
pub use aws_iam_access_key::AccessKeyStatus;
pub use aws_iam_policy::{
    is_aws_administrator_access, AttachedPolicy, Effect, PolicyDocument, PolicyParseError,
    Principals, Statement,
};
pub use aws_iam_user::{LoginProfile, MfaDevice};
pub use aws_kms_key::{KeyManager, KeyState, KeyUsage};
pub use aws_lambda_function::{FunctionUrl, FunctionUrlAuth};
pub use aws_rds_db_instance::DbInstanceStatus;
pub use aws_s3_bucket::{
    AccessLogging, AclGrant, AclGroup, AclPermission, BucketAcl, BucketAspect, BucketPolicy,
    DefaultEncryption, GranteeType, ObjectOwnership, PolicyCondition, PolicyEffect,
    PolicyStatement, PublicAccessBlock, SseAlgorithm, Versioning, VersioningStatus,
};

// VPC endpoints, flow logs, peering connections.
pub use aws_ec2_flow_log::{
    s3_destination_bucket, DeliverLogsStatus, FlowLogResourceType, FlowLogStatus,
    LogDestinationType, TrafficType,
};
pub use aws_ec2_vpc_endpoint::{VpcEndpointState, VpcEndpointType};
pub use aws_ec2_vpc_peering_connection::{PeeringStatus, PeeringVpc};

// Azure.
pub use azure_common::{public_network_open, NetworkDefaultAction, OsType, PublicNetworkAccess};
pub use azure_compute_disk::{DiskEncryptionType, DiskSku, DiskState, NetworkAccessPolicy};
pub use azure_compute_virtual_machine::PowerState;
pub use azure_keyvault_vault::KeyVaultSku;
pub use azure_network_interface::NicIpConfiguration;
pub use azure_network_load_balancer::{
    LbBackendPool, LbFrontend, LbNatRule, LbProtocol, LbRule, LbSkuName,
};
pub use azure_network_public_ip_address::{
    IpAllocationMethod, IpVersion, PublicIpSkuName, SkuTier,
};
pub use azure_network_security_group::{
    is_internet_source, NsgAccess, NsgDirection, NsgPortRange, NsgProtocol, NsgRule, NsgTarget,
};
pub use azure_resources_subscription::SubscriptionState;
pub use azure_sql_server::{SqlFirewallRule, SqlTlsVersion};
pub use azure_storage_account::{StorageAccountKind, StorageKeySource, TlsVersion};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_match_slugs() {
        for k in ResourceKind::ALL {
            assert_eq!(
                k.module(),
                k.as_str(),
                "model file name must equal the kind slug"
            );
        }
    }
}
