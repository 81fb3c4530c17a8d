//! Builders of small typed estates for tests, here and in downstream crates (enable the
//! `testkit` feature as a dev-dependency). Not part of the runtime API.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;

use crate::model::{
    EbsEncryptionDefault, HttpTokens, Image, ImageBlockDevice, ImageState, Instance, InstanceState,
    InternetGateway, IpProtocol, LaunchTemplate, LaunchTemplateData, MetadataOptions, Model,
    Permission, RootDeviceType, Route, RouteState, RouteTable, RouteTarget, SecurityGroup,
    Snapshot, SnapshotState, SnapshotStorageTier, Subnet, Volume, VolumeAttachment, VolumeState,
    VolumeType, Vpc,
};
use crate::{AccountId, Region, Resource, ResourceId};

pub fn account() -> AccountId {
    "123456789012".parse().unwrap()
}
pub fn region() -> Region {
    "us-east-1".parse().unwrap()
}
pub fn ec2_id(resource_type: &str, id: &str) -> ResourceId {
    ResourceId::ec2(&region(), &account(), resource_type, id).unwrap()
}
pub fn resource<M: Model>(id: ResourceId, model: M) -> Resource {
    Resource::new(id, account(), region(), BTreeMap::new(), model)
}

pub fn sg_perm(
    protocol: &str,
    from: Option<i32>,
    to: Option<i32>,
    v4: &[&str],
    v6: &[&str],
) -> Permission {
    Permission {
        protocol: IpProtocol::parse(protocol),
        from_port: from,
        to_port: to,
        ipv4_ranges: v4.iter().map(|s| s.to_string()).collect(),
        ipv6_ranges: v6.iter().map(|s| s.to_string()).collect(),
        prefix_lists: vec![],
        referenced_groups: vec![],
    }
}

pub fn sg(group_id: &str, ingress: Vec<Permission>) -> Resource {
    resource(
        ec2_id("security-group", group_id),
        SecurityGroup {
            group_id: group_id.into(),
            group_name: group_id.into(),
            description: None,
            vpc: None,
            ingress,
            egress: vec![],
        },
    )
}

/// A running instance with IMDSv2 enforced, no network placement; `f` adjusts it.
pub fn instance(instance_id: &str, f: impl FnOnce(&mut Instance)) -> Resource {
    let mut i = Instance {
        instance_id: instance_id.into(),
        instance_type: Some("t3.micro".into()),
        state: InstanceState::Running,
        vpc: None,
        subnet: None,
        private_ip: None,
        public_ip: None,
        security_groups: vec![],
        image_id: None,
        launch_time: None,
        metadata: MetadataOptions {
            http_tokens: Some(HttpTokens::Required),
            http_endpoint_enabled: true,
            http_put_response_hop_limit: Some(2),
        },
        volumes: vec![],
    };
    f(&mut i);
    resource(ec2_id("instance", instance_id), i)
}

/// An encrypted 100 GiB gp3 volume attached to `i-1`; `f` adjusts it.
pub fn volume(volume_id: &str, f: impl FnOnce(&mut Volume)) -> Resource {
    let mut v = Volume {
        volume_id: volume_id.into(),
        volume_type: VolumeType::Gp3,
        size_gib: 100,
        iops: Some(3000),
        throughput_mibps: Some(125),
        encrypted: true,
        kms_key_id: None,
        state: VolumeState::InUse,
        availability_zone: Some("us-east-1a".into()),
        snapshot_id: None,
        create_time: None,
        attachments: vec![VolumeAttachment {
            instance: ec2_id("instance", "i-1"),
            device: Some("/dev/xvda".into()),
            delete_on_termination: true,
        }],
    };
    f(&mut v);
    resource(ec2_id("volume", volume_id), v)
}

/// A completed, encrypted, private 100 GiB snapshot of `vol-1` with no start time; `f`
/// adjusts it.
pub fn snapshot(snapshot_id: &str, f: impl FnOnce(&mut Snapshot)) -> Resource {
    let mut s = Snapshot {
        snapshot_id: snapshot_id.into(),
        volume: Some(ec2_id("volume", "vol-1")),
        volume_size_gib: 100,
        encrypted: true,
        kms_key_id: None,
        state: SnapshotState::Completed,
        start_time: None,
        description: None,
        storage_tier: SnapshotStorageTier::Standard,
        public: false,
    };
    f(&mut s);
    resource(ec2_id("snapshot", snapshot_id), s)
}

/// An available private EBS-backed AMI on snapshot `snap-1`; `f` adjusts it.
pub fn image(image_id: &str, f: impl FnOnce(&mut Image)) -> Resource {
    let mut i = Image {
        image_id: image_id.into(),
        name: Some(format!("{image_id}-name")),
        state: ImageState::Available,
        public: false,
        creation_date: None,
        root_device_type: Some(RootDeviceType::Ebs),
        root_device_name: Some("/dev/xvda".into()),
        block_devices: vec![ImageBlockDevice {
            device_name: Some("/dev/xvda".into()),
            snapshot: Some(ec2_id("snapshot", "snap-1")),
            volume_size_gib: Some(8),
            volume_type: Some(VolumeType::Gp3),
            encrypted: Some(true),
        }],
        deprecation_time: None,
    };
    f(&mut i);
    resource(ec2_id("image", image_id), i)
}

/// A launch template whose default version (1) requires IMDSv2 and sets nothing else; `f`
/// adjusts it.
pub fn launch_template(template_id: &str, f: impl FnOnce(&mut LaunchTemplate)) -> Resource {
    let mut t = LaunchTemplate {
        launch_template_id: template_id.into(),
        name: Some(template_id.into()),
        create_time: None,
        default_version: Some(1),
        latest_version: Some(1),
        default: Some(LaunchTemplateData {
            version: Some(1),
            image_id: None,
            image: None,
            instance_type: None,
            http_tokens: Some(HttpTokens::Required),
            http_endpoint_enabled: Some(true),
            security_groups: vec![],
            associate_public_ip: None,
            block_devices: vec![],
        }),
    };
    f(&mut t);
    resource(ec2_id("launch-template", template_id), t)
}

/// The EBS encryption-by-default setting of the test region.
pub fn ebs_encryption_default(enabled: bool) -> Resource {
    let id = format!(
        "arn:aws:ec2:{}:{}:ebs-encryption-by-default",
        region(),
        account()
    );
    resource(id.parse().unwrap(), EbsEncryptionDefault { enabled })
}

/// A VPC `vpc-1` with internet gateway `igw-1`, subnets `subnet-pub` and `subnet-priv`, a
/// main route table `rtb-main` (local route only) and `rtb-pub` (0.0.0.0/0 -> igw-1).
/// `rtb-pub` is explicitly associated with `subnet-pub` when `public_assoc`; otherwise both
/// subnets fall back to the main table and nothing is internet-routable.
pub fn network(public_assoc: bool) -> Vec<Resource> {
    let vpc = ec2_id("vpc", "vpc-1");
    let igw = ec2_id("internet-gateway", "igw-1");
    let pub_sn = ec2_id("subnet", "subnet-pub");
    let default_route = |target| Route {
        destination_cidr: Some("0.0.0.0/0".into()),
        destination_ipv6_cidr: None,
        destination_prefix_list: None,
        target,
        state: RouteState::Active,
    };
    let subnet = |sid: &str| {
        resource(
            ec2_id("subnet", sid),
            Subnet {
                subnet_id: sid.into(),
                vpc: vpc.clone(),
                cidr_block: None,
                availability_zone: None,
                map_public_ip_on_launch: true,
                default_for_az: false,
            },
        )
    };
    vec![
        resource(
            vpc.clone(),
            Vpc {
                vpc_id: "vpc-1".into(),
                cidr_block: None,
                is_default: false,
                state: None,
            },
        ),
        resource(
            igw.clone(),
            InternetGateway {
                internet_gateway_id: "igw-1".into(),
                attached_vpcs: vec![vpc.clone()],
            },
        ),
        subnet("subnet-pub"),
        subnet("subnet-priv"),
        resource(
            ec2_id("route-table", "rtb-main"),
            RouteTable {
                route_table_id: "rtb-main".into(),
                vpc: vpc.clone(),
                main: true,
                subnets: vec![],
                routes: vec![Route {
                    destination_cidr: Some("10.0.0.0/16".into()),
                    ..default_route(RouteTarget::Local)
                }],
            },
        ),
        resource(
            ec2_id("route-table", "rtb-pub"),
            RouteTable {
                route_table_id: "rtb-pub".into(),
                vpc: vpc.clone(),
                main: false,
                subnets: if public_assoc { vec![pub_sn] } else { vec![] },
                routes: vec![default_route(RouteTarget::InternetGateway(igw))],
            },
        ),
    ]
}

/// A running instance with public IP `198.51.100.7` in `subnet` of [`network`], secured by
/// `groups`; `f` adjusts it.
pub fn placed_instance(
    instance_id: &str,
    subnet: &str,
    groups: &[&str],
    f: impl FnOnce(&mut Instance),
) -> Resource {
    instance(instance_id, |i| {
        i.vpc = Some(ec2_id("vpc", "vpc-1"));
        i.subnet = Some(ec2_id("subnet", subnet));
        i.public_ip = Some("198.51.100.7".into());
        i.security_groups = groups.iter().map(|g| ec2_id("security-group", g)).collect();
        f(i);
    })
}

/// A private S3 bucket `name` in us-east-1: owner-only ACL, full public access block, SSE-S3,
/// versioning on, no policy, no logging; `f` adjusts it.
pub fn bucket(name: &str, f: impl FnOnce(&mut crate::model::Bucket)) -> Resource {
    use crate::model::{
        AclGrant, AclPermission, Bucket, BucketAcl, DefaultEncryption, GranteeType,
        PublicAccessBlock, SseAlgorithm, Versioning, VersioningStatus,
    };
    let mut b = Bucket {
        name: name.into(),
        location: Some(region()),
        creation_date: None,
        default_encryption: Some(DefaultEncryption {
            algorithm: SseAlgorithm::Aes256,
            kms_key_id: None,
            bucket_key_enabled: false,
        }),
        public_access_block: Some(PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        }),
        policy_is_public: None,
        policy: None,
        acl: Some(BucketAcl {
            owner_id: Some("owner".into()),
            grants: vec![AclGrant {
                grantee_type: GranteeType::CanonicalUser,
                grantee: Some("owner".into()),
                group: None,
                permission: AclPermission::FullControl,
            }],
        }),
        versioning: Some(Versioning {
            status: VersioningStatus::Enabled,
            mfa_delete: false,
        }),
        logging: None,
        object_ownership: None,
        unreadable: vec![],
    };
    f(&mut b);
    Resource::new(
        format!("arn:aws:s3:::{name}").parse().unwrap(),
        account(),
        Region::global(),
        BTreeMap::new(),
        b,
    )
}

/// An ACL grant of `permission` to AllUsers.
pub fn all_users_grant(permission: crate::model::AclPermission) -> crate::model::AclGrant {
    crate::model::AclGrant {
        grantee_type: crate::model::GranteeType::Group,
        grantee: Some("http://acs.amazonaws.com/groups/global/AllUsers".into()),
        group: Some(crate::model::AclGroup::AllUsers),
        permission,
    }
}

/// A bucket policy parsed from `json`.
pub fn bucket_policy(json: &str) -> crate::model::BucketPolicy {
    crate::model::BucketPolicy::parse(json).unwrap()
}

/// The id of ELBv2 resource `rest` (`loadbalancer/app/web/1`, `targetgroup/web/1`, ...).
pub fn elbv2_id(rest: &str) -> crate::ResourceId {
    format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:{rest}")
        .parse()
        .unwrap()
}

/// An active internet-facing ALB `loadbalancer/app/{name}/1` with every attribute rules read
/// in its compliant state; `f` adjusts it.
pub fn elbv2_lb(name: &str, f: impl FnOnce(&mut crate::model::LoadBalancer)) -> Resource {
    use crate::model::{
        LbIpAddressType, LoadBalancer, LoadBalancerAttributes, LoadBalancerScheme,
        LoadBalancerState, LoadBalancerType,
    };
    let mut lb = LoadBalancer {
        load_balancer_name: name.into(),
        lb_type: LoadBalancerType::Application,
        scheme: LoadBalancerScheme::InternetFacing,
        state: LoadBalancerState::Active,
        state_reason: None,
        vpc: None,
        subnets: vec![],
        availability_zones: vec![],
        security_groups: vec![],
        dns_name: None,
        canonical_hosted_zone_id: None,
        created: None,
        ip_address_type: LbIpAddressType::Ipv4,
        attributes: LoadBalancerAttributes {
            deletion_protection: Some(true),
            access_logs_enabled: Some(true),
            access_logs_bucket: Some("logs".into()),
            drop_invalid_header_fields: Some(true),
        },
    };
    f(&mut lb);
    resource(elbv2_id(&format!("loadbalancer/app/{name}/1")), lb)
}

/// An HTTPS listener `listener/app/{lb}/1/{n}` on port 443 with a TLS 1.2+ policy and no
/// actions; `f` adjusts it.
pub fn elbv2_listener(lb: &str, n: u32, f: impl FnOnce(&mut crate::model::Listener)) -> Resource {
    use crate::model::{ElbProtocol, Listener};
    let mut l = Listener {
        load_balancer: elbv2_id(&format!("loadbalancer/app/{lb}/1")),
        port: Some(443),
        protocol: ElbProtocol::Https,
        ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
        certificates: vec![],
        default_actions: vec![],
        alpn_policy: vec![],
    };
    f(&mut l);
    resource(elbv2_id(&format!("listener/app/{lb}/1/{n}")), l)
}

/// A forward action to `target_groups`.
pub fn elbv2_forward(target_groups: Vec<crate::ResourceId>) -> crate::model::ListenerAction {
    crate::model::ListenerAction {
        action_type: crate::model::ActionType::Forward,
        order: Some(1),
        target_groups,
        redirect: None,
    }
}

/// An instance target group `targetgroup/{name}/1` of `load_balancers` with the instances
/// `targets` registered (healthy); `f` adjusts it.
pub fn elbv2_tg(
    name: &str,
    load_balancers: &[&str],
    targets: &[&str],
    f: impl FnOnce(&mut crate::model::TargetGroup),
) -> Resource {
    use crate::model::{
        ElbProtocol, HealthCheck, Target, TargetGroup, TargetHealthState, TargetType,
    };
    let mut tg = TargetGroup {
        target_group_name: name.into(),
        protocol: Some(ElbProtocol::Http),
        port: Some(80),
        protocol_version: None,
        target_type: TargetType::Instance,
        vpc: None,
        load_balancers: load_balancers
            .iter()
            .map(|lb| elbv2_id(&format!("loadbalancer/app/{lb}/1")))
            .collect(),
        health_check: HealthCheck {
            enabled: Some(true),
            protocol: None,
            port: None,
            path: None,
            interval_seconds: None,
            timeout_seconds: None,
            healthy_threshold: None,
            unhealthy_threshold: None,
            matcher: None,
        },
        targets: targets
            .iter()
            .map(|i| Target {
                id: (*i).into(),
                instance: Some(ec2_id("instance", i)),
                port: Some(80),
                availability_zone: None,
                state: TargetHealthState::Healthy,
                reason: None,
                description: None,
            })
            .collect(),
    };
    f(&mut tg);
    resource(elbv2_id(&format!("targetgroup/{name}/1")), tg)
}

/// Azure estate builders.
pub mod azure;
