//! AWS provider types: how each maps to a Skywarden resource and which attributes compare.
//!
//! Every attribute is compared only when the state has it (not null); values are normalised
//! to the Terraform vocabulary on both sides. Tags are `tags_all` (else `tags`) against the
//! live tags, `aws:`-prefixed system keys dropped on both sides. Ids are ARNs built from the
//! instance's `id` and its placement (see [`crate::map`]), so they equal the scanner's.
//!
//! | Terraform type | kind | resource id | compared attributes |
//! |---|---|---|---|
//! | `aws_instance` | `aws_ec2_instance` | `arn:…:ec2:R:A:instance/{id}` | `instance_type`, `ami`, `subnet_id`, `vpc_security_group_ids` (set), `private_ip`, `metadata_options.http_tokens`, `tags` |
//! | `aws_ebs_volume` | `aws_ebs_volume` | `…:volume/{id}` | `size`, `type`, `encrypted`, `availability_zone`, `iops`, `throughput`, `tags` |
//! | `aws_security_group`, `aws_default_security_group` | `aws_ec2_security_group` | `…:security-group/{id}` | `name`, `description`, `vpc_id`, `ingress` and `egress` (sets of `protocol ports source` rules, one per CIDR / prefix list / group), `tags` |
//! | `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`, `aws_vpc_security_group_egress_rule` | folded into their group (`security_group_id`) | - | their rules join the group's `ingress` / `egress` set |
//! | `aws_vpc`, `aws_default_vpc` | `aws_ec2_vpc` | `…:vpc/{id}` | `cidr_block`, `tags` |
//! | `aws_subnet`, `aws_default_subnet` | `aws_ec2_subnet` | `…:subnet/{id}` | `vpc_id`, `cidr_block`, `availability_zone`, `map_public_ip_on_launch`, `tags` |
//! | `aws_s3_bucket` | `aws_s3_bucket` | `arn:…:s3:::{id}` | `tags`; the legacy inline `versioning.enabled`, `versioning.mfa_delete`, `server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm` |
//! | `aws_s3_bucket_versioning` | folded into the bucket (`bucket`) | - | `versioning_configuration.status` (`Enabled` / `Suspended` / `Disabled`), `versioning_configuration.mfa_delete` |
//! | `aws_s3_bucket_public_access_block` | folded | - | `block_public_acls`, `block_public_policy`, `ignore_public_acls`, `restrict_public_buckets` (a bucket without a configuration has all four false) |
//! | `aws_s3_bucket_server_side_encryption_configuration` | folded | - | `rule.apply_server_side_encryption_by_default.sse_algorithm` |
//! | `aws_s3_bucket_ownership_controls` | folded | - | `rule.object_ownership` |
//! | `aws_s3_bucket_logging` | folded | - | `target_bucket`, `target_prefix` |
//! | `aws_iam_user` | `aws_iam_user` | `arn` (else `arn:…:iam::A:user{path}{name}`) | `path`, `unique_id`, `tags` |
//! | `aws_eip` | `aws_ec2_elastic_ip` | `…:elastic-ip/{id}` | `public_ip`, `domain`, `instance`, `network_interface`, `tags` |
//! | `aws_lb`, `aws_alb` | `aws_elbv2_load_balancer` | its `arn` (= `id`) | `internal`, `load_balancer_type`, `subnets` (set), `security_groups` (set), `ip_address_type`, `enable_deletion_protection`, `tags` |
//!
//! Not reported unmanaged: default VPCs, default subnets and groups named `default` (every
//! account and VPC has them; Terraform adopts them with `aws_default_*`, which are compared
//! when present), and terminated or shutting-down instances (which also count as missing
//! when the state still has them). S3 bucket aspects the scan could not read (access
//! denied) are reported unverified, not compared.

use std::collections::BTreeSet;

use skywarden_graph::model::ElasticIp;
use skywarden_graph::model::{
    AddressDomain, Bucket, BucketAspect, HttpTokens, Instance, InstanceState, IpProtocol,
    LbIpAddressType, LoadBalancer, LoadBalancerScheme, LoadBalancerType, ObjectOwnership,
    Permission, SecurityGroup, SseAlgorithm, Subnet, User, VersioningStatus, Volume, VolumeType,
    Vpc,
};
use skywarden_graph::{Resource, ResourceId, ResourceKind};

use crate::error::{ErrorKind, TerraformError};
use crate::map::{always, parse_id, Cloud, FoldType, IdCx, PrimaryType, Scoping};
use crate::value::{user_tags, AttrMap, AttrValue, Attrs};

type R<T> = Result<T, TerraformError>;

/// An EC2-style resource: ARN from `id`, sub-resources find it by `id`, always counted.
const EC2: PrimaryType = PrimaryType {
    tf: "aws_instance",
    kind: ResourceKind::AwsEc2Instance,
    cloud: Cloud::Aws,
    scoping: Scoping::Regional,
    id: |a, cx| ec2(a, cx, "instance"),
    fold_key: id_key,
    state: instance_state,
    live: instance_live,
    exists: always,
    reportable: always,
};

const INSTANCE: PrimaryType = PrimaryType {
    exists: instance_exists,
    reportable: instance_exists,
    ..EC2
};

const SECURITY_GROUP: PrimaryType = PrimaryType {
    tf: "aws_security_group",
    kind: ResourceKind::AwsEc2SecurityGroup,
    id: |a, cx| ec2(a, cx, "security-group"),
    state: sg_state,
    live: sg_live,
    reportable: sg_reportable,
    ..EC2
};

const VPC: PrimaryType = PrimaryType {
    tf: "aws_vpc",
    kind: ResourceKind::AwsEc2Vpc,
    id: |a, cx| ec2(a, cx, "vpc"),
    state: vpc_state,
    live: vpc_live,
    reportable: vpc_reportable,
    ..EC2
};

const SUBNET: PrimaryType = PrimaryType {
    tf: "aws_subnet",
    kind: ResourceKind::AwsEc2Subnet,
    id: |a, cx| ec2(a, cx, "subnet"),
    state: subnet_state,
    live: subnet_live,
    reportable: subnet_reportable,
    ..EC2
};

const LB: PrimaryType = PrimaryType {
    tf: "aws_lb",
    kind: ResourceKind::AwsElbv2LoadBalancer,
    id: lb_id,
    state: lb_state,
    live: lb_live,
    ..EC2
};

pub(crate) static PRIMARY: &[PrimaryType] = &[
    INSTANCE,
    PrimaryType {
        tf: "aws_ebs_volume",
        kind: ResourceKind::AwsEbsVolume,
        id: |a, cx| ec2(a, cx, "volume"),
        state: volume_state,
        live: volume_live,
        ..EC2
    },
    SECURITY_GROUP,
    PrimaryType {
        tf: "aws_default_security_group",
        ..SECURITY_GROUP
    },
    VPC,
    PrimaryType {
        tf: "aws_default_vpc",
        ..VPC
    },
    SUBNET,
    PrimaryType {
        tf: "aws_default_subnet",
        ..SUBNET
    },
    PrimaryType {
        tf: "aws_s3_bucket",
        kind: ResourceKind::AwsS3Bucket,
        scoping: Scoping::Located,
        id: bucket_id,
        state: bucket_state,
        live: bucket_live,
        ..EC2
    },
    PrimaryType {
        tf: "aws_iam_user",
        kind: ResourceKind::AwsIamUser,
        scoping: Scoping::AccountWide,
        id: user_id,
        state: user_state,
        live: user_live,
        ..EC2
    },
    PrimaryType {
        tf: "aws_eip",
        kind: ResourceKind::AwsEc2ElasticIp,
        id: |a, cx| ec2(a, cx, "elastic-ip"),
        state: eip_state,
        live: eip_live,
        ..EC2
    },
    LB,
    PrimaryType {
        tf: "aws_alb",
        ..LB
    },
];

/// Bucket settings: folded into the bucket named by `bucket`.
const BUCKET_SETTING: FoldType = FoldType {
    tf: "aws_s3_bucket_versioning",
    target: ResourceKind::AwsS3Bucket,
    key: |a| required(a, "bucket"),
    state: bucket_versioning_state,
};

/// Security group rules: folded into the group named by `security_group_id`.
const SG_RULE: FoldType = FoldType {
    tf: "aws_security_group_rule",
    target: ResourceKind::AwsEc2SecurityGroup,
    key: |a| required(a, "security_group_id"),
    state: sg_rule_state,
};

pub(crate) static FOLD: &[FoldType] = &[
    SG_RULE,
    FoldType {
        tf: "aws_vpc_security_group_ingress_rule",
        state: |a| vpc_sg_rule_state(a, "ingress"),
        ..SG_RULE
    },
    FoldType {
        tf: "aws_vpc_security_group_egress_rule",
        state: |a| vpc_sg_rule_state(a, "egress"),
        ..SG_RULE
    },
    BUCKET_SETTING,
    FoldType {
        tf: "aws_s3_bucket_public_access_block",
        state: bucket_pab_state,
        ..BUCKET_SETTING
    },
    FoldType {
        tf: "aws_s3_bucket_server_side_encryption_configuration",
        state: bucket_sse_state,
        ..BUCKET_SETTING
    },
    FoldType {
        tf: "aws_s3_bucket_ownership_controls",
        state: bucket_ownership_state,
        ..BUCKET_SETTING
    },
    FoldType {
        tf: "aws_s3_bucket_logging",
        state: bucket_logging_state,
        ..BUCKET_SETTING
    },
];

// ---------------------------------------------------------------- shared helpers

fn id_key(a: &Attrs<'_>) -> R<String> {
    a.id().map(str::to_string)
}

fn required(a: &Attrs<'_>, k: &str) -> R<String> {
    a.opt_str(k)?.map(str::to_string).ok_or_else(|| {
        a.error(ErrorKind::MissingField {
            field: k.to_string(),
        })
    })
}

fn ec2(a: &Attrs<'_>, cx: &IdCx<'_>, resource_type: &str) -> R<ResourceId> {
    let id = a.id()?;
    parse_id(
        a,
        "id",
        format!(
            "arn:{}:ec2:{}:{}:{resource_type}/{id}",
            cx.partition.as_str(),
            cx.region,
            cx.account
        ),
    )
}

fn put(m: &mut AttrMap, k: &'static str, v: Option<AttrValue>) {
    if let Some(v) = v {
        m.insert(k, v);
    }
}

fn state_str(a: &Attrs<'_>, m: &mut AttrMap, k: &'static str) -> R<()> {
    put(m, k, a.opt_str(k)?.map(AttrValue::str));
    Ok(())
}

fn state_bool(a: &Attrs<'_>, m: &mut AttrMap, k: &'static str) -> R<()> {
    put(m, k, a.opt_bool(k)?.map(AttrValue::Bool));
    Ok(())
}

fn state_int(a: &Attrs<'_>, m: &mut AttrMap, k: &'static str) -> R<()> {
    put(m, k, a.opt_int(k)?.map(AttrValue::Int));
    Ok(())
}

fn state_set(a: &Attrs<'_>, m: &mut AttrMap, k: &'static str) -> R<()> {
    put(m, k, a.opt_strings(k)?.map(AttrValue::Set));
    Ok(())
}

fn state_tags(a: &Attrs<'_>, m: &mut AttrMap) -> R<()> {
    put(m, "tags", a.tags()?.map(AttrValue::Map));
    Ok(())
}

fn live_tags(r: &Resource, m: &mut AttrMap) {
    m.insert("tags", AttrValue::Map(user_tags(&r.tags)));
}

fn short(id: &ResourceId) -> String {
    id.short_id().to_string()
}

fn shorts(ids: &[ResourceId]) -> AttrValue {
    AttrValue::set(ids.iter().map(short))
}

// ---------------------------------------------------------------- EC2 instances

fn instance_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_str(a, &mut m, "instance_type")?;
    state_str(a, &mut m, "ami")?;
    state_str(a, &mut m, "subnet_id")?;
    state_set(a, &mut m, "vpc_security_group_ids")?;
    state_str(a, &mut m, "private_ip")?;
    if let Some(md) = a.block("metadata_options")? {
        put(
            &mut m,
            "metadata_options.http_tokens",
            md.opt_str("http_tokens")?.map(AttrValue::str),
        );
    }
    state_tags(a, &mut m)?;
    Ok(m)
}

fn instance_live(r: &Resource) -> Option<AttrMap> {
    let i = r.model::<Instance>()?;
    let mut m = AttrMap::new();
    put(
        &mut m,
        "instance_type",
        i.instance_type.clone().map(AttrValue::Str),
    );
    put(&mut m, "ami", i.image_id.clone().map(AttrValue::Str));
    m.insert(
        "subnet_id",
        AttrValue::opt_str(i.subnet.as_ref().map(short)),
    );
    m.insert("vpc_security_group_ids", shorts(&i.security_groups));
    put(
        &mut m,
        "private_ip",
        i.private_ip.clone().map(AttrValue::Str),
    );
    put(
        &mut m,
        "metadata_options.http_tokens",
        i.metadata.http_tokens.map(|t| {
            AttrValue::str(match t {
                HttpTokens::Optional => "optional",
                HttpTokens::Required => "required",
            })
        }),
    );
    live_tags(r, &mut m);
    Some(m)
}

fn instance_exists(r: &Resource) -> bool {
    r.model::<Instance>().is_none_or(|i| {
        !matches!(
            i.state,
            InstanceState::Terminated | InstanceState::ShuttingDown
        )
    })
}

// ---------------------------------------------------------------- EBS volumes

fn volume_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_int(a, &mut m, "size")?;
    state_str(a, &mut m, "type")?;
    state_bool(a, &mut m, "encrypted")?;
    state_str(a, &mut m, "availability_zone")?;
    // 0 is the SDK's "unset" for these computed numbers.
    put(
        &mut m,
        "iops",
        a.opt_int("iops")?.filter(|n| *n > 0).map(AttrValue::Int),
    );
    put(
        &mut m,
        "throughput",
        a.opt_int("throughput")?
            .filter(|n| *n > 0)
            .map(AttrValue::Int),
    );
    state_tags(a, &mut m)?;
    Ok(m)
}

fn volume_live(r: &Resource) -> Option<AttrMap> {
    let v = r.model::<Volume>()?;
    let mut m = AttrMap::new();
    m.insert("size", AttrValue::Int(i64::from(v.size_gib)));
    if v.volume_type != VolumeType::Unknown {
        m.insert("type", AttrValue::str(v.volume_type.as_str()));
    }
    m.insert("encrypted", AttrValue::Bool(v.encrypted));
    put(
        &mut m,
        "availability_zone",
        v.availability_zone.clone().map(AttrValue::Str),
    );
    put(&mut m, "iops", v.iops.map(|n| AttrValue::Int(i64::from(n))));
    put(
        &mut m,
        "throughput",
        v.throughput_mibps.map(|n| AttrValue::Int(i64::from(n))),
    );
    live_tags(r, &mut m);
    Some(m)
}

// ---------------------------------------------------------------- security groups

/// Canonical protocol name: `all`, `tcp`, `udp`, `icmp`, `icmpv6` or the number.
fn protocol(p: &str) -> String {
    match IpProtocol::parse(p) {
        IpProtocol::All => "all".into(),
        IpProtocol::Tcp => "tcp".into(),
        IpProtocol::Udp => "udp".into(),
        IpProtocol::Icmp => "icmp".into(),
        IpProtocol::Icmpv6 => "icmpv6".into(),
        IpProtocol::Other(o) => o,
    }
}

/// One rule as `protocol ports source`, e.g. `tcp 22-22 0.0.0.0/0`, `all all sg-0abc`.
/// Ports only mean something for TCP, UDP and ICMP (type-code); Terraform writes 0-0 for
/// "all protocols" where AWS sends none.
fn rule(proto: &str, from: Option<i64>, to: Option<i64>, source: &str) -> String {
    let proto = protocol(proto);
    let ports = match (proto.as_str(), from, to) {
        ("tcp" | "udp" | "icmp" | "icmpv6", Some(f), Some(t)) => format!("{f}-{t}"),
        _ => "all".into(),
    };
    // Cross-account group references are `account/sg-...` in Terraform, the id in AWS.
    let source = source
        .rsplit('/')
        .next()
        .filter(|s| s.starts_with("sg-"))
        .unwrap_or(source);
    format!("{proto} {ports} {source}")
}

/// Sources of a Terraform rule block (inline `ingress`/`egress` or `aws_security_group_rule`).
fn rule_sources(b: &Attrs<'_>, own_group: Option<&str>) -> R<Vec<String>> {
    let mut sources = Vec::new();
    for k in [
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "security_groups",
    ] {
        sources.extend(b.opt_strings(k)?.unwrap_or_default());
    }
    if let Some(s) = b.opt_str("source_security_group_id")? {
        sources.push(s.to_string());
    }
    if b.opt_bool("self")? == Some(true) {
        if let Some(g) = own_group {
            sources.push(g.to_string());
        }
    }
    Ok(sources)
}

fn rule_block(b: &Attrs<'_>, own_group: Option<&str>) -> R<BTreeSet<String>> {
    let proto = b.opt_str("protocol")?.ok_or_else(|| {
        b.error(ErrorKind::MissingField {
            field: "protocol".into(),
        })
    })?;
    let (from, to) = (b.opt_int("from_port")?, b.opt_int("to_port")?);
    Ok(rule_sources(b, own_group)?
        .iter()
        .map(|s| rule(proto, from, to, s))
        .collect())
}

fn sg_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_str(a, &mut m, "name")?;
    state_str(a, &mut m, "description")?;
    state_str(a, &mut m, "vpc_id")?;
    let own = a.id()?;
    for dir in ["ingress", "egress"] {
        if a.map.get(dir).is_some_and(|v| !v.is_null()) {
            let mut set = BTreeSet::new();
            for b in a.blocks(dir)? {
                set.extend(rule_block(&b, Some(own))?);
            }
            m.insert(
                if dir == "ingress" {
                    "ingress"
                } else {
                    "egress"
                },
                AttrValue::Set(set),
            );
        }
    }
    state_tags(a, &mut m)?;
    Ok(m)
}

fn sg_rule_state(a: &Attrs<'_>) -> R<AttrMap> {
    let dir = match a.opt_str("type")? {
        Some("ingress") => "ingress",
        Some("egress") => "egress",
        Some(_) => {
            return Err(a.error(ErrorKind::InvalidField {
                field: "type".into(),
                expected: "\"ingress\" or \"egress\"",
            }))
        }
        None => {
            return Err(a.error(ErrorKind::MissingField {
                field: "type".into(),
            }))
        }
    };
    let group = required(a, "security_group_id")?;
    let mut m = AttrMap::new();
    m.insert(dir, AttrValue::Set(rule_block(a, Some(&group))?));
    Ok(m)
}

fn vpc_sg_rule_state(a: &Attrs<'_>, dir: &'static str) -> R<AttrMap> {
    let proto = a.opt_str("ip_protocol")?.ok_or_else(|| {
        a.error(ErrorKind::MissingField {
            field: "ip_protocol".into(),
        })
    })?;
    let (from, to) = (a.opt_int("from_port")?, a.opt_int("to_port")?);
    let mut set = BTreeSet::new();
    for k in [
        "cidr_ipv4",
        "cidr_ipv6",
        "prefix_list_id",
        "referenced_security_group_id",
    ] {
        if let Some(s) = a.opt_str(k)? {
            set.insert(rule(proto, from, to, s));
        }
    }
    let mut m = AttrMap::new();
    m.insert(dir, AttrValue::Set(set));
    Ok(m)
}

fn permissions(ps: &[Permission]) -> AttrValue {
    let mut set = BTreeSet::new();
    for p in ps {
        let proto = match &p.protocol {
            IpProtocol::All => "-1",
            IpProtocol::Tcp => "tcp",
            IpProtocol::Udp => "udp",
            IpProtocol::Icmp => "icmp",
            IpProtocol::Icmpv6 => "icmpv6",
            IpProtocol::Other(o) => o.as_str(),
        };
        let (from, to) = (p.from_port.map(i64::from), p.to_port.map(i64::from));
        for s in p
            .ipv4_ranges
            .iter()
            .chain(&p.ipv6_ranges)
            .chain(&p.prefix_lists)
            .chain(&p.referenced_groups)
        {
            set.insert(rule(proto, from, to, s));
        }
    }
    AttrValue::Set(set)
}

fn sg_live(r: &Resource) -> Option<AttrMap> {
    let g = r.model::<SecurityGroup>()?;
    let mut m = AttrMap::new();
    m.insert("name", AttrValue::str(&g.group_name));
    put(
        &mut m,
        "description",
        g.description.clone().map(AttrValue::Str),
    );
    m.insert("vpc_id", AttrValue::opt_str(g.vpc.as_ref().map(short)));
    m.insert("ingress", permissions(&g.ingress));
    m.insert("egress", permissions(&g.egress));
    live_tags(r, &mut m);
    Some(m)
}

fn sg_reportable(r: &Resource) -> bool {
    r.model::<SecurityGroup>()
        .is_none_or(|g| g.group_name != "default")
}

// ---------------------------------------------------------------- VPCs and subnets

fn vpc_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_str(a, &mut m, "cidr_block")?;
    state_tags(a, &mut m)?;
    Ok(m)
}

fn vpc_live(r: &Resource) -> Option<AttrMap> {
    let v = r.model::<Vpc>()?;
    let mut m = AttrMap::new();
    put(
        &mut m,
        "cidr_block",
        v.cidr_block.clone().map(AttrValue::Str),
    );
    live_tags(r, &mut m);
    Some(m)
}

fn vpc_reportable(r: &Resource) -> bool {
    r.model::<Vpc>().is_none_or(|v| !v.is_default)
}

fn subnet_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_str(a, &mut m, "vpc_id")?;
    state_str(a, &mut m, "cidr_block")?;
    state_str(a, &mut m, "availability_zone")?;
    state_bool(a, &mut m, "map_public_ip_on_launch")?;
    state_tags(a, &mut m)?;
    Ok(m)
}

fn subnet_live(r: &Resource) -> Option<AttrMap> {
    let s = r.model::<Subnet>()?;
    let mut m = AttrMap::new();
    m.insert("vpc_id", AttrValue::str(short(&s.vpc)));
    put(
        &mut m,
        "cidr_block",
        s.cidr_block.clone().map(AttrValue::Str),
    );
    put(
        &mut m,
        "availability_zone",
        s.availability_zone.clone().map(AttrValue::Str),
    );
    m.insert(
        "map_public_ip_on_launch",
        AttrValue::Bool(s.map_public_ip_on_launch),
    );
    live_tags(r, &mut m);
    Some(m)
}

fn subnet_reportable(r: &Resource) -> bool {
    r.model::<Subnet>().is_none_or(|s| !s.default_for_az)
}

// ---------------------------------------------------------------- S3 buckets

fn bucket_id(a: &Attrs<'_>, cx: &IdCx<'_>) -> R<ResourceId> {
    let name = a.id()?;
    parse_id(
        a,
        "id",
        format!("arn:{}:s3:::{name}", cx.partition.as_str()),
    )
}

const SSE_PATH: &str = "rule.apply_server_side_encryption_by_default.sse_algorithm";
const INLINE_SSE_PATH: &str =
    "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm";

fn sse_algorithm(rule_owner: &Attrs<'_>) -> R<Option<AttrValue>> {
    for rule in rule_owner.blocks("rule")? {
        if let Some(d) = rule.block("apply_server_side_encryption_by_default")? {
            if let Some(alg) = d.opt_str("sse_algorithm")? {
                return Ok(Some(AttrValue::str(alg)));
            }
        }
    }
    Ok(None)
}

fn bucket_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_tags(a, &mut m)?;
    if let Some(v) = a.block("versioning")? {
        put(
            &mut m,
            "versioning.enabled",
            v.opt_bool("enabled")?.map(AttrValue::Bool),
        );
        put(
            &mut m,
            "versioning.mfa_delete",
            v.opt_bool("mfa_delete")?.map(AttrValue::Bool),
        );
    }
    if let Some(c) = a.block("server_side_encryption_configuration")? {
        put(&mut m, INLINE_SSE_PATH, sse_algorithm(&c)?);
    }
    Ok(m)
}

fn bucket_versioning_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    if let Some(v) = a.block("versioning_configuration")? {
        put(
            &mut m,
            "versioning_configuration.status",
            v.opt_str("status")?.map(AttrValue::str),
        );
        put(
            &mut m,
            "versioning_configuration.mfa_delete",
            v.opt_str("mfa_delete")?.map(AttrValue::str),
        );
    }
    Ok(m)
}

fn bucket_pab_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    for k in [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ] {
        state_bool(a, &mut m, k)?;
    }
    Ok(m)
}

fn bucket_sse_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    put(&mut m, SSE_PATH, sse_algorithm(a)?);
    Ok(m)
}

fn bucket_ownership_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    if let Some(r) = a.block("rule")? {
        put(
            &mut m,
            "rule.object_ownership",
            r.opt_str("object_ownership")?.map(AttrValue::str),
        );
    }
    Ok(m)
}

fn bucket_logging_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_str(a, &mut m, "target_bucket")?;
    // An empty prefix is "no prefix" on both sides.
    m.insert(
        "target_prefix",
        AttrValue::opt_str(a.opt_str("target_prefix")?),
    );
    Ok(m)
}

fn bucket_live(r: &Resource) -> Option<AttrMap> {
    let b = r.model::<Bucket>()?;
    let mut m = AttrMap::new();
    if b.known(BucketAspect::Tags) {
        live_tags(r, &mut m);
    }
    if b.known(BucketAspect::Versioning) {
        let (status, mfa) = b
            .versioning
            .map_or((VersioningStatus::Off, false), |v| (v.status, v.mfa_delete));
        m.insert(
            "versioning.enabled",
            AttrValue::Bool(status == VersioningStatus::Enabled),
        );
        m.insert("versioning.mfa_delete", AttrValue::Bool(mfa));
        m.insert(
            "versioning_configuration.status",
            AttrValue::str(match status {
                VersioningStatus::Enabled => "Enabled",
                VersioningStatus::Suspended => "Suspended",
                VersioningStatus::Off => "Disabled",
            }),
        );
        m.insert(
            "versioning_configuration.mfa_delete",
            AttrValue::str(if mfa { "Enabled" } else { "Disabled" }),
        );
    }
    if b.known(BucketAspect::PublicAccessBlock) {
        let p = b
            .public_access_block
            .unwrap_or(skywarden_graph::model::PublicAccessBlock {
                block_public_acls: false,
                ignore_public_acls: false,
                block_public_policy: false,
                restrict_public_buckets: false,
            });
        m.insert("block_public_acls", AttrValue::Bool(p.block_public_acls));
        m.insert(
            "block_public_policy",
            AttrValue::Bool(p.block_public_policy),
        );
        m.insert("ignore_public_acls", AttrValue::Bool(p.ignore_public_acls));
        m.insert(
            "restrict_public_buckets",
            AttrValue::Bool(p.restrict_public_buckets),
        );
    }
    if b.known(BucketAspect::Encryption) {
        let alg = b
            .default_encryption
            .as_ref()
            .and_then(|e| match e.algorithm {
                SseAlgorithm::Aes256 => Some("AES256"),
                SseAlgorithm::AwsKms => Some("aws:kms"),
                SseAlgorithm::AwsKmsDsse => Some("aws:kms:dsse"),
                SseAlgorithm::Unknown => None,
            });
        if b.default_encryption.is_none() || alg.is_some() {
            m.insert(SSE_PATH, AttrValue::opt_str(alg));
            m.insert(INLINE_SSE_PATH, AttrValue::opt_str(alg));
        }
    }
    if b.known(BucketAspect::OwnershipControls) {
        let o = b.object_ownership.and_then(|o| match o {
            ObjectOwnership::BucketOwnerEnforced => Some("BucketOwnerEnforced"),
            ObjectOwnership::BucketOwnerPreferred => Some("BucketOwnerPreferred"),
            ObjectOwnership::ObjectWriter => Some("ObjectWriter"),
            ObjectOwnership::Unknown => None,
        });
        if b.object_ownership.is_none() || o.is_some() {
            m.insert("rule.object_ownership", AttrValue::opt_str(o));
        }
    }
    if b.known(BucketAspect::Logging) {
        m.insert(
            "target_bucket",
            AttrValue::opt_str(b.logging.as_ref().map(|l| l.target_bucket.clone())),
        );
        m.insert(
            "target_prefix",
            AttrValue::opt_str(b.logging.as_ref().and_then(|l| l.target_prefix.clone())),
        );
    }
    Some(m)
}

// ---------------------------------------------------------------- IAM users

fn user_id(a: &Attrs<'_>, cx: &IdCx<'_>) -> R<ResourceId> {
    if let Some(arn) = a.opt_str("arn")? {
        return parse_id(a, "arn", arn.to_string());
    }
    let name = a.opt_str("name")?.map_or_else(|| a.id(), Ok)?;
    let path = a.opt_str("path")?.unwrap_or("/");
    parse_id(
        a,
        "name",
        format!(
            "arn:{}:iam::{}:user{path}{name}",
            cx.partition.as_str(),
            cx.account
        ),
    )
}

fn user_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_str(a, &mut m, "path")?;
    state_str(a, &mut m, "unique_id")?;
    state_tags(a, &mut m)?;
    Ok(m)
}

fn user_live(r: &Resource) -> Option<AttrMap> {
    let u = r.model::<User>()?;
    let mut m = AttrMap::new();
    m.insert("path", AttrValue::str(&u.path));
    m.insert("unique_id", AttrValue::str(&u.user_id));
    live_tags(r, &mut m);
    Some(m)
}

// ---------------------------------------------------------------- Elastic IPs

fn eip_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_str(a, &mut m, "public_ip")?;
    state_str(a, &mut m, "domain")?;
    // "" or null: not associated; that is a value here, not "unset".
    m.insert("instance", AttrValue::opt_str(a.opt_str("instance")?));
    m.insert(
        "network_interface",
        AttrValue::opt_str(a.opt_str("network_interface")?),
    );
    state_tags(a, &mut m)?;
    Ok(m)
}

fn eip_live(r: &Resource) -> Option<AttrMap> {
    let e = r.model::<ElasticIp>()?;
    let mut m = AttrMap::new();
    m.insert("public_ip", AttrValue::str(&e.public_ip));
    m.insert(
        "domain",
        AttrValue::str(match e.domain {
            AddressDomain::Vpc => "vpc",
            AddressDomain::Standard => "standard",
        }),
    );
    m.insert(
        "instance",
        AttrValue::opt_str(e.instance.as_ref().map(short)),
    );
    m.insert(
        "network_interface",
        AttrValue::opt_str(e.network_interface.as_ref().map(short)),
    );
    live_tags(r, &mut m);
    Some(m)
}

// ---------------------------------------------------------------- load balancers

fn lb_id(a: &Attrs<'_>, _cx: &IdCx<'_>) -> R<ResourceId> {
    let arn = match a.opt_str("arn")? {
        Some(arn) => arn,
        None => a.id()?,
    };
    parse_id(a, "arn", arn.to_string())
}

fn lb_state(a: &Attrs<'_>) -> R<AttrMap> {
    let mut m = AttrMap::new();
    state_bool(a, &mut m, "internal")?;
    state_str(a, &mut m, "load_balancer_type")?;
    state_set(a, &mut m, "subnets")?;
    state_set(a, &mut m, "security_groups")?;
    state_str(a, &mut m, "ip_address_type")?;
    state_bool(a, &mut m, "enable_deletion_protection")?;
    state_tags(a, &mut m)?;
    Ok(m)
}

fn lb_live(r: &Resource) -> Option<AttrMap> {
    let l = r.model::<LoadBalancer>()?;
    let mut m = AttrMap::new();
    match l.scheme {
        LoadBalancerScheme::Internal => m.insert("internal", AttrValue::Bool(true)),
        LoadBalancerScheme::InternetFacing => m.insert("internal", AttrValue::Bool(false)),
        LoadBalancerScheme::Unknown => None,
    };
    let lb_type = match l.lb_type {
        LoadBalancerType::Application => Some("application"),
        LoadBalancerType::Network => Some("network"),
        LoadBalancerType::Gateway => Some("gateway"),
        LoadBalancerType::Unknown => None,
    };
    put(&mut m, "load_balancer_type", lb_type.map(AttrValue::str));
    m.insert("subnets", shorts(&l.subnets));
    m.insert("security_groups", shorts(&l.security_groups));
    let ip = match l.ip_address_type {
        LbIpAddressType::Ipv4 => Some("ipv4"),
        LbIpAddressType::Dualstack => Some("dualstack"),
        LbIpAddressType::DualstackWithoutPublicIpv4 => Some("dualstack-without-public-ipv4"),
        LbIpAddressType::Unknown => None,
    };
    put(&mut m, "ip_address_type", ip.map(AttrValue::str));
    put(
        &mut m,
        "enable_deletion_protection",
        l.attributes.deletion_protection.map(AttrValue::Bool),
    );
    live_tags(r, &mut m);
    Some(m)
}
