//! Maximal sample resources, one per [`ResourceKind`], wired into one small estate.
//!
//! Pack expressions are type-checked against these at load time: every `Option` is `Some`,
//! every `Vec` is non-empty, every enum holds a valid variant (several where the variants
//! serialise to different shapes, e.g. route targets with and without an `id`), and the
//! estate is connected so that the instance is internet-exposed and every kind has the
//! neighbours it can have. The match over [`ResourceKind`] is exhaustive on purpose: adding a
//! kind does not compile until it has a sample here.

mod azure;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use skywarden_graph::model::{
    AccessKey, AccessKeyStatus, AccessLogging, AccountSummary, AclAction, AclEntry, AclGrant,
    AclGroup, AclPermission, AddressDomain, AttachedPolicy, AttachmentStatus, Bucket, BucketAcl,
    BucketAspect, BucketPolicy, ConnectivityType, DbInstance, DbInstanceStatus, DefaultEncryption,
    EbsEncryptionDefault, Effect, ElasticIp, Function, FunctionUrl, FunctionUrlAuth, GranteeType,
    Group, HttpTokens, IcmpTypeCode, Image, ImageBlockDevice, ImageState, Instance, InstanceState,
    InterfaceType, InternetGateway, IpProtocol, KeyManager, KeyPair, KeyState, KeyType, KeyUsage,
    KmsKey, LaunchTemplate, LaunchTemplateBlockDevice, LaunchTemplateData, LoginProfile,
    ManagementEvents, MetadataOptions, MfaDevice, NatGateway, NatGatewayAddress, NatGatewayState,
    NetworkAcl, NetworkInterface, NetworkInterfaceAttachment, NetworkInterfaceStatus,
    ObjectOwnership, PasswordPolicy, Permission, Policy, PolicyCondition, PolicyDocument,
    PolicyEffect, PolicyStatement, PortRange, Principals, PublicAccessBlock, Role, RootDeviceType,
    Route, RouteState, RouteTable, RouteTarget, SecurityGroup, Snapshot, SnapshotState,
    SnapshotStorageTier, SseAlgorithm, Statement, Subnet, Trail, User, Versioning,
    VersioningStatus, VirtualMfaDevice, Volume, VolumeAttachment, VolumeState, VolumeType, Vpc,
};
use skywarden_graph::model::{
    ActionType, DeliverLogsStatus, ElbProtocol, FlowLog, FlowLogResourceType, FlowLogStatus,
    HealthCheck, LbIpAddressType, Listener, ListenerAction, LoadBalancer, LoadBalancerAttributes,
    LoadBalancerScheme, LoadBalancerState, LoadBalancerType, LogDestinationType, PeeringStatus,
    PeeringVpc, RedirectAction, Target, TargetGroup, TargetHealthState, TargetType, TrafficType,
    VpcEndpoint, VpcEndpointState, VpcEndpointType, VpcPeeringConnection,
};
use skywarden_graph::{
    AccountId, GraphError, Inventory, InventoryBuilder, Model, Region, Resource, ResourceId,
    ResourceKind,
};

/// The clock the samples are evaluated at (`now`): 2026-01-01T00:00:00Z.
pub(crate) fn sample_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

/// Ids of the sample estate.
struct Ids {
    account: AccountId,
    region: Region,
    vpc: ResourceId,
    igw: ResourceId,
    subnet: ResourceId,
    route_table: ResourceId,
    security_group: ResourceId,
    instance: ResourceId,
    volume: ResourceId,
    iam_user: ResourceId,
    iam_access_key: ResourceId,
    iam_mfa: ResourceId,
    iam_role: ResourceId,
    iam_policy: ResourceId,
    iam_group: ResourceId,
    iam_password_policy: ResourceId,
    iam_account_summary: ResourceId,
    snapshot: ResourceId,
    image: ResourceId,
    launch_template: ResourceId,
    ebs_encryption_default: ResourceId,
    key_pair: ResourceId,
    kms_key: ResourceId,
    db_instance: ResourceId,
    trail: ResourceId,
    function: ResourceId,
    eni: ResourceId,
    eip: ResourceId,
    nat: ResourceId,
    nacl: ResourceId,
    bucket: ResourceId,
    vpc_endpoint: ResourceId,
    flow_log: ResourceId,
    peering: ResourceId,
    load_balancer: ResourceId,
    listener: ResourceId,
    target_group: ResourceId,
    azure: azure::AzureIds,
}

impl Ids {
    fn new() -> Result<Self, GraphError> {
        let account: AccountId = "123456789012".parse()?;
        let region: Region = "us-east-1".parse()?;
        let id = |t: &str, i: &str| ResourceId::ec2(&region, &account, t, i);
        Ok(Ids {
            vpc: id("vpc", "vpc-0sample")?,
            igw: id("internet-gateway", "igw-0sample")?,
            subnet: id("subnet", "subnet-0sample")?,
            route_table: id("route-table", "rtb-0sample")?,
            security_group: id("security-group", "sg-0sample")?,
            instance: id("instance", "i-0sample")?,
            volume: id("volume", "vol-0sample")?,
            iam_user: format!("arn:aws:iam::{account}:user/sample").parse()?,
            iam_access_key: format!("arn:aws:iam::{account}:user/sample/access-key/AKIASAMPLE")
                .parse()?,
            iam_mfa: format!("arn:aws:iam::{account}:mfa/sample").parse()?,
            iam_role: format!("arn:aws:iam::{account}:role/sample").parse()?,
            iam_policy: format!("arn:aws:iam::{account}:policy/sample").parse()?,
            iam_group: format!("arn:aws:iam::{account}:group/sample").parse()?,
            iam_password_policy: format!("arn:aws:iam::{account}:account-password-policy")
                .parse()?,
            iam_account_summary: format!("arn:aws:iam::{account}:account-summary").parse()?,
            snapshot: id("snapshot", "snap-0sample")?,
            image: id("image", "ami-0sample")?,
            launch_template: id("launch-template", "lt-0sample")?,
            ebs_encryption_default: format!(
                "arn:aws:ec2:{region}:{account}:ebs-encryption-by-default"
            )
            .parse()?,
            key_pair: id("key-pair", "key-0sample")?,
            kms_key: "arn:aws:kms:us-east-1:123456789012:key/0sample".parse()?,
            db_instance: "arn:aws:rds:us-east-1:123456789012:db:sample".parse()?,
            trail: "arn:aws:cloudtrail:us-east-1:123456789012:trail/sample".parse()?,
            function: "arn:aws:lambda:us-east-1:123456789012:function:sample".parse()?,
            eni: id("network-interface", "eni-0sample")?,
            eip: id("elastic-ip", "eipalloc-0sample")?,
            nat: id("natgateway", "nat-0sample")?,
            nacl: id("network-acl", "acl-0sample")?,
            bucket: "arn:aws:s3:::sample-bucket".parse()?,
            vpc_endpoint: id("vpc-endpoint", "vpce-0sample")?,
            flow_log: id("vpc-flow-log", "fl-0sample")?,
            peering: id("vpc-peering-connection", "pcx-0sample")?,
            load_balancer: format!("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/sample/0sample").parse()?,
            listener: format!("arn:aws:elasticloadbalancing:{region}:{account}:listener/app/sample/0sample/0listener").parse()?,
            target_group: format!("arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/sample/0sample").parse()?,
            azure: azure::AzureIds::new()?,
            account,
            region,
        })
    }

    fn resource<M: Model>(&self, id: &ResourceId, model: M) -> Resource {
        let tags = BTreeMap::from([
            ("Name".to_string(), format!("sample-{}", id.short_id())),
            ("owner".to_string(), "platform".to_string()),
        ]);
        Resource::new(
            id.clone(),
            self.account.clone(),
            self.region.clone(),
            tags,
            model,
        )
    }
}

fn world_permission(protocol: IpProtocol, from: Option<i32>, to: Option<i32>) -> Permission {
    Permission {
        protocol,
        from_port: from,
        to_port: to,
        ipv4_ranges: vec!["0.0.0.0/0".into()],
        ipv6_ranges: vec!["::/0".into()],
        prefix_lists: vec!["pl-0sample".into()],
        referenced_groups: vec!["sg-0other".into()],
    }
}

fn route(destination: &str, target: RouteTarget) -> Route {
    Route {
        destination_cidr: Some(destination.into()),
        destination_ipv6_cidr: Some("2001:db8::/56".into()),
        destination_prefix_list: Some("pl-0sample".into()),
        target,
        state: RouteState::Active,
    }
}

fn sample_document() -> PolicyDocument {
    PolicyDocument {
        version: Some("2012-10-17".into()),
        statements: vec![Statement {
            sid: Some("Sample".into()),
            effect: Effect::Allow,
            actions: vec!["sts:AssumeRole".into()],
            not_action: false,
            resources: vec!["*".into()],
            not_resource: false,
            principal: Some(Principals {
                any: false,
                aws: vec!["arn:aws:iam::111122223333:root".into()],
                service: vec!["ec2.amazonaws.com".into()],
                federated: vec!["cognito-identity.amazonaws.com".into()],
                canonical_user: vec![
                    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".into(),
                ],
            }),
            not_principal: false,
            conditions: vec!["StringEquals/sts:ExternalId".into()],
        }],
    }
}

fn sample_attached(ids: &Ids) -> Vec<AttachedPolicy> {
    vec![AttachedPolicy {
        name: "sample".into(),
        arn: ids.iam_policy.to_string(),
        local: Some(ids.iam_policy.clone()),
    }]
}

/// The sample resource of `kind`.
fn sample(kind: ResourceKind, ids: &Ids) -> Resource {
    let created = sample_now() - chrono::Duration::days(400);
    match kind {
        ResourceKind::AwsEc2Vpc => ids.resource(
            &ids.vpc,
            Vpc {
                vpc_id: ids.vpc.short_id().into(),
                cidr_block: Some("10.0.0.0/16".into()),
                is_default: false,
                state: Some("available".into()),
            },
        ),
        ResourceKind::AwsEc2Subnet => ids.resource(
            &ids.subnet,
            Subnet {
                subnet_id: ids.subnet.short_id().into(),
                vpc: ids.vpc.clone(),
                cidr_block: Some("10.0.1.0/24".into()),
                availability_zone: Some("us-east-1a".into()),
                map_public_ip_on_launch: true,
                default_for_az: false,
            },
        ),
        ResourceKind::AwsEc2RouteTable => ids.resource(
            &ids.route_table,
            RouteTable {
                route_table_id: ids.route_table.short_id().into(),
                vpc: ids.vpc.clone(),
                main: true,
                subnets: vec![ids.subnet.clone()],
                routes: vec![
                    route("10.0.0.0/16", RouteTarget::Local),
                    route("0.0.0.0/0", RouteTarget::InternetGateway(ids.igw.clone())),
                    route("10.9.0.0/16", RouteTarget::NatGateway(ids.nat.clone())),
                    route(
                        "10.10.0.0/16",
                        RouteTarget::VpcPeeringConnection(ids.peering.clone()),
                    ),
                    route(
                        "10.11.0.0/16",
                        RouteTarget::VpcEndpoint(ids.vpc_endpoint.clone()),
                    ),
                    route(
                        "10.12.0.0/16",
                        RouteTarget::NetworkInterface(ids.eni.clone()),
                    ),
                    route("10.13.0.0/16", RouteTarget::Other("cagw-0sample".into())),
                ],
            },
        ),
        ResourceKind::AwsEc2InternetGateway => ids.resource(
            &ids.igw,
            InternetGateway {
                internet_gateway_id: ids.igw.short_id().into(),
                attached_vpcs: vec![ids.vpc.clone()],
            },
        ),
        ResourceKind::AwsEc2SecurityGroup => ids.resource(
            &ids.security_group,
            SecurityGroup {
                group_id: ids.security_group.short_id().into(),
                group_name: "sample".into(),
                description: Some("sample group".into()),
                vpc: Some(ids.vpc.clone()),
                ingress: vec![
                    world_permission(IpProtocol::Tcp, Some(22), Some(22)),
                    // EC2 leaves the ports out for -1; set here so their type is known.
                    world_permission(IpProtocol::All, Some(-1), Some(-1)),
                    world_permission(IpProtocol::Other("50".into()), Some(-1), Some(-1)),
                ],
                egress: vec![world_permission(IpProtocol::All, Some(-1), Some(-1))],
            },
        ),
        ResourceKind::AwsEc2Instance => ids.resource(
            &ids.instance,
            Instance {
                instance_id: ids.instance.short_id().into(),
                instance_type: Some("t3.micro".into()),
                state: InstanceState::Running,
                vpc: Some(ids.vpc.clone()),
                subnet: Some(ids.subnet.clone()),
                private_ip: Some("10.0.1.10".into()),
                public_ip: Some("198.51.100.10".into()),
                security_groups: vec![ids.security_group.clone()],
                image_id: Some("ami-0sample".into()),
                launch_time: Some(created),
                metadata: MetadataOptions {
                    http_tokens: Some(HttpTokens::Optional),
                    http_endpoint_enabled: true,
                    http_put_response_hop_limit: Some(2),
                },
                volumes: vec![ids.volume.clone()],
            },
        ),
        ResourceKind::AwsEbsVolume => ids.resource(
            &ids.volume,
            Volume {
                volume_id: ids.volume.short_id().into(),
                volume_type: VolumeType::Gp3,
                size_gib: 100,
                iops: Some(3000),
                throughput_mibps: Some(125),
                encrypted: true,
                kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/sample".into()),
                state: VolumeState::InUse,
                availability_zone: Some("us-east-1a".into()),
                snapshot_id: Some("snap-0sample".into()),
                create_time: Some(created),
                attachments: vec![VolumeAttachment {
                    instance: ids.instance.clone(),
                    device: Some("/dev/xvda".into()),
                    delete_on_termination: true,
                }],
            },
        ),
        ResourceKind::AwsIamUser => ids.resource(
            &ids.iam_user,
            User {
                user_name: "sample".into(),
                user_id: "AIDASAMPLE".into(),
                path: "/".into(),
                create_date: Some(created),
                password_last_used: Some(created),
                login_profile: Some(LoginProfile {
                    created: Some(created),
                    password_reset_required: false,
                }),
                mfa_devices: vec![MfaDevice {
                    serial_number: ids.iam_mfa.to_string(),
                    enable_date: Some(created),
                }],
                attached_policies: sample_attached(ids),
                inline_policies: vec!["sample-inline".into()],
                groups: vec![ids.iam_group.clone()],
            },
        ),
        ResourceKind::AwsIamAccessKey => ids.resource(
            &ids.iam_access_key,
            AccessKey {
                access_key_id: "AKIASAMPLE".into(),
                user_name: "sample".into(),
                user: ids.iam_user.clone(),
                status: AccessKeyStatus::Active,
                create_date: Some(created),
                last_used_date: Some(created),
                last_used_service: Some("s3".into()),
                last_used_region: Some("us-east-1".into()),
            },
        ),
        ResourceKind::AwsIamVirtualMfaDevice => ids.resource(
            &ids.iam_mfa,
            VirtualMfaDevice {
                serial_number: ids.iam_mfa.to_string(),
                user: Some(ids.iam_user.clone()),
                user_name: Some("sample".into()),
                assigned_to_root: false,
                enable_date: Some(created),
            },
        ),
        ResourceKind::AwsIamRole => ids.resource(
            &ids.iam_role,
            Role {
                role_name: "sample".into(),
                role_id: "AROASAMPLE".into(),
                path: "/".into(),
                create_date: Some(created),
                max_session_duration_s: Some(3600),
                trust_policy: Some(sample_document()),
                attached_policies: sample_attached(ids),
                inline_policies: vec!["sample-inline".into()],
                last_used: Some(created),
                last_used_region: Some("us-east-1".into()),
            },
        ),
        ResourceKind::AwsIamPolicy => ids.resource(
            &ids.iam_policy,
            Policy {
                policy_name: "sample".into(),
                policy_id: "ANPASAMPLE".into(),
                path: "/".into(),
                description: Some("sample policy".into()),
                default_version_id: Some("v1".into()),
                attachment_count: 3,
                is_attachable: true,
                create_date: Some(created),
                update_date: Some(created),
                document: Some(sample_document()),
            },
        ),
        ResourceKind::AwsIamGroup => ids.resource(
            &ids.iam_group,
            Group {
                group_name: "sample".into(),
                group_id: "AGPASAMPLE".into(),
                path: "/".into(),
                create_date: Some(created),
                attached_policies: sample_attached(ids),
                inline_policies: vec!["sample-inline".into()],
            },
        ),
        ResourceKind::AwsIamPasswordPolicy => ids.resource(
            &ids.iam_password_policy,
            PasswordPolicy {
                configured: true,
                minimum_length: Some(14),
                require_symbols: true,
                require_numbers: true,
                require_uppercase: true,
                require_lowercase: true,
                allow_users_to_change: true,
                expire_passwords: true,
                max_age_days: Some(90),
                reuse_prevention: Some(24),
                hard_expiry: false,
            },
        ),
        ResourceKind::AwsIamAccountSummary => ids.resource(
            &ids.iam_account_summary,
            AccountSummary {
                root_mfa_enabled: true,
                root_access_keys_present: false,
                root_signing_certificates_present: false,
                users: 1,
                groups: 1,
                roles: 1,
                policies: 1,
                mfa_devices: 1,
                mfa_devices_in_use: 1,
                summary: BTreeMap::from([
                    ("Users".to_string(), 1),
                    ("AccountMFAEnabled".to_string(), 1),
                ]),
            },
        ),
        ResourceKind::AwsEbsSnapshot => ids.resource(
            &ids.snapshot,
            Snapshot {
                snapshot_id: ids.snapshot.short_id().into(),
                volume: Some(ids.volume.clone()),
                volume_size_gib: 100,
                encrypted: false,
                kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/sample".into()),
                state: SnapshotState::Completed,
                start_time: Some(created),
                description: Some("sample snapshot".into()),
                storage_tier: SnapshotStorageTier::Standard,
                public: true,
            },
        ),
        ResourceKind::AwsEc2Image => ids.resource(
            &ids.image,
            Image {
                image_id: ids.image.short_id().into(),
                name: Some("sample-image".into()),
                state: ImageState::Available,
                public: true,
                creation_date: Some(created),
                root_device_type: Some(RootDeviceType::Ebs),
                root_device_name: Some("/dev/xvda".into()),
                block_devices: vec![ImageBlockDevice {
                    device_name: Some("/dev/xvda".into()),
                    snapshot: Some(ids.snapshot.clone()),
                    volume_size_gib: Some(8),
                    volume_type: Some(VolumeType::Gp3),
                    encrypted: Some(false),
                }],
                deprecation_time: Some(sample_now() + chrono::Duration::days(365)),
            },
        ),
        ResourceKind::AwsEc2LaunchTemplate => ids.resource(
            &ids.launch_template,
            LaunchTemplate {
                launch_template_id: ids.launch_template.short_id().into(),
                name: Some("sample-template".into()),
                create_time: Some(created),
                default_version: Some(1),
                latest_version: Some(2),
                default: Some(LaunchTemplateData {
                    version: Some(1),
                    image_id: Some(ids.image.short_id().into()),
                    image: Some(ids.image.clone()),
                    instance_type: Some("t3.micro".into()),
                    http_tokens: Some(HttpTokens::Optional),
                    http_endpoint_enabled: Some(true),
                    security_groups: vec![ids.security_group.clone()],
                    associate_public_ip: Some(true),
                    block_devices: vec![LaunchTemplateBlockDevice {
                        device_name: Some("/dev/xvda".into()),
                        encrypted: Some(false),
                        volume_type: Some(VolumeType::Gp2),
                        volume_size_gib: Some(8),
                    }],
                }),
            },
        ),
        ResourceKind::AwsEc2EbsEncryptionDefault => ids.resource(
            &ids.ebs_encryption_default,
            EbsEncryptionDefault { enabled: false },
        ),
        ResourceKind::AwsEc2KeyPair => ids.resource(
            &ids.key_pair,
            KeyPair {
                key_pair_id: ids.key_pair.short_id().into(),
                key_name: "sample-key".into(),
                fingerprint: Some(
                    "1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f".into(),
                ),
                key_type: KeyType::Ed25519,
                create_time: Some(created),
            },
        ),
        ResourceKind::AwsKmsKey => ids.resource(
            &ids.kms_key,
            KmsKey {
                key_id: ids.kms_key.short_id().into(),
                manager: KeyManager::Customer,
                state: KeyState::Enabled,
                key_spec: KmsKey::SYMMETRIC_DEFAULT.into(),
                usage: KeyUsage::EncryptDecrypt,
                rotation_enabled: Some(false),
                description: Some("sample key".into()),
                creation_date: Some(created),
                aliases: vec!["alias/sample".into()],
            },
        ),
        ResourceKind::AwsRdsDbInstance => ids.resource(
            &ids.db_instance,
            DbInstance {
                db_instance_identifier: "sample".into(),
                engine: "postgres".into(),
                engine_version: Some("16.3".into()),
                instance_class: Some("db.t3.micro".into()),
                status: DbInstanceStatus::Available,
                publicly_accessible: true,
                storage_encrypted: true,
                kms_key: Some(ids.kms_key.clone()),
                backup_retention_days: 1,
                multi_az: false,
                deletion_protection: false,
                auto_minor_version_upgrade: false,
                vpc: Some(ids.vpc.clone()),
                subnets: vec![ids.subnet.clone()],
                security_groups: vec![ids.security_group.clone()],
                endpoint_address: Some("sample.abc.us-east-1.rds.amazonaws.com".into()),
                endpoint_port: Some(5432),
                created: Some(created),
            },
        ),
        ResourceKind::AwsCloudtrailTrail => ids.resource(
            &ids.trail,
            Trail {
                name: "sample".into(),
                home_region: ids.region.clone(),
                multi_region: true,
                organization_trail: false,
                log_file_validation: false,
                is_logging: true,
                s3_bucket_name: Some("sample-trail-logs".into()),
                // TODO(lead): point at the S3 bucket sample once the bucket kind is merged;
                // until then any other sample id keeps the estate free of dangling edges.
                s3_bucket: Some(ids.kms_key.clone()),
                kms_key: Some(ids.kms_key.clone()),
                cloudwatch_logs_log_group: Some(
                    "arn:aws:logs:us-east-1:123456789012:log-group:trail:*".into(),
                ),
                include_global_service_events: true,
                management_events: Some(ManagementEvents {
                    read: true,
                    write: true,
                    advanced: false,
                }),
            },
        ),
        ResourceKind::AwsLambdaFunction => ids.resource(
            &ids.function,
            Function {
                function_name: "sample".into(),
                runtime: Some("python3.8".into()),
                handler: Some("app.handler".into()),
                role: Some(
                    "arn:aws:iam::123456789012:role/sample"
                        .parse()
                        .unwrap_or_else(|_| ids.kms_key.clone()),
                ),
                memory_mb: Some(128),
                timeout_s: Some(3),
                last_modified: Some(created),
                vpc: Some(ids.vpc.clone()),
                subnets: vec![ids.subnet.clone()],
                security_groups: vec![ids.security_group.clone()],
                url: Some(FunctionUrl {
                    url: "https://sample.lambda-url.us-east-1.on.aws/".into(),
                    auth_type: FunctionUrlAuth::None,
                }),
                environment_variable_names: vec!["LOG_LEVEL".into()],
            },
        ),
        ResourceKind::AwsEc2NetworkInterface => ids.resource(
            &ids.eni,
            NetworkInterface {
                network_interface_id: ids.eni.short_id().into(),
                interface_type: InterfaceType::Interface,
                status: NetworkInterfaceStatus::InUse,
                requester_managed: false,
                requester_id: Some("AIDASAMPLE".into()),
                description: Some("Primary network interface".into()),
                vpc: Some(ids.vpc.clone()),
                subnet: Some(ids.subnet.clone()),
                availability_zone: Some("us-east-1a".into()),
                security_groups: vec![ids.security_group.clone()],
                private_ips: vec!["10.0.1.10".into()],
                public_ip: Some("198.51.100.10".into()),
                attachment: Some(NetworkInterfaceAttachment {
                    instance: Some(ids.instance.clone()),
                    instance_owner_id: Some(ids.account.to_string()),
                    device_index: Some(0),
                    status: AttachmentStatus::Attached,
                    delete_on_termination: true,
                }),
            },
        ),
        ResourceKind::AwsEc2ElasticIp => ids.resource(
            &ids.eip,
            ElasticIp {
                allocation_id: ids.eip.short_id().into(),
                public_ip: "198.51.100.10".into(),
                association_id: Some("eipassoc-0sample".into()),
                instance: Some(ids.instance.clone()),
                network_interface: Some(ids.eni.clone()),
                network_interface_owner_id: Some(ids.account.to_string()),
                private_ip: Some("10.0.1.10".into()),
                domain: AddressDomain::Vpc,
                network_border_group: Some("us-east-1".into()),
                public_ipv4_pool: Some("amazon".into()),
            },
        ),
        ResourceKind::AwsEc2NatGateway => ids.resource(
            &ids.nat,
            NatGateway {
                nat_gateway_id: ids.nat.short_id().into(),
                state: NatGatewayState::Available,
                vpc: ids.vpc.clone(),
                subnet: ids.subnet.clone(),
                connectivity_type: ConnectivityType::Public,
                addresses: vec![NatGatewayAddress {
                    public_ip: Some("198.51.100.11".into()),
                    private_ip: Some("10.0.1.11".into()),
                    allocation: Some(ids.eip.clone()),
                    network_interface: Some(ids.eni.clone()),
                    is_primary: true,
                }],
                create_time: Some(created),
            },
        ),
        ResourceKind::AwsEc2NetworkAcl => ids.resource(
            &ids.nacl,
            NetworkAcl {
                network_acl_id: ids.nacl.short_id().into(),
                vpc: ids.vpc.clone(),
                is_default: true,
                entries: vec![
                    AclEntry {
                        rule_number: 100,
                        egress: false,
                        protocol: IpProtocol::Tcp,
                        action: AclAction::Allow,
                        cidr_ipv4: Some("0.0.0.0/0".into()),
                        cidr_ipv6: Some("::/0".into()),
                        port_range: Some(PortRange { from: 22, to: 22 }),
                        icmp: Some(IcmpTypeCode {
                            icmp_type: -1,
                            code: -1,
                        }),
                    },
                    AclEntry {
                        rule_number: 100,
                        egress: true,
                        protocol: IpProtocol::Tcp,
                        action: AclAction::Allow,
                        cidr_ipv4: Some("0.0.0.0/0".into()),
                        cidr_ipv6: Some("::/0".into()),
                        port_range: Some(PortRange {
                            from: 1024,
                            to: 65535,
                        }),
                        icmp: Some(IcmpTypeCode {
                            icmp_type: -1,
                            code: -1,
                        }),
                    },
                ],
                subnets: vec![ids.subnet.clone()],
            },
        ),
        ResourceKind::AwsEc2VpcEndpoint => ids.resource(
            &ids.vpc_endpoint,
            VpcEndpoint {
                vpc_endpoint_id: ids.vpc_endpoint.short_id().into(),
                endpoint_type: VpcEndpointType::Gateway,
                service_name: Some("com.amazonaws.us-east-1.s3".into()),
                vpc: ids.vpc.clone(),
                state: VpcEndpointState::Available,
                route_tables: vec![ids.route_table.clone()],
                subnets: vec![ids.subnet.clone()],
                security_groups: vec![ids.security_group.clone()],
                network_interfaces: vec![ids.eni.clone()],
                private_dns_enabled: true,
                dns_names: vec!["vpce-0sample.s3.us-east-1.vpce.amazonaws.com".into()],
                policy: Some(sample_document()),
                policy_error: Some("policy document is not JSON".into()),
                owner_id: Some(ids.account.to_string()),
                requester_managed: false,
                creation_time: Some(created),
            },
        ),
        ResourceKind::AwsEc2FlowLog => ids.resource(
            &ids.flow_log,
            FlowLog {
                flow_log_id: ids.flow_log.short_id().into(),
                resource_id: ids.vpc.short_id().into(),
                resource_type: FlowLogResourceType::Vpc,
                resource: Some(ids.vpc.clone()),
                traffic_type: Some(TrafficType::All),
                log_destination_type: LogDestinationType::S3,
                log_destination: Some("arn:aws:s3:::sample-bucket/flows/".into()),
                log_group_name: Some("sample-flows".into()),
                destination_bucket: Some(ids.bucket.clone()),
                deliver_logs_status: DeliverLogsStatus::Success,
                deliver_logs_error_message: Some("Access error".into()),
                flow_log_status: FlowLogStatus::Active,
                log_format: Some("${version} ${account-id} ${srcaddr} ${dstaddr}".into()),
                max_aggregation_interval: Some(600),
                creation_time: Some(created),
            },
        ),
        ResourceKind::AwsEc2VpcPeeringConnection => {
            let side = |cidr: &str| PeeringVpc {
                vpc_id: Some(ids.vpc.short_id().into()),
                owner_id: Some(ids.account.to_string()),
                region: Some(ids.region.clone()),
                vpc: Some(ids.vpc.clone()),
                cidr_blocks: vec![cidr.into()],
                ipv6_cidr_blocks: vec!["2600:1f18::/56".into()],
            };
            ids.resource(
                &ids.peering,
                VpcPeeringConnection {
                    vpc_peering_connection_id: ids.peering.short_id().into(),
                    status: PeeringStatus::Active,
                    status_message: Some("Active".into()),
                    // One VPC in the estate: both sides are it, so the estate has no dangling edge.
                    requester: side("10.0.0.0/16"),
                    accepter: side("10.0.0.0/16"),
                    expiration_time: Some(created),
                },
            )
        }
        ResourceKind::AwsS3Bucket => {
            let statement = |effect, everyone| PolicyStatement {
                sid: Some("Sample".into()),
                effect,
                principal_everyone: everyone,
                principals: vec!["*".into()],
                not_principal: false,
                actions: vec!["s3:*".into()],
                not_actions: vec!["s3:DeleteBucket".into()],
                resources: vec!["arn:aws:s3:::sample-bucket/*".into()],
                conditions: vec![PolicyCondition {
                    operator: "Bool".into(),
                    key: "aws:SecureTransport".into(),
                    values: vec!["false".into()],
                }],
            };
            let model = Bucket {
                name: "sample-bucket".into(),
                location: Some(ids.region.clone()),
                creation_date: Some(created),
                default_encryption: Some(DefaultEncryption {
                    algorithm: SseAlgorithm::AwsKms,
                    kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/sample".into()),
                    bucket_key_enabled: true,
                }),
                public_access_block: Some(PublicAccessBlock {
                    block_public_acls: true,
                    ignore_public_acls: true,
                    block_public_policy: true,
                    restrict_public_buckets: false,
                }),
                policy_is_public: Some(false),
                policy: Some(BucketPolicy {
                    document: "{}".into(),
                    statements: vec![
                        statement(PolicyEffect::Deny, true),
                        statement(PolicyEffect::Allow, false),
                    ],
                }),
                acl: Some(BucketAcl {
                    owner_id: Some("sample-owner".into()),
                    grants: vec![
                        AclGrant {
                            grantee_type: GranteeType::CanonicalUser,
                            grantee: Some("sample-owner".into()),
                            group: Some(AclGroup::Other),
                            permission: AclPermission::FullControl,
                        },
                        AclGrant {
                            grantee_type: GranteeType::Group,
                            grantee: Some("http://acs.amazonaws.com/groups/global/AllUsers".into()),
                            group: Some(AclGroup::AllUsers),
                            permission: AclPermission::Read,
                        },
                    ],
                }),
                versioning: Some(Versioning {
                    status: VersioningStatus::Enabled,
                    mfa_delete: false,
                }),
                logging: Some(AccessLogging {
                    target_bucket: "sample-logs".into(),
                    target_prefix: Some("sample-bucket/".into()),
                }),
                object_ownership: Some(ObjectOwnership::BucketOwnerPreferred),
                unreadable: vec![BucketAspect::OwnershipControls],
            };
            let mut r = ids.resource(&ids.bucket, model);
            r.region = Region::global();
            r
        }
        ResourceKind::AwsElbv2LoadBalancer => ids.resource(
            &ids.load_balancer,
            LoadBalancer {
                load_balancer_name: "sample".into(),
                lb_type: LoadBalancerType::Application,
                scheme: LoadBalancerScheme::InternetFacing,
                state: LoadBalancerState::Active,
                state_reason: Some("provisioned".into()),
                vpc: Some(ids.vpc.clone()),
                subnets: vec![ids.subnet.clone()],
                availability_zones: vec!["us-east-1a".into()],
                security_groups: vec![ids.security_group.clone()],
                dns_name: Some("sample-1.us-east-1.elb.amazonaws.com".into()),
                canonical_hosted_zone_id: Some("Z35SXDOTRQ7X7K".into()),
                created: Some(created),
                ip_address_type: LbIpAddressType::Ipv4,
                attributes: LoadBalancerAttributes {
                    deletion_protection: Some(false),
                    access_logs_enabled: Some(true),
                    access_logs_bucket: Some("sample-logs".into()),
                    drop_invalid_header_fields: Some(false),
                },
            },
        ),
        ResourceKind::AwsElbv2Listener => ids.resource(
            &ids.listener,
            Listener {
                load_balancer: ids.load_balancer.clone(),
                port: Some(443),
                protocol: ElbProtocol::Https,
                ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
                certificates: vec!["arn:aws:acm:us-east-1:123456789012:certificate/sample".into()],
                default_actions: vec![ListenerAction {
                    action_type: ActionType::Forward,
                    order: Some(1),
                    target_groups: vec![ids.target_group.clone()],
                    redirect: Some(RedirectAction {
                        protocol: Some("HTTPS".into()),
                        port: Some("443".into()),
                        host: Some("#{host}".into()),
                        path: Some("/#{path}".into()),
                        query: Some("#{query}".into()),
                        status_code: Some("HTTP_301".into()),
                    }),
                }],
                alpn_policy: vec!["HTTP2Preferred".into()],
            },
        ),
        ResourceKind::AwsElbv2TargetGroup => ids.resource(
            &ids.target_group,
            TargetGroup {
                target_group_name: "sample".into(),
                protocol: Some(ElbProtocol::Http),
                port: Some(80),
                protocol_version: Some("HTTP1".into()),
                target_type: TargetType::Instance,
                vpc: Some(ids.vpc.clone()),
                load_balancers: vec![ids.load_balancer.clone()],
                health_check: HealthCheck {
                    enabled: Some(true),
                    protocol: Some(ElbProtocol::Http),
                    port: Some("traffic-port".into()),
                    path: Some("/health".into()),
                    interval_seconds: Some(30),
                    timeout_seconds: Some(5),
                    healthy_threshold: Some(5),
                    unhealthy_threshold: Some(2),
                    matcher: Some("200".into()),
                },
                targets: vec![Target {
                    id: ids.instance.short_id().into(),
                    instance: Some(ids.instance.clone()),
                    port: Some(80),
                    availability_zone: Some("us-east-1a".into()),
                    state: TargetHealthState::Healthy,
                    reason: Some("Target.ResponseCodeMismatch".into()),
                    description: Some("Health checks failed".into()),
                }],
            },
        ),
        ResourceKind::AzureResourcesSubscription => ids.azure.subscription(),
        ResourceKind::AzureResourcesResourceGroup => ids.azure.resource_group(),
        ResourceKind::AzureComputeVirtualMachine => ids.azure.virtual_machine(),
        ResourceKind::AzureComputeDisk => ids.azure.disk(),
        ResourceKind::AzureComputeSnapshot => ids.azure.snapshot(),
        ResourceKind::AzureNetworkInterface => ids.azure.network_interface(),
        ResourceKind::AzureNetworkPublicIpAddress => ids.azure.public_ip_address(),
        ResourceKind::AzureNetworkVirtualNetwork => ids.azure.virtual_network(),
        ResourceKind::AzureNetworkSubnet => ids.azure.subnet(),
        ResourceKind::AzureNetworkSecurityGroup => ids.azure.network_security_group(),
        ResourceKind::AzureNetworkLoadBalancer => ids.azure.load_balancer(),
        ResourceKind::AzureStorageAccount => ids.azure.storage_account(),
        ResourceKind::AzureKeyvaultVault => ids.azure.key_vault(),
        ResourceKind::AzureSqlServer => ids.azure.sql_server(),
    }
}

/// The sample estate: one sample of every kind, connected; the AWS instance, the Azure VM
/// and the Azure load balancer are exposed.
pub(crate) fn estate() -> Result<Inventory, GraphError> {
    let ids = Ids::new()?;
    let mut b = InventoryBuilder::new();
    b.extend(ResourceKind::ALL.iter().map(|k| sample(*k, &ids)));
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use skywarden_graph::topology;

    use super::*;

    #[test]
    fn one_sample_per_kind_all_connected_and_instance_exposed() {
        let inv = estate().unwrap();
        for k in ResourceKind::ALL {
            assert_eq!(inv.count_of(*k), 1, "{k}");
        }
        assert!(inv.dangling().is_empty(), "{:?}", inv.dangling());
        // The AWS instance, the Azure VM (its NIC's public IP) and the Azure load balancer.
        let exposures = topology::exposures(&inv);
        let exposed: Vec<&str> = exposures.iter().map(|e| e.resource.short_id()).collect();
        assert_eq!(exposed, ["sample-vm", "sample-lb", "i-0sample"]);
    }

    #[test]
    fn samples_are_maximal() {
        // Every JSON null would hide a field's type from the load-time check.
        fn no_nulls(path: &str, v: &serde_json::Value) {
            match v {
                serde_json::Value::Null => panic!("{path} is null"),
                serde_json::Value::Array(a) => {
                    assert!(!a.is_empty(), "{path} is empty");
                    a.iter().for_each(|x| no_nulls(path, x));
                }
                serde_json::Value::Object(m) => m
                    .iter()
                    .for_each(|(k, x)| no_nulls(&format!("{path}.{k}"), x)),
                _ => {}
            }
        }
        for r in estate().unwrap().resources() {
            no_nulls(r.kind().as_str(), &serde_json::to_value(r).unwrap());
        }
    }
}
