//! Parser + mapping + comparison over hand-written state snippets and hand-built live
//! resources (graph testkit).

use std::collections::BTreeMap;

use serde_json::{json, Value};
use skywarden_graph::coverage::Coverage;
use skywarden_graph::model::{
    AddressDomain, BucketAspect, ElasticIp, InstanceState, Subnet, User, Versioning,
    VersioningStatus, Vpc,
};
use skywarden_graph::testkit::{self, account, ec2_id, region, resource};
use skywarden_graph::{
    CoverageStatus, ErrorClass, Region, Resource, ResourceKind, Scope, ScopeError,
};

use crate::*;

const AWS: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";
const ARN: &str = "arn:aws:ec2:us-east-1:123456789012";

/// A state v4 document with `resources`.
fn state(resources: Value) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"version": 4, "terraform_version": "1.9.5", "serial": 1,
        "lineage": "l", "outputs": {}, "resources": resources}),
    )
    .unwrap()
}

/// One managed resource block with one instance per `(index_key, attributes)`.
fn block(module: Option<&str>, ty: &str, name: &str, instances: Vec<(Value, Value)>) -> Value {
    json!({"module": module, "mode": "managed", "type": ty, "name": name, "provider": AWS,
        "instances": instances.into_iter().map(|(k, a)| json!({"index_key": k, "schema_version": 1, "attributes": a})).collect::<Vec<_>>()})
}

fn one(ty: &str, name: &str, attrs: Value) -> Value {
    block(None, ty, name, vec![(Value::Null, attrs)])
}

fn mapped(bytes: &[u8]) -> Result<Mapped, TerraformError> {
    let f = parse("main.tfstate", bytes)?;
    map_states(&[f], &MapOptions::default())
}

fn complete(kinds: &[(ResourceKind, &str)]) -> Coverage {
    let mut c = Coverage::new();
    for (kind, r) in kinds {
        c.record(
            Scope {
                account_id: account(),
                region: r.parse().unwrap(),
                kind: *kind,
            },
            CoverageStatus::Complete,
        );
    }
    c
}

fn tagged(mut r: Resource, tags: &[(&str, &str)]) -> Resource {
    r.tags = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    r
}

/// A small estate: the instance, its volume, group, VPC and subnet in us-east-1.
fn estate_state() -> Vec<u8> {
    state(json!([
        block(Some("module.app"), "aws_instance", "web", vec![
            (json!(0), json!({"id": "i-1", "arn": format!("{ARN}:instance/i-1"), "instance_type": "t3.micro",
                "ami": "ami-1", "subnet_id": "subnet-1", "vpc_security_group_ids": ["sg-1"],
                "metadata_options": [{"http_tokens": "required", "http_endpoint": "enabled"}],
                "tags": {"Name": "web-0"}, "tags_all": {"Name": "web-0", "owner": "team-a"}})),
            (json!(1), json!({"id": "i-2", "arn": format!("{ARN}:instance/i-2"), "instance_type": "t3.micro",
                "tags_all": {}})),
        ]),
        // No arn (older provider): placed by its provider siblings.
        one("aws_ebs_volume", "data", json!({"id": "vol-1", "size": 100, "type": "gp3", "encrypted": true,
            "availability_zone": "us-east-1a", "iops": 3000, "throughput": 125, "tags_all": {}})),
        one("aws_security_group", "web", json!({"id": "sg-1", "arn": format!("{ARN}:security-group/sg-1"),
            "name": "sg-1", "vpc_id": null,
            "ingress": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8"],
                "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}],
            "egress": [], "tags_all": {}})),
        one("aws_security_group_rule", "https", json!({"id": "sgrule-1", "type": "ingress",
            "security_group_id": "sg-1", "protocol": "6", "from_port": 443, "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"], "self": false})),
        one("aws_vpc_security_group_ingress_rule", "self", json!({"id": "sgr-1",
            "security_group_id": "sg-1", "ip_protocol": "-1", "from_port": null, "to_port": null,
            "referenced_security_group_id": "123456789012/sg-1"})),
        block(None, "aws_vpc", "main", vec![(json!("a"), json!({"id": "vpc-1", "owner_id": "123456789012",
            "arn": format!("{ARN}:vpc/vpc-1"), "cidr_block": "10.0.0.0/16", "tags_all": {"Name": "main"}}))]),
        one("aws_subnet", "a", json!({"id": "subnet-1", "arn": format!("{ARN}:subnet/subnet-1"),
            "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a",
            "map_public_ip_on_launch": false, "tags_all": {}})),
        {"mode": "data", "type": "aws_ami", "name": "ubuntu", "provider": AWS,
            "instances": [{"attributes": {"id": "ami-1"}}]},
    ]))
}

fn estate_live() -> Vec<Resource> {
    use skywarden_graph::testkit::sg_perm;
    let mut g = testkit::sg(
        "sg-1",
        vec![
            sg_perm("tcp", Some(22), Some(22), &["10.0.0.0/8"], &[]),
            sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[]),
            {
                let mut p = sg_perm("-1", None, None, &[], &[]);
                p.referenced_groups = vec!["sg-1".into()];
                p
            },
        ],
    );
    g = tagged(g, &[]);
    vec![
        tagged(
            testkit::instance("i-1", |i| {
                i.image_id = Some("ami-1".into());
                i.subnet = Some(ec2_id("subnet", "subnet-1"));
                i.security_groups = vec![ec2_id("security-group", "sg-1")];
            }),
            &[
                ("Name", "web-0"),
                ("owner", "team-a"),
                ("aws:autoscaling:x", "y"),
            ],
        ),
        testkit::instance("i-2", |_| {}),
        testkit::volume("vol-1", |_| {}),
        g,
        tagged(
            resource(
                ec2_id("vpc", "vpc-1"),
                Vpc {
                    vpc_id: "vpc-1".into(),
                    cidr_block: Some("10.0.0.0/16".into()),
                    is_default: false,
                    state: None,
                },
            ),
            &[("Name", "main")],
        ),
        resource(
            ec2_id("subnet", "subnet-1"),
            Subnet {
                subnet_id: "subnet-1".into(),
                vpc: ec2_id("vpc", "vpc-1"),
                cidr_block: Some("10.0.1.0/24".into()),
                availability_zone: Some("us-east-1a".into()),
                map_public_ip_on_launch: false,
                default_for_az: false,
            },
        ),
    ]
}

fn estate_coverage() -> Coverage {
    complete(&[
        (ResourceKind::AwsEc2Instance, "us-east-1"),
        (ResourceKind::AwsEbsVolume, "us-east-1"),
        (ResourceKind::AwsEc2SecurityGroup, "us-east-1"),
        (ResourceKind::AwsEc2Vpc, "us-east-1"),
        (ResourceKind::AwsEc2Subnet, "us-east-1"),
    ])
}

#[test]
fn a_matching_estate_has_no_drift() {
    let m = mapped(&estate_state()).unwrap();
    assert_eq!(
        m.managed.len(),
        6,
        "two instances, volume, group, VPC, subnet"
    );
    assert_eq!(m.files[0].instances, 8);
    assert_eq!(m.files[0].data_instances, 1);
    let ids: Vec<&str> = m.managed.iter().map(|m| m.id.as_str()).collect();
    assert!(
        ids.contains(&"arn:aws:ec2:us-east-1:123456789012:volume/vol-1"),
        "{ids:?}"
    );
    let web = m.managed.iter().find(|m| m.id.short_id() == "i-1").unwrap();
    assert_eq!(web.address, "module.app.aws_instance.web[0]");
    let vpc = m
        .managed
        .iter()
        .find(|m| m.kind == ResourceKind::AwsEc2Vpc)
        .unwrap();
    assert_eq!(vpc.address, "aws_vpc.main[\"a\"]");
    // The group's ingress is its inline rule plus both separate rule resources.
    let g = m
        .managed
        .iter()
        .find(|m| m.kind == ResourceKind::AwsEc2SecurityGroup)
        .unwrap();
    assert_eq!(
        g.attrs["ingress"].value,
        AttrValue::set([
            "tcp 22-22 10.0.0.0/8",
            "tcp 443-443 0.0.0.0/0",
            "all all sg-1"
        ])
    );
    assert_eq!(
        g.attrs["ingress"].declared_by,
        [
            "aws_security_group.web",
            "aws_security_group_rule.https",
            "aws_vpc_security_group_ingress_rule.self"
        ]
    );

    let r = compare(&m, &estate_live(), &estate_coverage());
    assert_eq!(r.unmanaged, vec![]);
    assert_eq!(r.missing, vec![]);
    assert_eq!(r.changed, vec![], "{:#?}", r.changed);
    assert_eq!(r.unverified, vec![]);
    assert_eq!(r.summary.compared, 6);
    assert_eq!(r.summary.in_sync, 6);
    assert!(!r.summary.drift);
}

#[test]
fn unmanaged_missing_and_changed_are_exact() {
    let m = mapped(&estate_state()).unwrap();
    let mut live = estate_live();
    // i-2 gone (terminated still counts as gone); vol-1 resized; sg-1 loses its 443 rule;
    // new unmanaged instance and VPC; a default VPC and default group are not unmanaged.
    live.retain(|r| r.id.short_id() != "i-2");
    live.push(testkit::instance("i-2", |i| {
        i.state = InstanceState::Terminated
    }));
    live.push(testkit::instance("i-9", |_| {}));
    live.push(testkit::instance("i-10", |i| {
        i.state = InstanceState::ShuttingDown
    }));
    for r in &mut live {
        if let skywarden_graph::Properties::AwsEbsVolume(v) = &mut r.properties {
            v.size_gib = 200;
            v.volume_type = skywarden_graph::model::VolumeType::Gp2;
        }
        if let skywarden_graph::Properties::AwsEc2SecurityGroup(g) = &mut r.properties {
            g.ingress.retain(|p| p.from_port != Some(443));
        }
    }
    live.push(resource(
        ec2_id("vpc", "vpc-9"),
        Vpc {
            vpc_id: "vpc-9".into(),
            cidr_block: None,
            is_default: false,
            state: None,
        },
    ));
    live.push(resource(
        ec2_id("vpc", "vpc-default"),
        Vpc {
            vpc_id: "vpc-default".into(),
            cidr_block: None,
            is_default: true,
            state: None,
        },
    ));
    live.push(testkit::sg("sg-default", vec![]));
    if let Some(skywarden_graph::Properties::AwsEc2SecurityGroup(g)) =
        live.last_mut().map(|r| &mut r.properties)
    {
        g.group_name = "default".into();
    }
    // A live user: IAM is not a kind of this state, so never unmanaged here.
    live.push(user("bob", "AIDA1"));

    let r = compare(&m, &live, &estate_coverage());
    let ids = |v: Vec<&skywarden_graph::ResourceId>| -> Vec<String> {
        v.into_iter().map(|i| i.short_id().to_string()).collect()
    };
    assert_eq!(
        ids(r.unmanaged.iter().map(|u| &u.resource_id).collect()),
        ["i-9", "vpc-9"]
    );
    assert_eq!(
        ids(r.missing.iter().map(|u| &u.resource_id).collect()),
        ["i-2"]
    );
    assert_eq!(r.missing[0].address, "module.app.aws_instance.web[1]");
    assert_eq!(
        ids(r.changed.iter().map(|u| &u.resource_id).collect()),
        ["sg-1", "vol-1"]
    );
    let vol = &r.changed[1];
    assert_eq!(vol.address, "aws_ebs_volume.data");
    let attrs: Vec<(&str, &AttrValue, &AttrValue)> = vol
        .attributes
        .iter()
        .map(|a| (a.attribute.as_str(), &a.state, &a.live))
        .collect();
    assert_eq!(
        attrs,
        [
            ("size", &AttrValue::Int(100), &AttrValue::Int(200)),
            ("type", &AttrValue::str("gp3"), &AttrValue::str("gp2")),
        ]
    );
    let sg = &r.changed[0].attributes;
    assert_eq!(sg.len(), 1);
    assert_eq!(sg[0].attribute, "ingress");
    assert_eq!(
        sg[0].live,
        AttrValue::set(["tcp 22-22 10.0.0.0/8", "all all sg-1"])
    );
    assert_eq!(r.summary.unmanaged, 2);
    assert_eq!(r.summary.missing, 1);
    assert_eq!(r.summary.changed, 2);
    assert_eq!(r.summary.in_sync, 3);
    assert!(r.summary.drift);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["changed"][1]["attributes"][0]["state"], 100);
    let back: DriftReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn tag_changes_ignore_system_keys() {
    let m = mapped(&estate_state()).unwrap();
    let mut live = estate_live();
    live[0] = tagged(live[0].clone(), &[("Name", "web-0"), ("owner", "team-b")]);
    let r = compare(&m, &live, &estate_coverage());
    assert_eq!(r.changed.len(), 1);
    let a = &r.changed[0].attributes[0];
    assert_eq!(a.attribute, "tags");
    assert_eq!(a.declared_by, ["module.app.aws_instance.web[0]"]);
    assert_eq!(
        a.live,
        AttrValue::Map(BTreeMap::from([
            ("Name".into(), "web-0".into()),
            ("owner".into(), "team-b".into())
        ]))
    );
}

#[test]
fn only_complete_scopes_are_compared() {
    let m = mapped(&estate_state()).unwrap();
    let mut coverage = estate_coverage();
    let failed = Scope {
        account_id: account(),
        region: region(),
        kind: ResourceKind::AwsEc2Instance,
    };
    coverage.record(
        failed,
        CoverageStatus::Failed {
            error: ScopeError {
                class: ErrorClass::AccessDenied,
                code: None,
                message: "denied".into(),
            },
        },
    );
    // The stored instances are stale: neither missing (i-2 absent) nor unmanaged (i-9).
    let mut live = estate_live();
    live.retain(|r| r.id.short_id() != "i-2");
    live.push(testkit::instance("i-9", |_| {}));
    let r = compare(&m, &live, &coverage);
    assert!(r.missing.is_empty() && r.unmanaged.is_empty() && !r.summary.drift);
    assert_eq!(r.summary.compared, 4);
    assert_eq!(
        r.not_compared.scopes,
        [ScopeNote {
            account_id: account(),
            region: region(),
            kind: ResourceKind::AwsEc2Instance,
            status: ScopeStatus::Failed {
                class: ErrorClass::AccessDenied
            },
        }]
    );
    let addrs: Vec<&str> = r
        .not_compared
        .resources
        .iter()
        .map(|n| n.address.as_str())
        .collect();
    assert_eq!(
        addrs,
        [
            "module.app.aws_instance.web[0]",
            "module.app.aws_instance.web[1]"
        ]
    );

    // Never scanned at all: everything not compared, nothing missing.
    let r = compare(&m, &[], &Coverage::new());
    assert_eq!(r.summary.compared, 0);
    assert!(r.missing.is_empty());
    assert_eq!(r.not_compared.scopes.len(), 5);
    assert!(r
        .not_compared
        .scopes
        .iter()
        .all(|s| s.status == ScopeStatus::NotScanned));
}

#[test]
fn unsupported_types_are_counted_and_orphans_listed() {
    let s = state(json!([
        one("aws_route53_record", "www", json!({"id": "Z1_www_A"})),
        block(
            None,
            "aws_iam_role",
            "r",
            vec![
                (json!(0), json!({"id": "r0"})),
                (json!(1), json!({"id": "r1"}))
            ]
        ),
        one(
            "aws_security_group_rule",
            "orphan",
            json!({"type": "egress", "security_group_id": "sg-elsewhere",
            "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]})
        ),
        one(
            "aws_s3_bucket_versioning",
            "v",
            json!({"id": "other-bucket", "bucket": "other-bucket",
            "versioning_configuration": [{"status": "Enabled", "mfa_delete": ""}]})
        ),
    ]));
    let m = mapped(&s).unwrap();
    assert!(m.managed.is_empty());
    let r = compare(&m, &[], &Coverage::new());
    assert_eq!(
        r.not_compared.types,
        [
            TypeCount {
                type_name: "aws_iam_role".into(),
                instances: 2
            },
            TypeCount {
                type_name: "aws_route53_record".into(),
                instances: 1
            }
        ]
    );
    let orphans: Vec<(&str, &NotComparedReason)> = r
        .not_compared
        .resources
        .iter()
        .map(|n| (n.address.as_str(), &n.reason))
        .collect();
    assert_eq!(
        orphans,
        [
            (
                "aws_s3_bucket_versioning.v",
                &NotComparedReason::ParentNotInState {
                    parent: "other-bucket".into()
                }
            ),
            (
                "aws_security_group_rule.orphan",
                &NotComparedReason::ParentNotInState {
                    parent: "sg-elsewhere".into()
                }
            ),
        ]
    );
    assert_eq!(r.summary.not_compared, 5);
    assert!(!r.summary.drift);
}

#[test]
fn malformed_instances_are_errors_naming_file_and_address() {
    // An instance without its id.
    let s = state(json!([block(
        Some("module.x"),
        "aws_instance",
        "web",
        vec![(
            json!(0),
            json!({"arn": format!("{ARN}:instance/i-1"), "instance_type": "t3.micro"})
        ),]
    )]));
    let e = mapped(&s).unwrap_err();
    assert_eq!(e.file, "main.tfstate");
    assert_eq!(e.address.as_deref(), Some("module.x.aws_instance.web[0]"));
    assert_eq!(e.kind, ErrorKind::MissingId);
    assert_eq!(
        e.to_string(),
        "main.tfstate: module.x.aws_instance.web[0]: the instance's attributes have no `id`"
    );

    // Wrong attribute types, bad ids, incomplete rules: each names its address.
    let cases = [
        (
            one(
                "aws_ebs_volume",
                "v",
                json!({"id": "vol-1", "arn": format!("{ARN}:volume/vol-1"), "size": "large"}),
            ),
            "aws_ebs_volume.v",
            ErrorKind::InvalidField {
                field: "size".into(),
                expected: "an integer",
            },
        ),
        (
            one("aws_vpc", "v", json!({"id": "vpc-1", "arn": "arn:nope"})),
            "aws_vpc.v",
            ErrorKind::InvalidId {
                field: "arn".into(),
                value: "arn:nope".into(),
                what: "ARN",
            },
        ),
        (
            one(
                "aws_security_group",
                "g",
                json!({"id": "sg-1",
                "arn": format!("{ARN}:security-group/sg-1"), "ingress": [{"from_port": 1}]}),
            ),
            "aws_security_group.g",
            ErrorKind::MissingField {
                field: "protocol".into(),
            },
        ),
        (
            one(
                "aws_security_group_rule",
                "r",
                json!({"id": "x", "type": "ingress", "protocol": "tcp"}),
            ),
            "aws_security_group_rule.r",
            ErrorKind::MissingField {
                field: "security_group_id".into(),
            },
        ),
    ];
    for (resource, address, kind) in cases {
        let e = error_of(resource);
        assert_eq!((e.address.as_deref(), e.kind), (Some(address), kind));
    }
}

/// (short id, changed attribute paths) per changed resource.
fn changed_attributes(r: &DriftReport) -> Vec<(&str, Vec<&str>)> {
    r.changed
        .iter()
        .map(|c| {
            (
                c.resource_id.short_id(),
                c.attributes.iter().map(|a| a.attribute.as_str()).collect(),
            )
        })
        .collect()
}

/// The error of a state holding just `resource`.
fn error_of(resource: Value) -> TerraformError {
    mapped(&state(json!([resource]))).unwrap_err()
}

#[test]
fn placement_comes_from_attributes_provider_siblings_or_defaults() {
    // Alone, an EIP without arn/region cannot be placed.
    let eip = one(
        "aws_eip",
        "ip",
        json!({"id": "eipalloc-1", "public_ip": "198.51.100.1",
        "domain": "vpc", "instance": "", "network_interface": "", "tags_all": {}}),
    );
    let s = state(json!([eip.clone()]));
    let e = mapped(&s).unwrap_err();
    assert_eq!(e.address.as_deref(), Some("aws_eip.ip"));
    assert_eq!(e.kind, ErrorKind::Unplaceable { missing: "account" });

    // With defaults it is.
    let f = parse("a.tfstate", &s).unwrap();
    let opts = MapOptions {
        default_account: Some(account()),
        default_region: Some("eu-west-1".parse().unwrap()),
    };
    let m = map_states(&[f], &opts).unwrap();
    assert_eq!(
        m.managed[0].id.as_str(),
        "arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-1"
    );

    // A sibling of the same provider with an ARN places it (and wins over the default).
    let s = state(json!([
        eip,
        one(
            "aws_vpc",
            "v",
            json!({"id": "vpc-1",
        "arn": "arn:aws:ec2:ap-southeast-2:123456789012:vpc/vpc-1"})
        )
    ]));
    let f = parse("a.tfstate", &s).unwrap();
    let m = map_states(&[f], &opts).unwrap();
    assert_eq!(
        m.managed[0].id.as_str(),
        "arn:aws:ec2:ap-southeast-2:123456789012:elastic-ip/eipalloc-1"
    );

    // Provider v6 writes `region` on every resource.
    let s = state(json!([one(
        "aws_eip",
        "ip",
        json!({"id": "eipalloc-2", "region": "eu-west-1",
        "public_ip": "198.51.100.2"})
    )]));
    let f = parse("a.tfstate", &s).unwrap();
    let m = map_states(
        &[f],
        &MapOptions {
            default_account: Some(account()),
            default_region: None,
        },
    )
    .unwrap();
    assert_eq!(m.managed[0].placement.as_str(), "eu-west-1");

    // An instance in a region no sibling or default names.
    let s = state(json!([one(
        "aws_instance",
        "i",
        json!({"id": "i-1", "owner_id": "123456789012"})
    )]));
    assert_eq!(
        mapped(&s).unwrap_err().kind,
        ErrorKind::Unplaceable { missing: "region" }
    );
}

#[test]
fn a_resource_managed_twice_is_an_error() {
    let vpc = json!({"id": "vpc-1", "arn": format!("{ARN}:vpc/vpc-1")});
    let a = parse(
        "a.tfstate",
        &state(json!([one("aws_vpc", "a", vpc.clone())])),
    )
    .unwrap();
    let b = parse("b.tfstate", &state(json!([one("aws_vpc", "b", vpc)]))).unwrap();
    let e = map_states(&[a, b], &MapOptions::default()).unwrap_err();
    assert_eq!(e.file, "b.tfstate");
    assert_eq!(
        e.kind,
        ErrorKind::ManagedTwice {
            resource_id: format!("{ARN}:vpc/vpc-1"),
            other_file: "a.tfstate".into(),
            other_address: "aws_vpc.a".into()
        }
    );
}

fn user(name: &str, unique: &str) -> Resource {
    Resource::new(
        format!("arn:aws:iam::123456789012:user/{name}")
            .parse()
            .unwrap(),
        account(),
        Region::global(),
        BTreeMap::new(),
        User {
            user_name: name.into(),
            user_id: unique.into(),
            path: "/".into(),
            create_date: None,
            password_last_used: None,
            login_profile: None,
            mfa_devices: vec![],
            attached_policies: vec![],
            inline_policies: vec![],
            groups: vec![],
        },
    )
}

#[test]
fn buckets_fold_their_settings_and_are_placed_by_location() {
    let s = state(json!([
        one(
            "aws_s3_bucket",
            "logs",
            json!({"id": "logs", "bucket": "logs", "arn": "arn:aws:s3:::logs",
            "region": "us-east-1", "tags_all": {},
            "versioning": [{"enabled": true, "mfa_delete": false}]})
        ),
        one(
            "aws_s3_bucket_versioning",
            "logs",
            json!({"id": "logs", "bucket": "logs",
            "versioning_configuration": [{"status": "Enabled", "mfa_delete": ""}]})
        ),
        one(
            "aws_s3_bucket_public_access_block",
            "logs",
            json!({"id": "logs", "bucket": "logs",
            "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true,
            "restrict_public_buckets": true})
        ),
        one(
            "aws_s3_bucket_server_side_encryption_configuration",
            "logs",
            json!({"id": "logs",
            "bucket": "logs", "rule": [{"apply_server_side_encryption_by_default":
            [{"sse_algorithm": "AES256", "kms_master_key_id": ""}], "bucket_key_enabled": false}]})
        ),
        one(
            "aws_iam_user",
            "bob",
            json!({"id": "bob", "name": "bob", "path": "/",
            "arn": "arn:aws:iam::123456789012:user/bob", "unique_id": "AIDA1", "tags_all": {}})
        ),
    ]));
    let m = mapped(&s).unwrap();
    assert_eq!(m.managed.len(), 2);
    let b = m
        .managed
        .iter()
        .find(|m| m.kind == ResourceKind::AwsS3Bucket)
        .unwrap();
    assert_eq!(b.id.as_str(), "arn:aws:s3:::logs");
    assert_eq!(b.scope_region, Region::global());
    assert_eq!(b.placement, region());
    assert_eq!(
        b.attrs["versioning_configuration.status"].declared_by,
        ["aws_s3_bucket_versioning.logs"]
    );
    let coverage = complete(&[
        (ResourceKind::AwsS3Bucket, "global"),
        (ResourceKind::AwsIamUser, "global"),
    ]);
    // In sync, plus an unmanaged bucket in us-east-1 and one in eu-west-1 (not covered).
    let live = vec![
        testkit::bucket("logs", |_| {}),
        testkit::bucket("other", |_| {}),
        testkit::bucket("far", |b| b.location = Some("eu-west-1".parse().unwrap())),
        user("bob", "AIDA1"),
        user("eve", "AIDA2"),
    ];
    let r = compare(&m, &live, &coverage);
    assert!(r.changed.is_empty(), "{:#?}", r.changed);
    let un: Vec<&str> = r.unmanaged.iter().map(|u| u.resource_id.as_str()).collect();
    assert_eq!(
        un,
        ["arn:aws:iam::123456789012:user/eve", "arn:aws:s3:::other"]
    );

    // Public access opened, versioning suspended, the user recreated (new unique id).
    let live = vec![
        testkit::bucket("logs", |b| {
            b.public_access_block = None;
            b.versioning = Some(Versioning {
                status: VersioningStatus::Suspended,
                mfa_delete: false,
            });
        }),
        user("bob", "AIDA9"),
    ];
    let r = compare(&m, &live, &coverage);
    assert_eq!(
        changed_attributes(&r),
        [
            ("bob", vec!["unique_id"]),
            (
                "logs",
                vec![
                    "block_public_acls",
                    "block_public_policy",
                    "ignore_public_acls",
                    "restrict_public_buckets",
                    "versioning.enabled",
                    "versioning_configuration.status"
                ]
            )
        ]
    );

    // An aspect the scan could not read is unverified, not changed.
    let live = vec![
        testkit::bucket("logs", |b| {
            b.public_access_block = None;
            b.unreadable = vec![BucketAspect::PublicAccessBlock];
        }),
        user("bob", "AIDA1"),
    ];
    let r = compare(&m, &live, &coverage);
    assert!(r.changed.is_empty());
    let unverified: Vec<&str> = r.unverified.iter().map(|u| u.attribute.as_str()).collect();
    assert_eq!(
        unverified,
        [
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets"
        ]
    );
}

#[test]
fn eips_and_load_balancers_compare() {
    let lb_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1";
    let s = state(json!([
        one(
            "aws_eip",
            "ip",
            json!({"id": "eipalloc-1", "arn": format!("{ARN}:elastic-ip/eipalloc-1"),
            "public_ip": "198.51.100.1", "domain": "vpc", "instance": "i-1", "network_interface": "eni-1",
            "tags_all": {}})
        ),
        one(
            "aws_alb",
            "web",
            json!({"id": lb_arn, "arn": lb_arn, "internal": true,
            "load_balancer_type": "application", "subnets": ["subnet-1", "subnet-2"],
            "security_groups": ["sg-1"], "ip_address_type": "ipv4",
            "enable_deletion_protection": true, "tags_all": {}})
        ),
    ]));
    let m = mapped(&s).unwrap();
    let coverage = complete(&[
        (ResourceKind::AwsEc2ElasticIp, "us-east-1"),
        (ResourceKind::AwsElbv2LoadBalancer, "us-east-1"),
    ]);
    let eip = resource(
        ec2_id("elastic-ip", "eipalloc-1"),
        ElasticIp {
            allocation_id: "eipalloc-1".into(),
            public_ip: "198.51.100.1".into(),
            association_id: None,
            instance: None,
            network_interface: None,
            network_interface_owner_id: None,
            private_ip: None,
            domain: AddressDomain::Vpc,
            network_border_group: None,
            public_ipv4_pool: None,
        },
    );
    let lb = testkit::elbv2_lb("web", |l| {
        l.subnets = vec![ec2_id("subnet", "subnet-1"), ec2_id("subnet", "subnet-2")];
        l.security_groups = vec![ec2_id("security-group", "sg-1")];
    });
    let r = compare(&m, &[eip, lb], &coverage);
    let changed: Vec<(&str, &str, &AttrValue, &AttrValue)> = r
        .changed
        .iter()
        .flat_map(|c| {
            c.attributes.iter().map(move |a| {
                (
                    c.resource_id.short_id(),
                    a.attribute.as_str(),
                    &a.state,
                    &a.live,
                )
            })
        })
        .collect();
    assert_eq!(
        changed,
        [
            (
                "eipalloc-1",
                "instance",
                &AttrValue::str("i-1"),
                &AttrValue::Null
            ),
            (
                "eipalloc-1",
                "network_interface",
                &AttrValue::str("eni-1"),
                &AttrValue::Null
            ),
            (
                "1",
                "internal",
                &AttrValue::Bool(true),
                &AttrValue::Bool(false)
            ),
        ]
    );
}

#[test]
fn supported_types_cover_the_issue_list() {
    let t = supported_types();
    for want in [
        "aws_instance",
        "aws_ebs_volume",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_vpc",
        "aws_subnet",
        "aws_s3_bucket",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_iam_user",
        "aws_eip",
        "aws_lb",
        "azurerm_virtual_machine",
        "azurerm_linux_virtual_machine",
        "azurerm_windows_virtual_machine",
        "azurerm_managed_disk",
        "azurerm_network_security_group",
        "azurerm_network_security_rule",
        "azurerm_storage_account",
    ] {
        assert!(t.contains(&want), "{want}");
    }
    let mut dedup = t.clone();
    dedup.dedup();
    assert_eq!(dedup, t, "each type once");
}

mod azure {
    use super::*;
    use skywarden_graph::model::{PublicNetworkAccess, TlsVersion};
    use skywarden_graph::testkit::azure::{
        az_account, az_disk, az_nsg, az_storage, az_vm, disk_id, nsg_rule, SUBSCRIPTION,
    };

    const AZ: &str = "provider[\"registry.terraform.io/hashicorp/azurerm\"]";

    fn arm(rest: &str) -> String {
        format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg1/providers/{rest}")
    }

    fn az(ty: &str, name: &str, attrs: Value) -> Value {
        json!({"mode": "managed", "type": ty, "name": name, "provider": AZ,
            "instances": [{"schema_version": 0, "attributes": attrs}]})
    }

    fn ssh_rule() -> Value {
        json!({"name": "ssh", "priority": 100, "direction": "Inbound", "access": "Allow",
            "protocol": "Tcp", "source_port_range": "*", "source_port_ranges": [],
            "destination_port_range": "22", "destination_port_ranges": [],
            "source_address_prefix": "Internet", "source_address_prefixes": [],
            "destination_address_prefix": "*", "destination_address_prefixes": [],
            "source_application_security_group_ids": [], "destination_application_security_group_ids": [],
            "description": ""})
    }

    fn az_state(extra: Vec<Value>) -> Vec<u8> {
        let mut https = ssh_rule();
        https["name"] = json!("https");
        https["priority"] = json!(110);
        https["destination_port_range"] = json!("443");
        https["source_address_prefix"] = json!("*");
        https["id"] = json!(arm(
            "Microsoft.Network/networkSecurityGroups/nsg1/securityRules/https"
        ));
        https["network_security_group_name"] = json!("nsg1");
        let mut resources = vec![
            az(
                "azurerm_linux_virtual_machine",
                "vm",
                json!({"id": arm("Microsoft.Compute/virtualMachines/vm1"),
                "name": "vm1", "location": "West Europe", "size": "Standard_B2s",
                "network_interface_ids": [arm("Microsoft.Network/networkInterfaces/VM1-nic")], "tags": {}}),
            ),
            az(
                "azurerm_managed_disk",
                "data",
                json!({"id": arm("Microsoft.Compute/disks/d1"),
                "location": "westeurope", "disk_size_gb": 128, "storage_account_type": "Premium_LRS",
                "disk_encryption_set_id": "", "public_network_access_enabled": true, "tags": {}}),
            ),
            az(
                "azurerm_network_security_group",
                "web",
                json!({"id": arm("Microsoft.Network/networkSecurityGroups/nsg1"),
                "location": "westeurope", "security_rule": [ssh_rule()], "tags": {}}),
            ),
            az("azurerm_network_security_rule", "https", https),
            az(
                "azurerm_storage_account",
                "st",
                json!({"id": arm("Microsoft.Storage/storageAccounts/st1"),
                "location": "westeurope", "account_tier": "Standard", "account_replication_type": "LRS",
                "https_traffic_only_enabled": true, "min_tls_version": "TLS1_2",
                "allow_nested_items_to_be_public": false, "shared_access_key_enabled": false,
                "public_network_access_enabled": false, "tags": {}}),
            ),
        ];
        resources.extend(extra);
        state(Value::Array(resources))
    }

    fn az_live() -> Vec<Resource> {
        vec![
            az_vm("vm1", |_| {}),
            az_disk("d1", |_| {}),
            az_nsg(
                "nsg1",
                vec![
                    nsg_rule("ssh", 100, "Allow", "Tcp", &["Internet"], &["22"]),
                    nsg_rule("https", 110, "Allow", "Tcp", &["*"], &["443"]),
                ],
            ),
            az_storage("st1", |_| {}),
        ]
    }

    fn az_coverage() -> Coverage {
        let mut c = Coverage::new();
        for kind in [
            ResourceKind::AzureComputeVirtualMachine,
            ResourceKind::AzureComputeDisk,
            ResourceKind::AzureNetworkSecurityGroup,
            ResourceKind::AzureStorageAccount,
        ] {
            c.record(
                Scope {
                    account_id: az_account(),
                    region: "westeurope".parse().unwrap(),
                    kind,
                },
                CoverageStatus::Complete,
            );
        }
        c
    }

    #[test]
    fn azurerm_types_map_to_lower_cased_arm_ids_and_compare() {
        let m = mapped(&az_state(vec![])).unwrap();
        assert_eq!(m.managed.len(), 4);
        let vm = &m.managed[0];
        assert_eq!(
            vm.id.as_str(),
            arm("Microsoft.Compute/virtualMachines/vm1").to_lowercase()
        );
        assert_eq!(vm.account, az_account());
        assert_eq!(vm.placement.as_str(), "westeurope");
        let nsg = m
            .managed
            .iter()
            .find(|m| m.kind == ResourceKind::AzureNetworkSecurityGroup)
            .unwrap();
        assert_eq!(
            nsg.attrs["security_rule"].declared_by,
            [
                "azurerm_network_security_group.web",
                "azurerm_network_security_rule.https"
            ]
        );
        let r = compare(&m, &az_live(), &az_coverage());
        assert!(r.changed.is_empty(), "{:#?}", r.changed);
        assert!(r.unmanaged.is_empty() && r.missing.is_empty() && r.unverified.is_empty());
        assert_eq!(r.summary.in_sync, 4);
    }

    #[test]
    fn azure_drift_is_exact() {
        let ghost = az(
            "azurerm_managed_disk",
            "ghost",
            json!({"id": arm("Microsoft.Compute/disks/d3"), "location": "westeurope"}),
        );
        let m = mapped(&az_state(vec![ghost])).unwrap();
        let mut live = az_live();
        live[0] = az_vm("vm1", |v| v.vm_size = Some("Standard_D4s_v5".into()));
        live[1] = az_disk("d1", |d| {
            d.size_gib = Some(256);
            d.public_network_access = Some(PublicNetworkAccess::Disabled);
        });
        live[2] = az_nsg(
            "nsg1",
            vec![nsg_rule(
                "ssh",
                100,
                "Allow",
                "Tcp",
                &["Internet"],
                &["22", "3389"],
            )],
        );
        live[3] = az_storage("st1", |s| {
            s.allow_blob_public_access = Some(true);
            s.minimum_tls_version = None;
        });
        live.push(az_disk("d2", |_| {}));
        let r = compare(&m, &live, &az_coverage());
        assert_eq!(
            r.unmanaged
                .iter()
                .map(|u| u.resource_id.clone())
                .collect::<Vec<_>>(),
            [disk_id("d2")]
        );
        assert_eq!(
            r.missing
                .iter()
                .map(|u| u.resource_id.clone())
                .collect::<Vec<_>>(),
            [disk_id("d3")]
        );
        assert_eq!(
            changed_attributes(&r),
            [
                ("d1", vec!["disk_size_gb", "public_network_access_enabled"]),
                ("vm1", vec!["size"]),
                ("nsg1", vec!["security_rule"]),
                (
                    "st1",
                    vec!["allow_nested_items_to_be_public", "min_tls_version"]
                ),
            ]
        );
        let st = &r.changed[3].attributes[1];
        assert_eq!(
            (&st.state, &st.live),
            (
                &AttrValue::str("TLS1_2"),
                &AttrValue::str(TlsVersion::Tls1_0.as_str())
            )
        );
        let nsg = &r.changed[2].attributes[0];
        assert_eq!(
            nsg.live,
            AttrValue::set(["ssh 100 Inbound Allow Tcp src=internet sport=* dst=* dport=22,3389"])
        );
    }

    #[test]
    fn legacy_virtual_machines_compare_their_os_disk() {
        let s = state(json!([az(
            "azurerm_virtual_machine",
            "old",
            json!({
            "id": arm("Microsoft.Compute/virtualMachines/vm1"), "location": "westeurope",
            "vm_size": "Standard_B2s", "network_interface_ids": [arm("Microsoft.Network/networkInterfaces/vm1-nic")],
            "storage_os_disk": [{"name": "os", "managed_disk_id": arm("Microsoft.Compute/disks/os1")}]})
        )]));
        let m = mapped(&s).unwrap();
        let live = [az_vm("vm1", |v| v.os_disk = Some(disk_id("os2")))];
        let r = compare(&m, &live, &az_coverage());
        assert_eq!(r.changed.len(), 1);
        let a = &r.changed[0].attributes[0];
        assert_eq!(a.attribute, "storage_os_disk.managed_disk_id");
        assert_eq!(a.live, AttrValue::str(disk_id("os2").to_string()));
    }

    #[test]
    fn malformed_azure_resources_name_their_address() {
        let mut rule = ssh_rule();
        rule.as_object_mut().unwrap().remove("priority");
        rule["id"] = json!(arm(
            "Microsoft.Network/networkSecurityGroups/nsg1/securityRules/ssh"
        ));
        let disk = |id: &str, location: Option<&str>| {
            let mut a = json!({"id": id});
            if let Some(l) = location {
                a["location"] = json!(l);
            }
            az("azurerm_managed_disk", "d", a)
        };
        let cases = [
            (
                az("azurerm_network_security_rule", "bad", rule),
                ErrorKind::MissingField {
                    field: "priority".into(),
                },
            ),
            (
                disk(
                    "/subscriptions/not-a-guid/resourceGroups/rg1/providers/Microsoft.Compute/disks/d",
                    Some("westeurope"),
                ),
                ErrorKind::InvalidId {
                    field: "id".into(),
                    value: "not-a-guid".into(),
                    what: "subscription id (a GUID)",
                },
            ),
            (
                disk("d1", Some("westeurope")),
                ErrorKind::InvalidId {
                    field: "id".into(),
                    value: "d1".into(),
                    what: "Azure resource id",
                },
            ),
            (
                disk(&arm("Microsoft.Compute/disks/d"), None),
                ErrorKind::Unplaceable { missing: "region" },
            ),
        ];
        for (resource, kind) in cases {
            let address = format!(
                "{}.{}",
                resource["type"].as_str().unwrap(),
                resource["name"].as_str().unwrap()
            );
            let e = error_of(resource);
            assert_eq!((e.address, e.kind), (Some(address), kind));
        }
    }
}
