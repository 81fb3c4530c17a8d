//! End-to-end: the real `skywarden` binary scans the seeded moto estate with the real AWS SDK,
//! and the results are compared with the seeder's ground truth.
//!
//! Needs `SKYWARDEN_TEST_AWS_ENDPOINT`, `SKYWARDEN_TEST_AWS_EXPECTED` (seed.py's ground truth)
//! and `SKYWARDEN_TEST_AWS_EXTRA_EBS` / `SKYWARDEN_TEST_AWS_EXTRA_SERVICES` (extra_ebs.py's and
//! extra_services.py's), all set by `eval "$(scripts/emulator up)"`; `./scripts/test` does it.
//! Without them the tests skip locally and FAIL when `CI=true`. Postgres comes from `SKYWARDEN_TEST_POSTGRES_URL`
//! (default postgres://postgres@127.0.0.1:5432/postgres); unreachable = skip locally, fail in CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use serde_json::Value;
use skywarden_graph::model::{
    ElasticIp, FlowLog, Instance, InternetGateway, Listener, LoadBalancer, NatGateway,
    NatGatewayState, NetworkInterface, RouteTable, SecurityGroup, Snapshot, Subnet, TargetGroup,
    Vpc, VpcEndpoint, VpcEndpointType, VpcPeeringConnection,
};
use skywarden_graph::{
    ConnectionId, CoverageStatus, Direction, EdgeKind, ErrorClass, ResourceKind,
};
use skywarden_rules::{FindingRecord, FindingStatus};
use skywarden_store::{ScanStatus, Store};

/// Rule id -> ground-truth problem key.
const RULE_TRUTH: &[(&str, &str)] = &[
    ("aws.ec2.eip_unassociated", "eip_unassociated"),
    (
        "aws.elbv2.load_balancer_without_targets",
        "lb_without_targets",
    ),
    (
        "aws.ec2.security_group_world_open_all_traffic",
        "sg_world_open_all_traffic",
    ),
    (
        "aws.ec2.security_group_world_open_all_ports",
        "sg_world_open_all_ports",
    ),
    ("aws.ebs.snapshot_older_than_90d", "snapshot_older_than_90d"),
    ("aws.ebs.snapshot_unencrypted", "snapshot_unencrypted"),
    ("aws.ec2.instance_stopped_with_volumes", "instance_stopped"),
    ("aws.ec2.security_group_world_open_ssh", "sg_world_open_ssh"),
    ("aws.ec2.security_group_world_open_rdp", "sg_world_open_rdp"),
    ("aws.ec2.instance_imdsv1", "instance_imdsv1"),
    ("aws.ebs.volume_unencrypted", "volume_unencrypted"),
    ("aws.ebs.volume_unattached", "volume_unattached"),
    (
        "aws.ec2.instance_exposed_admin_port",
        "instance_exposed_admin_port",
    ),
    ("aws.ec2.instance_public_ip", "instance_public_ip"),
];

/// Rule id -> ground-truth problem key of the account-wide section (IAM, S3: region `global`).
const GLOBAL_TRUTH: &[(&str, &str)] = &[
    ("aws.s3.bucket_public", "s3_bucket_public"),
    ("aws.s3.bucket_public_acl", "s3_bucket_public_acl"),
    ("aws.s3.bucket_public_policy", "s3_bucket_public_policy"),
    (
        "aws.s3.bucket_acl_grants_all_users",
        "s3_bucket_acl_grants_all_users",
    ),
    (
        "aws.s3.bucket_no_public_access_block",
        "s3_bucket_no_public_access_block",
    ),
    (
        "aws.s3.bucket_no_default_encryption",
        "s3_bucket_no_default_encryption",
    ),
    (
        "aws.s3.bucket_versioning_disabled",
        "s3_bucket_versioning_disabled",
    ),
    (
        "aws.iam.access_key_older_than_90d",
        "iam_access_key_older_than_90d",
    ),
    (
        "aws.iam.user_multiple_active_keys",
        "iam_user_multiple_active_keys",
    ),
    (
        "aws.iam.user_two_access_keys",
        "iam_user_two_access_keys_any_status",
    ),
    (
        "aws.iam.user_console_without_mfa",
        "iam_user_console_without_mfa",
    ),
    (
        "aws.iam.user_admin_policy_attached",
        "iam_user_admin_policy_attached",
    ),
    (
        "aws.iam.no_password_policy",
        "iam_no_account_password_policy",
    ),
];

/// The seeded resources in the ground truth's scope (see testing/aws-emulator/README.md):
/// moto's default VPC, its default subnets and every VPC's `default` group are not counted;
/// the main route table of every seeded VPC is.
fn seeded_inventory_counts(
    resources: &[skywarden_graph::Resource],
    region: &str,
) -> BTreeMap<&'static str, usize> {
    let in_region: Vec<_> = resources
        .iter()
        .filter(|r| r.region.as_str() == region)
        .collect();
    let seeded_vpcs: BTreeSet<_> = in_region
        .iter()
        .filter(|r| r.model::<Vpc>().is_some_and(|v| !v.is_default))
        .map(|r| r.id.clone())
        .collect();
    let count =
        |f: &dyn Fn(&skywarden_graph::Resource) -> bool| in_region.iter().filter(|r| f(r)).count();
    BTreeMap::from([
        ("vpcs", seeded_vpcs.len()),
        (
            "subnets",
            count(&|r| r.model::<Subnet>().is_some_and(|s| !s.default_for_az)),
        ),
        (
            "route_tables",
            count(&|r| {
                r.model::<RouteTable>()
                    .is_some_and(|t| seeded_vpcs.contains(&t.vpc))
            }),
        ),
        (
            "internet_gateways",
            count(&|r| {
                r.model::<InternetGateway>()
                    .is_some_and(|g| g.attached_vpcs.iter().any(|v| seeded_vpcs.contains(v)))
            }),
        ),
        (
            "security_groups",
            count(&|r| {
                r.model::<SecurityGroup>()
                    .is_some_and(|g| g.group_name != "default")
            }),
        ),
        (
            "instances",
            count(&|r| r.kind() == ResourceKind::AwsEc2Instance),
        ),
        (
            "volumes",
            count(&|r| r.kind() == ResourceKind::AwsEbsVolume),
        ),
        (
            "nat_gateways",
            count(&|r| {
                r.model::<NatGateway>().is_some_and(|n| {
                    n.state != NatGatewayState::Deleted && seeded_vpcs.contains(&n.vpc)
                })
            }),
        ),
        // moto: one per instance and per NAT gateway (extra_vpc.py's interface endpoint has no subnet).
        (
            "network_interfaces",
            count(&|r| r.model::<NetworkInterface>().is_some()),
        ),
        ("elastic_ips", count(&|r| r.model::<ElasticIp>().is_some())),
        (
            "snapshots",
            count(&|r| {
                r.model::<Snapshot>().is_some_and(|s| {
                    s.description
                        .as_deref()
                        .is_some_and(|d| d.starts_with("gov-"))
                })
            }),
        ),
        (
            "route_tables_with_igw_route",
            count(&|r| {
                r.model::<RouteTable>().is_some_and(|t| {
                    seeded_vpcs.contains(&t.vpc) && t.internet_gateway_route().is_some()
                })
            }),
        ),
        (
            "load_balancers",
            count(&|r| r.kind() == ResourceKind::AwsElbv2LoadBalancer),
        ),
        (
            "target_groups",
            count(&|r| r.kind() == ResourceKind::AwsElbv2TargetGroup),
        ),
    ])
}

/// The ground truth of testing/aws-emulator/extra_vpc.py (`SKYWARDEN_TEST_AWS_EXPECTED_VPC`,
/// exported by `scripts/emulator up`): `None` (skip) when it is not configured locally.
fn vpc_truth() -> Option<Value> {
    match std::env::var("SKYWARDEN_TEST_AWS_EXPECTED_VPC") {
        Ok(path) if !path.is_empty() => {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("read {path}: {e} (re-seed: scripts/emulator up --reseed)")
            });
            Some(serde_json::from_str(&text).expect("VPC ground truth is JSON"))
        }
        _ if in_ci() => panic!("CI=true but SKYWARDEN_TEST_AWS_EXPECTED_VPC is not set"),
        _ => {
            eprintln!("SKIP: SKYWARDEN_TEST_AWS_EXPECTED_VPC not set (run ./scripts/test)");
            None
        }
    }
}

/// Every VPC rule and every planted kind of extra_vpc.py, per region, exactly; and the new
/// kinds' edges (endpoint <- route table, VPC -> flow log, peering -> both VPCs).
fn check_vpc_truth(
    truth: &Value,
    findings: &[FindingRecord],
    resources: &[skywarden_graph::Resource],
) -> Vec<String> {
    let mut mismatches = Vec::new();
    let counts = per_rule_region(findings);
    for (rule, per_region) in truth["problems"].as_object().expect("problems") {
        for region in REGIONS {
            let want = per_region[region].as_u64().unwrap_or(0) as usize;
            let got = counts
                .get(&(rule.clone(), region.to_string()))
                .copied()
                .unwrap_or(0);
            if got != want {
                mismatches.push(format!("{rule} {region}: got {got}, want {want}"));
            }
        }
    }
    for (kind, per_region) in truth["inventory"].as_object().expect("inventory") {
        let kind: ResourceKind = kind.parse().expect("kind slug");
        for region in REGIONS {
            let want = per_region[region].as_u64().unwrap_or(0) as usize;
            let got = resources
                .iter()
                .filter(|r| r.region.as_str() == region && r.kind() == kind)
                .count();
            if got != want {
                mismatches.push(format!("inventory {kind} {region}: got {got}, want {want}"));
            }
        }
    }
    let mut b = skywarden_graph::InventoryBuilder::new();
    b.extend(resources.iter().cloned());
    let inv = b.build();
    for (r, e) in inv.of_kind::<VpcEndpoint>() {
        let routed = inv.neighbors_of::<RouteTable>(&r.id, EdgeKind::RoutesTo, Direction::Incoming);
        if e.endpoint_type == VpcEndpointType::Gateway && routed.is_empty() {
            mismatches.push(format!("gateway endpoint {} has no route table", r.id));
        }
        if e.endpoint_type == VpcEndpointType::Interface && e.security_groups.is_empty() {
            mismatches.push(format!("interface endpoint {} has no security group", r.id));
        }
        // moto adds the prefix-list route itself: the table's own route names the endpoint too.
        for (_, t) in routed {
            if !t.routes.iter().any(|x| x.target.id() == Some(&r.id)) {
                mismatches.push(format!("{} has no route to {}", t.route_table_id, r.id));
            }
        }
    }
    for (r, _) in inv.of_kind::<FlowLog>() {
        if inv
            .neighbors(&r.id, EdgeKind::LogsTo, Direction::Incoming)
            .is_empty()
        {
            mismatches.push(format!("flow log {} is not linked to what it logs", r.id));
        }
    }
    for (r, p) in inv.of_kind::<VpcPeeringConnection>() {
        let vpcs = inv.neighbors_of::<Vpc>(&r.id, EdgeKind::AttachedTo, Direction::Outgoing);
        let tables = inv.neighbors_of::<RouteTable>(&r.id, EdgeKind::RoutesTo, Direction::Incoming);
        if vpcs.len() != 2 || tables.len() != 2 || p.accepter.cidr_blocks.is_empty() {
            mismatches.push(format!(
                "peering {}: {} VPCs, {} route tables, accepter {:?}",
                r.id,
                vpcs.len(),
                tables.len(),
                p.accepter.cidr_blocks
            ));
        }
    }
    mismatches
}

/// moto deviation: every encrypted EBS volume or snapshot seed.py creates without a key makes
/// moto create a new CUSTOMER-managed, non-rotating KMS key with this description (AWS uses
/// the one AWS-managed `aws/ebs` key, which no rule reports). Skywarden reports those keys
/// (`aws.kms.key_rotation_disabled`), as it would real customer keys; they are counted here
/// and added to extra_services.py's ground truth, which counts only its planted keys.
const MOTO_EBS_DEFAULT_KEY: &str =
    "Default master key that protects my EBS volumes when no other key is defined";

fn moto_ebs_default_keys(resources: &[skywarden_graph::Resource], region: &str) -> usize {
    use skywarden_graph::model::{KeyManager, KeyState, KmsKey};
    resources
        .iter()
        .filter(|r| r.region.as_str() == region)
        .filter_map(|r| r.model::<KmsKey>())
        .filter(|k| k.description.as_deref() == Some(MOTO_EBS_DEFAULT_KEY))
        .inspect(|k| {
            assert!(
                k.manager == KeyManager::Customer
                    && k.state == KeyState::Enabled
                    && k.rotation_enabled == Some(false),
                "moto's EBS default key changed: {k:?}"
            )
        })
        .count()
}

/// Rule ids with a ground truth from extra_ebs.py or extra_services.py.
fn extra_rules(emu: &Emu) -> BTreeSet<String> {
    extra_keys(emu, "problems")
}

/// Kind slugs with an inventory count from extra_ebs.py or extra_services.py.
fn extra_kinds(emu: &Emu) -> BTreeSet<String> {
    extra_keys(emu, "inventory")
}

fn extra_keys(emu: &Emu, section: &str) -> BTreeSet<String> {
    let keys: BTreeSet<String> = [&emu.extra_ebs, &emu.extra_services]
        .iter()
        .filter_map(|t| t[section].as_object())
        .flat_map(|m| m.keys().cloned())
        .collect();
    assert!(
        !keys.is_empty(),
        "the extra ground truths have no {section}"
    );
    keys
}

fn per_rule_region(findings: &[FindingRecord]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry((f.finding.rule_id.clone(), f.finding.region.to_string()))
            .or_insert(0) += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_matches_ground_truth_and_is_stable_across_runs() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());

    let first = scan_ok(&emu.endpoint, &db);
    assert_eq!(first.account_id, "123456789012");
    assert_eq!(first.scan.status, ScanStatus::Succeeded);
    assert_eq!(
        first
            .regions
            .iter()
            .map(|r| r.as_str())
            .collect::<BTreeSet<_>>(),
        REGIONS.into_iter().collect()
    );
    assert!(first.scan.coverage.iter().all(|(_, s)| s.is_complete()));
    // One scope per (region, regional kind), plus one per global kind (IAM, S3) per account.
    let regional = skywarden_scanner::aws::collectors::regional().count();
    let global = skywarden_scanner::aws::collectors::global().count();
    assert_eq!(first.scan.coverage.len(), REGIONS.len() * regional + global);
    // Every call went through the gate and was counted.
    let ec2_collectors = skywarden_scanner::aws::collectors::regional()
        .filter(|c| c.operation().starts_with("ec2:"))
        .count();
    assert!(first.scan.api_calls["ec2"].calls >= (REGIONS.len() * ec2_collectors) as u64);
    assert_eq!(first.scan.api_calls["ec2"].throttles, 0);

    let store = Store::connect(&db).await.unwrap();
    let conn: ConnectionId = CONNECTION.parse().unwrap();
    let resources = store.list_resources(&conn).await.unwrap();
    store.close().await;

    // Every rule, every region: exactly the ground truth (exposure: see ipv6_only_admin_exposures).
    let counts = per_rule_region(&first.findings);
    let mut mismatches = Vec::new();
    let mut ipv6_only_total = 0;
    for &(rule, key) in RULE_TRUTH {
        for region in REGIONS {
            let got = counts
                .get(&(rule.to_string(), region.to_string()))
                .copied()
                .unwrap_or(0);
            // extra_ebs.py's AMI snapshots add to seed.py's snapshot_unencrypted.
            let mut want =
                truth(&emu, region, "problems", key) + emu.extra("problems", rule, region);
            if key == "instance_exposed_admin_port" {
                let v6 = ipv6_only_admin_exposures(&resources, region);
                ipv6_only_total += v6;
                want -= v6;
            }
            if got != want {
                mismatches.push(format!("{rule} {region}: got {got}, want {want}"));
            }
        }
    }
    for &(rule, key) in GLOBAL_TRUTH {
        let got = counts
            .get(&(rule.to_string(), "global".to_string()))
            .copied()
            .unwrap_or(0);
        let want = emu.expected["global"]["problems"][key]
            .as_u64()
            .unwrap_or_else(|| panic!("no global ground truth {key}")) as usize;
        if got != want {
            mismatches.push(format!("{rule} global: got {got}, want {want}"));
        }
    }
    // Two ground-truth classes are views of rule findings rather than rules of their own:
    // users with an old active key (CIS 1.14 findings are per key) and groups open on 22/3389
    // through a rule that is not an all-ports rule (Prowler/ScoutSuite port semantics).
    let old_key_users: BTreeSet<&str> = first
        .findings
        .iter()
        .filter_map(|f| match &f.finding.evidence {
            skywarden_rules::Evidence::AccessKeyAge { user_name, .. }
                if f.finding.rule_id == "aws.iam.access_key_older_than_90d" =>
            {
                Some(user_name.as_str())
            }
            _ => None,
        })
        .collect();
    let want_users = emu.expected["global"]["problems"]["iam_user_with_active_key_older_than_90d"]
        .as_u64()
        .expect("ground truth") as usize;
    if old_key_users.len() != want_users {
        mismatches.push(format!(
            "users with an old active key: got {}, want {want_users}",
            old_key_users.len()
        ));
    }
    for (rule, key) in [
        (
            "aws.ec2.security_group_world_open_ssh",
            "sg_world_open_ssh_port_rule",
        ),
        (
            "aws.ec2.security_group_world_open_rdp",
            "sg_world_open_rdp_port_rule",
        ),
    ] {
        for region in REGIONS {
            let got = first
                .findings
                .iter()
                .filter(|f| f.finding.rule_id == rule && f.finding.region.as_str() == region)
                .filter(|f| match &f.finding.evidence {
                    skywarden_rules::Evidence::WorldOpenIngress { permissions, .. } => {
                        permissions.iter().any(|o| {
                            o.protocol != skywarden_graph::model::IpProtocol::All
                                && !(o.from_port == Some(0) && o.to_port == Some(65535))
                        })
                    }
                    _ => false,
                })
                .count();
            let want = truth(&emu, region, "problems", key);
            if got != want {
                mismatches.push(format!("{key} {region}: got {got}, want {want}"));
            }
        }
    }
    if let Some(vpc) = vpc_truth() {
        mismatches.extend(check_vpc_truth(&vpc, &first.findings, &resources));
    }
    // Every rule of the extra seeders (EBS/AMI/launch templates, KMS, RDS, CloudTrail,
    // Lambda), in every region and `global`: exactly their ground truth, zero where it has none.
    for rule in extra_rules(&emu) {
        if RULE_TRUTH.iter().any(|(r, _)| *r == rule) {
            continue; // checked above, added to seed.py's count
        }
        for region in REGIONS.iter().copied().chain(["global"]) {
            let got = counts
                .get(&(rule.clone(), region.to_string()))
                .copied()
                .unwrap_or(0);
            let mut want = emu.extra("problems", &rule, region);
            if rule == "aws.kms.key_rotation_disabled" {
                want += moto_ebs_default_keys(&resources, region);
            }
            if got != want {
                mismatches.push(format!(
                    "{rule} {region}: got {got}, want {want} (extra seeders)"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "findings differ from the ground truth:\n{}",
        mismatches.join("\n")
    );
    // The total of the ground-truth rules matches too (other rules fire on what seed.py
    // plants without a ground-truth key, e.g. gp2 volumes).
    let total_truth: usize = RULE_TRUTH
        .iter()
        .map(|(rule, k)| {
            REGIONS
                .iter()
                .map(|r| truth(&emu, r, "problems", k) + emu.extra("problems", rule, r))
                .sum::<usize>()
        })
        .sum();
    let truth_rules = first
        .findings
        .iter()
        .filter(|f| RULE_TRUTH.iter().any(|(r, _)| *r == f.finding.rule_id))
        .count();
    assert_eq!(truth_rules, total_truth - ipv6_only_total);
    // Exposure evidence explains the path: IGW -> route table -> subnet -> network ACL ->
    // security group -> network interface -> instance.
    for f in first
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == "aws.ec2.instance_exposed_admin_port")
    {
        let skywarden_rules::Evidence::ExposurePath { path, ports, .. } = &f.finding.evidence
        else {
            panic!("exposure finding without a path: {:?}", f.finding.evidence)
        };
        let kinds: Vec<ResourceKind> = path.iter().map(|h| h.kind).collect();
        assert_eq!(
            kinds,
            [
                ResourceKind::AwsEc2InternetGateway,
                ResourceKind::AwsEc2RouteTable,
                ResourceKind::AwsEc2Subnet,
                ResourceKind::AwsEc2NetworkAcl,
                ResourceKind::AwsEc2SecurityGroup,
                ResourceKind::AwsEc2NetworkInterface,
                ResourceKind::AwsEc2Instance
            ]
        );
        assert_eq!(path.last().map(|h| &h.id), Some(&f.finding.resource_id));
        assert!(!ports.is_empty() && ports.iter().all(|p| *p == 22 || *p == 3389));
    }
    assert!(first
        .findings
        .iter()
        .all(|f| f.status == FindingStatus::Open && f.last_scan_id == first.scan.id));

    // Cost findings carry a price with its basis.
    for f in first
        .findings
        .iter()
        .filter(|f| f.finding.rule_id == "aws.ebs.volume_unattached")
    {
        assert!(
            f.finding.monthly_cost_usd.is_some_and(|c| c > 0.0),
            "{:?}",
            f.finding.resource_id
        );
        assert!(f.finding.pricing_basis.is_some());
    }

    // Inventory per kind and region, typed from the store.
    for region in REGIONS {
        let got = seeded_inventory_counts(&resources, region);
        for (key, n) in &got {
            assert_eq!(
                *n,
                truth(&emu, region, "inventory", key),
                "{region} inventory.{key}"
            );
        }
    }
    // The kinds the extra seeders plant, per region: exactly what they planted (snapshots: on
    // top of seed.py's, extra_ebs.py's being moto's AMI snapshots).
    for region in REGIONS {
        for kind in extra_kinds(&emu) {
            let got = resources
                .iter()
                .filter(|r| r.region.as_str() == region && r.kind().as_str() == kind)
                .count();
            let mut want = emu.extra("inventory", &kind, region);
            if kind == "aws_ebs_snapshot" {
                want += truth(&emu, region, "inventory", "snapshots");
            }
            if kind == "aws_kms_key" {
                want += moto_ebs_default_keys(&resources, region);
            }
            assert_eq!(got, want, "{region} inventory {kind}");
        }
    }
    // Every load balancer with targets is reachable listener -> target group -> instance in
    // the stored graph (typed edges rebuilt from the stored resources).
    let mut b = skywarden_graph::InventoryBuilder::new();
    b.extend(resources.iter().cloned());
    let inv = b.build();
    let mut with_targets = 0;
    for (lb, _) in inv.of_kind::<LoadBalancer>() {
        let groups: Vec<_> = inv
            .neighbors_of::<TargetGroup>(&lb.id, EdgeKind::AssociatedWith, Direction::Incoming)
            .into_iter()
            .filter(|(_, tg)| !tg.targets.is_empty())
            .collect();
        if groups.is_empty() {
            continue;
        }
        with_targets += 1;
        let listeners =
            inv.neighbors_of::<Listener>(&lb.id, EdgeKind::AssociatedWith, Direction::Incoming);
        let path = listeners.iter().any(|(l, _)| {
            inv.neighbors_of::<TargetGroup>(&l.id, EdgeKind::RoutesTo, Direction::Outgoing)
                .iter()
                .any(|(tg, _)| {
                    !inv.neighbors_of::<Instance>(&tg.id, EdgeKind::RoutesTo, Direction::Outgoing)
                        .is_empty()
                })
        });
        assert!(
            path,
            "no listener -> target group -> instance path for {}",
            lb.id
        );
    }
    let want_with_targets: usize = REGIONS
        .iter()
        .map(|r| {
            truth(&emu, r, "inventory", "load_balancers")
                - truth(&emu, r, "problems", "lb_without_targets")
        })
        .sum();
    assert_eq!(with_targets, want_with_targets);
    // Internet-facing ALBs (seeded in public subnets, HTTP listener on 80, moto's allow-all
    // network ACLs) are exposed exactly when one of their groups admits 0.0.0.0/0 on TCP 80,
    // on port 80 alone, and list every registered instance as reachable through them.
    let exposures = skywarden_graph::topology::exposures(&inv);
    let exposed_lbs: BTreeSet<_> = exposures
        .iter()
        .filter(|e| {
            inv.get(&e.resource)
                .is_some_and(|r| r.kind() == ResourceKind::AwsElbv2LoadBalancer)
        })
        .map(|e| e.resource.clone())
        .collect();
    let want_lbs: BTreeSet<_> = inv
        .of_kind::<LoadBalancer>()
        .filter(|(_, lb)| {
            lb.security_groups.iter().any(|g| {
                inv.get(g)
                    .and_then(|r| r.model::<SecurityGroup>())
                    .is_some_and(|g| {
                        g.ingress.iter().any(|p| {
                            p.ipv4_ranges.iter().any(|c| c == "0.0.0.0/0") && p.covers_tcp_port(80)
                        })
                    })
            })
        })
        .map(|(r, _)| r.id.clone())
        .collect();
    assert!(!want_lbs.is_empty());
    assert_eq!(exposed_lbs, want_lbs);
    for e in exposures
        .iter()
        .filter(|e| exposed_lbs.contains(&e.resource))
    {
        assert!(e
            .open_ingress
            .iter()
            .all(|o| o.from_port == Some(80) && o.to_port == Some(80)));
        let targets: BTreeSet<_> = inv
            .of_kind::<TargetGroup>()
            .filter(|(_, tg)| tg.load_balancers.contains(&e.resource))
            .flat_map(|(_, tg)| tg.targets.iter().filter_map(|t| t.instance.clone()))
            .collect();
        let reached: BTreeSet<_> = e
            .downstream
            .iter()
            .filter_map(|p| p.last().map(|h| h.id.clone()))
            .collect();
        assert_eq!(reached, targets, "{}", e.resource);
    }
    let stored_before = resources.len();

    // Second run: same keys, same first_seen, nothing new, nothing resolved.
    let second = scan_ok(&emu.endpoint, &db);
    assert_eq!(second.persist.findings_new, 0);
    assert_eq!(second.persist.findings_resolved, 0);
    assert_eq!(second.persist.resources_deleted, 0);
    let a: BTreeMap<_, _> = first
        .findings
        .iter()
        .map(|f| (f.finding.key.clone(), f))
        .collect();
    let b: BTreeMap<_, _> = second
        .findings
        .iter()
        .map(|f| (f.finding.key.clone(), f))
        .collect();
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, fa) in &a {
        let fb = b[k];
        assert_eq!(fa.first_seen, fb.first_seen, "first_seen moved for {k}");
        assert_eq!(fb.first_scan_id, first.scan.id);
        assert_eq!(fb.last_scan_id, second.scan.id);
        assert!(fb.last_seen >= fa.last_seen);
    }
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(
        store.list_resources(&conn).await.unwrap().len(),
        stored_before
    );
    store.close().await;

    // `findings list` reads the same stored findings back.
    let out = skywarden(&[
        "findings",
        "list",
        "--database-url",
        &db,
        "--format",
        "json",
        "--severity",
        "critical",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<FindingRecord> = serde_json::from_slice(&out.stdout).unwrap();
    let critical = second
        .findings
        .iter()
        .filter(|f| f.finding.severity == skywarden_rules::Severity::Critical)
        .count();
    assert_eq!(listed.len(), critical);
    assert!(critical > 0);
}

/// What must be identical between backends: everything but timestamps and scan ids.
fn comparable(findings: &[FindingRecord]) -> Vec<Value> {
    let mut v: Vec<Value> = findings
        .iter()
        .map(|f| serde_json::to_value(&f.finding).unwrap())
        .collect();
    v.sort_by_key(|x| x["key"].as_str().unwrap_or_default().to_string());
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_and_postgres_store_identical_findings() {
    let Some(emu) = emulator() else { return };
    let Some(pg) = Postgres::fresh().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let on_sqlite = scan_ok(&emu.endpoint, &sqlite_url(dir.path()));
    let on_pg = scan_ok(&emu.endpoint, &pg.url());
    let again_pg = scan_ok(&emu.endpoint, &pg.url());
    assert_eq!(comparable(&on_sqlite.findings), comparable(&on_pg.findings));
    assert_eq!(on_pg.findings.len(), on_sqlite.findings.len());
    assert_eq!(again_pg.persist.findings_new, 0);
    let first_seen: BTreeMap<_, _> = on_pg
        .findings
        .iter()
        .map(|f| (f.finding.key.clone(), f.first_seen))
        .collect();
    assert!(again_pg
        .findings
        .iter()
        .all(|f| first_seen.get(&f.finding.key) == Some(&f.first_seen)));
    pg.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_that_fails_mid_scan_keeps_its_stored_inventory_and_findings() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let baseline = scan_ok(&emu.endpoint, &db);
    let before = stored_resources(&db).await;

    // eu-west-1 is refused (HTTP 403 UnauthorizedOperation) for every call.
    let proxy = Proxy::start(&emu.endpoint, &["--fail-region", "eu-west-1"]);
    let (out, parsed) = scan(&proxy.url, &db, &REGIONS);
    assert_eq!(
        out.status.code(),
        Some(3),
        "incomplete scans exit 3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let partial = parsed.expect("JSON report");
    assert_eq!(partial.scan.status, ScanStatus::Partial);
    for (scope, status) in partial.scan.coverage.iter() {
        match (scope.region.as_str(), status) {
            ("eu-west-1", CoverageStatus::Failed { error }) => {
                assert_eq!(error.class, ErrorClass::AccessDenied, "{}", scope.kind);
                let ec2 = skywarden_scanner::aws::collectors::ALL
                    .iter()
                    .any(|c| c.kind == scope.kind && c.operation().starts_with("ec2:"));
                if ec2 {
                    assert_eq!(error.code.as_deref(), Some("UnauthorizedOperation"));
                } else {
                    // faultproxy answers the JSON-protocol services (KMS, Lambda, CloudTrail)
                    // with a query-XML body, from which their SDKs read no code: the 403
                    // status alone classifies it.
                    assert!(
                        matches!(error.code.as_deref(), Some("AccessDenied") | None),
                        "{} {:?}",
                        scope.kind,
                        error.code
                    );
                }
            }
            ("eu-west-1", s) => panic!("eu-west-1 {} should have failed, is {s:?}", scope.kind),
            // Buckets located in eu-west-1 are read from eu-west-1: the account's bucket scope
            // fails with it (its stored buckets and findings stay).
            ("global", CoverageStatus::Failed { error })
                if scope.kind == ResourceKind::AwsS3Bucket =>
            {
                assert_eq!(error.class, ErrorClass::AccessDenied);
            }
            (_, s) => assert!(s.is_complete(), "{} {} is {s:?}", scope.region, scope.kind),
        }
    }
    assert_eq!(
        partial.persist.findings_resolved, 0,
        "nothing may resolve because a region failed"
    );
    assert_eq!(
        partial.persist.resources_deleted, 0,
        "nothing may be deleted because a region failed"
    );

    // Every stored document is as before: eu-west-1's untouched, the others re-written equal.
    let after = stored_resources(&db).await;
    assert_eq!(before.len(), after.len());
    assert!(
        before == after,
        "stored inventory changed although the scan only lost a region"
    );
    // eu-west-1's findings are still open and still those of the baseline scan.
    let eu_before: BTreeSet<_> = baseline
        .findings
        .iter()
        .filter(|f| f.finding.region.as_str() == "eu-west-1")
        .map(|f| f.finding.key.clone())
        .collect();
    let eu_after: Vec<_> = partial
        .findings
        .iter()
        .filter(|f| f.finding.region.as_str() == "eu-west-1")
        .collect();
    assert!(!eu_before.is_empty());
    assert_eq!(eu_after.len(), eu_before.len());
    for f in eu_after {
        assert!(eu_before.contains(&f.finding.key));
        assert_eq!(f.status, FindingStatus::Open);
        assert_eq!(
            f.last_scan_id, baseline.scan.id,
            "not re-verified, so last seen by the baseline"
        );
    }
    // The other regions were re-verified by the partial scan; the bucket findings were not
    // (their scope failed with eu-west-1) and keep the baseline as last seen.
    assert!(partial
        .findings
        .iter()
        .filter(|f| f.finding.region.as_str() != "eu-west-1")
        .all(
            |f| if f.finding.resource_kind == ResourceKind::AwsS3Bucket {
                f.last_scan_id == baseline.scan.id
            } else {
                f.last_scan_id == partial.scan.id
            }
        ));
}

fn assert_clean_failure(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains(needle),
        "expected an error line containing {needle:?}, got: {stderr}"
    );
    assert!(out.stdout.is_empty(), "no report on failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gives_one_clear_line_and_no_scan_record() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());

    let (out, _) = scan(&emu.endpoint, &db, &["mars-north-1"]);
    assert_clean_failure(&out, "unknown region(s) mars-north-1");
    let (out, _) = scan(&emu.endpoint, &db, &["US_EAST_1"]);
    assert_clean_failure(&out, "invalid region");
    let (out, _) = scan("http://127.0.0.1:1", &db, &["us-east-1"]);
    assert_clean_failure(&out, "cannot reach the AWS endpoint");
    let (out, _) = scan("ftp://nowhere", &db, &["us-east-1"]);
    assert_clean_failure(&out, "invalid endpoint URL");
    let (out, _) = scan(&emu.endpoint, "mysql://localhost/x", &["us-east-1"]);
    assert_clean_failure(&out, "sqlite://");
    let (out, _) = scan(
        &emu.endpoint,
        "sqlite:///nonexistent-dir/sub/x.db",
        &["us-east-1"],
    );
    assert_clean_failure(&out, "nonexistent-dir");
    let (out, _) = scan(
        &emu.endpoint,
        "postgres://postgres:CANARY-PW@127.0.0.1:1/x",
        &["us-east-1"],
    );
    assert_clean_failure(&out, "database");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("CANARY-PW"),
        "password leaked"
    );

    // Rejected credentials: the proxy answers like AWS does for an unknown key.
    let proxy = Proxy::start(&emu.endpoint, &["--reject-access-key", "testing"]);
    let (out, _) = scan(&proxy.url, &db, &["us-east-1"]);
    assert_clean_failure(&out, "AWS rejected the credentials");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("testing"),
        "no key material in errors"
    );

    // None of the failures recorded a scan or wrote inventory.
    let store = Store::connect(&db).await.unwrap();
    let conn: ConnectionId = CONNECTION.parse().unwrap();
    assert!(store.list_scans(&conn, 10).await.unwrap().is_empty());
    assert_eq!(store.count_resources(&conn).await.unwrap(), 0);
    store.close().await;
}

/// 25 % of calls answered with AWS-shaped throttling errors (faultproxy: EC2 503
/// RequestLimitExceeded, IAM/STS/ELB 400 Throttling, S3 503 SlowDown): the gate slows the
/// buckets down, the SDK retries, and the scan ends with every scope Complete and exactly the
/// findings of an unthrottled scan; the throttles are counted per service with the scan.
#[tokio::test(flavor = "multi_thread")]
async fn throttled_scan_completes_with_the_same_findings() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let clean_db = sqlite_url(&dir.path().join("clean"));
    std::fs::create_dir_all(dir.path().join("clean")).unwrap();
    let clean = scan_ok(&emu.endpoint, &clean_db);

    let proxy = Proxy::start(&emu.endpoint, &["--throttle", "0.25", "--seed", "7"]);
    let throttled_db = sqlite_url(&dir.path().join("throttled"));
    std::fs::create_dir_all(dir.path().join("throttled")).unwrap();
    let (out, parsed) = scan_with(
        &proxy.url,
        &throttled_db,
        &REGIONS,
        &["--max-attempts", "12", "--rate-scale", "4"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let throttled = parsed.expect("JSON report");
    let incomplete: Vec<_> = throttled
        .scan
        .coverage
        .iter()
        .filter(|(_, s)| !s.is_complete())
        .collect();
    assert!(incomplete.is_empty(), "{incomplete:?}");
    assert_eq!(
        throttled.scan.coverage.len(),
        clean.scan.coverage.len(),
        "same scopes"
    );
    assert_eq!(comparable(&throttled.findings), comparable(&clean.findings));
    let throttles: u64 = throttled.scan.api_calls.values().map(|c| c.throttles).sum();
    let retries: u64 = throttled.scan.api_calls.values().map(|c| c.retries).sum();
    assert!(throttles > 0, "{:?}", throttled.scan.api_calls);
    assert!(retries >= throttles, "every throttled attempt was retried");
    let clean_throttles: u64 = clean.scan.api_calls.values().map(|c| c.throttles).sum();
    assert_eq!(clean_throttles, 0);
}

/// A two-account estate: the emulator's default (management) account and the member account
/// `scripts/emulator up --member-scale N` adds, with both ground truths. `prefix` picks the
/// emulator: "" is the main one (`SKYWARDEN_TEST_AWS_*`, CI's scale), "SMALL_" the second one
/// `./scripts/test` starts at another scale (`SKYWARDEN_TEST_AWS_SMALL_*`). Missing: skip
/// locally, fail in CI.
struct OrgEstate {
    /// The management account's emulator and ground truths.
    emu: Emu,
    member: String,
    member_expected: Value,
}

fn org_estate(prefix: &str) -> Option<OrgEstate> {
    let emu = emulator_with_prefix(prefix)?;
    let var = |k: &str| {
        std::env::var(format!("SKYWARDEN_TEST_AWS_{prefix}{k}"))
            .ok()
            .filter(|v| !v.is_empty())
    };
    match (var("MEMBER_ACCOUNT"), var("MEMBER_EXPECTED")) {
        (Some(member), Some(path)) => {
            let text =
                std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
            Some(OrgEstate {
                emu,
                member,
                member_expected: serde_json::from_str(&text).expect("ground truth is JSON"),
            })
        }
        _ if in_ci() => panic!(
            "CI=true but the emulator SKYWARDEN_TEST_AWS_{prefix}* has no member account: \
             run the tests through ./scripts/test"
        ),
        _ => {
            eprintln!("SKIP: no member account in SKYWARDEN_TEST_AWS_{prefix}* (./scripts/test)");
            None
        }
    }
}

/// Every ground-truth rule and inventory count of one account (`expected` is that account's
/// expected.json), compared with what the scan found and stored for that account.
fn account_truth_mismatches(
    expected: &Value,
    extra: Option<&Emu>,
    account: &str,
    findings: &[FindingRecord],
    resources: &[skywarden_graph::Resource],
) -> Vec<String> {
    let findings: Vec<FindingRecord> = findings
        .iter()
        .filter(|f| f.finding.account_id.as_str() == account)
        .cloned()
        .collect();
    let resources: Vec<skywarden_graph::Resource> = resources
        .iter()
        .filter(|r| r.account_id.as_str() == account)
        .cloned()
        .collect();
    let at = |region: &str, section: &str, key: &str| {
        expected["per_region"][region][section][key]
            .as_u64()
            .unwrap_or_else(|| panic!("{account}: no ground truth {region}.{section}.{key}"))
            as usize
    };
    let counts = per_rule_region(&findings);
    let got = |rule: &str, region: &str| {
        counts
            .get(&(rule.to_string(), region.to_string()))
            .copied()
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    for &(rule, key) in RULE_TRUTH {
        for region in REGIONS {
            // The management account also holds what the extra seeders planted.
            let mut want = at(region, "problems", key)
                + extra.map_or(0, |e| e.extra("problems", rule, region));
            if key == "instance_exposed_admin_port" {
                want -= ipv6_only_admin_exposures(&resources, region);
            }
            if got(rule, region) != want {
                out.push(format!(
                    "{account} {rule} {region}: got {}, want {want}",
                    got(rule, region)
                ));
            }
        }
    }
    for &(rule, key) in GLOBAL_TRUTH {
        let want = expected["global"]["problems"][key]
            .as_u64()
            .unwrap_or_else(|| panic!("{account}: no global ground truth {key}"))
            as usize;
        if got(rule, "global") != want {
            out.push(format!(
                "{account} {rule} global: got {}, want {want}",
                got(rule, "global")
            ));
        }
    }
    for region in REGIONS {
        for (key, n) in seeded_inventory_counts(&resources, region) {
            let want = at(region, "inventory", key);
            if n != want {
                out.push(format!(
                    "{account} {region} inventory.{key}: got {n}, want {want}"
                ));
            }
        }
    }
    out
}

/// An Organization scan: `organizations:ListAccounts` from the management account, the role
/// assumed in the member, both accounts scanned concurrently; every scope of both accounts
/// Complete and every ground-truth count exact per account (each account was seeded with its
/// own seed, so the counts differ between them).
///
/// `throttle` puts the fault proxy in front of the emulator, answering that fraction of all
/// calls (every service, both accounts) with the service's throttling error: the scan must
/// still end with every scope Complete and the exact ground truth.
async fn organization_scan_matches_each_accounts_ground_truth(
    prefix: &str,
    throttle: Option<&str>,
) {
    let Some(emu) = org_estate(prefix) else {
        return;
    };
    let member = emu.member.clone();
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let proxy =
        throttle.map(|t| Proxy::start(&emu.emu.endpoint, &["--throttle", t, "--seed", "11"]));
    let endpoint = proxy
        .as_ref()
        .map_or(emu.emu.endpoint.as_str(), |p| p.url.as_str());
    let mut args = vec![
        "--org-role",
        "OrganizationAccountAccessRole",
        "--max-concurrent-accounts",
        "2",
    ];
    if throttle.is_some() {
        args.extend(["--max-attempts", "12", "--rate-scale", "4"]);
    }
    let (out, report) = scan_with(endpoint, &db, &REGIONS, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "org scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = report.expect("scan prints its JSON report");
    let management = "123456789012";
    assert_eq!(report.account_id, management);
    assert_eq!(report.scan.status, ScanStatus::Succeeded);

    // Both accounts, each with every region and no error.
    let accounts: Vec<&str> = report
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    let mut want_accounts = vec![management, member.as_str()];
    want_accounts.sort();
    assert_eq!(accounts, want_accounts);
    for a in &report.accounts {
        assert_eq!(a.error, None, "{}", a.account_id);
        let regions: BTreeSet<&str> = a.regions.iter().map(|r| r.as_str()).collect();
        assert_eq!(regions, REGIONS.into_iter().collect(), "{}", a.account_id);
    }
    assert_eq!(
        report
            .accounts
            .iter()
            .find(|a| a.account_id.as_str() == member)
            .and_then(|a| a.name.as_deref()),
        Some("gov-member")
    );

    // Per-account coverage: every scope of both accounts, all Complete.
    let regional = skywarden_scanner::aws::collectors::regional().count();
    let global = skywarden_scanner::aws::collectors::global().count();
    for account in [management, member.as_str()] {
        let scopes: Vec<_> = report
            .scan
            .coverage
            .iter()
            .filter(|(s, _)| s.account_id.as_str() == account)
            .collect();
        assert_eq!(
            scopes.len(),
            REGIONS.len() * regional + global,
            "{account} scopes"
        );
        assert!(scopes.iter().all(|(_, s)| s.is_complete()), "{account}");
    }
    assert!(report.scan.api_calls.contains_key("organizations"));
    let throttles: u64 = report.scan.api_calls.values().map(|c| c.throttles).sum();
    let retries: u64 = report.scan.api_calls.values().map(|c| c.retries).sum();
    if throttle.is_some() {
        assert!(throttles > 0, "{:?}", report.scan.api_calls);
        assert!(retries >= throttles, "every throttled attempt was retried");
    } else {
        assert_eq!(throttles, 0);
    }

    let resources = stored_resources(&db).await;
    let mut mismatches = account_truth_mismatches(
        &emu.emu.expected,
        Some(&emu.emu),
        management,
        &report.findings,
        &resources,
    );
    mismatches.extend(account_truth_mismatches(
        &emu.member_expected,
        None,
        &member,
        &report.findings,
        &resources,
    ));
    assert!(
        mismatches.is_empty(),
        "findings differ from the ground truth:\n{}",
        mismatches.join("\n")
    );
    // Nothing is attributed to a third account.
    assert!(resources
        .iter()
        .all(|r| [management, member.as_str()].contains(&r.account_id.as_str())));
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_scan_at_ci_scale() {
    organization_scan_matches_each_accounts_ground_truth("", None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_scan_at_small_scale() {
    organization_scan_matches_each_accounts_ground_truth("SMALL_", None).await;
}

/// Two accounts with a quarter of every call throttled: every scope Complete, every
/// ground-truth count exact (BENCHMARKS.md has the same at ~20k resources).
#[tokio::test(flavor = "multi_thread")]
async fn organization_scan_with_a_quarter_of_calls_throttled() {
    organization_scan_matches_each_accounts_ground_truth("SMALL_", Some("0.25")).await;
}

/// `aws.cloudtrail.no_multi_region_trail` is one finding per account (region `global`,
/// synthetic id), evaluated over the trails of every scanned region. extra_services.py plants
/// the account's only multi-region trail in us-east-1 (ground truth: 0 findings in a full
/// scan), so a scan of the two other regions does not see it and reports the account
/// (documented: include the trail's home region); when one of the scanned regions fails, the
/// rule cannot know and does not fire, and the stored finding is left as it was; a full scan
/// sees the trail and resolves it.
#[tokio::test(flavor = "multi_thread")]
async fn no_multi_region_trail_is_per_account_and_never_decided_on_a_failed_region() {
    let Some(emu) = emulator() else { return };
    const RULE: &str = "aws.cloudtrail.no_multi_region_trail";
    assert_eq!(
        emu.extra("problems", RULE, "global"),
        0,
        "the full estate has a qualifying trail"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let of_rule = |f: &[FindingRecord]| -> Vec<FindingRecord> {
        f.iter()
            .filter(|f| f.finding.rule_id == RULE)
            .cloned()
            .collect()
    };

    let two = ["eu-west-1", "ap-southeast-2"];
    let (out, first) = scan(&emu.endpoint, &db, &two);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = first.unwrap();
    let found = of_rule(&first.findings);
    assert_eq!(found.len(), 1, "one finding for the account");
    let f = &found[0].finding;
    assert_eq!(
        f.resource_id.as_str(),
        "arn:aws:cloudtrail::123456789012:trails"
    );
    assert_eq!(
        (f.region.as_str(), f.resource_kind),
        ("global", ResourceKind::AwsCloudtrailTrail)
    );
    let skywarden_rules::Evidence::AccountTrails { regions, trails } = &f.evidence else {
        panic!("{:?}", f.evidence)
    };
    assert_eq!(
        regions.iter().map(|r| r.as_str()).collect::<BTreeSet<_>>(),
        two.into_iter().collect()
    );
    let planted: usize = two
        .iter()
        .map(|r| emu.extra("inventory", "aws_cloudtrail_trail", r))
        .sum();
    assert_eq!(trails.len(), planted);
    assert!(trails.iter().all(|t| !t.multi_region));

    // ap-southeast-2 refused: its trails are unknown, so nothing fires and nothing resolves.
    let proxy = Proxy::start(&emu.endpoint, &["--fail-region", "ap-southeast-2"]);
    let (out, partial) = scan(&proxy.url, &db, &two);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let partial = partial.unwrap();
    let kept = of_rule(&partial.findings);
    assert_eq!(kept.len(), 1, "the stored finding stays open");
    assert_eq!(kept[0].finding.key, f.key);
    assert_eq!(
        kept[0].last_scan_id, first.scan.id,
        "not re-detected, not resolved"
    );
    drop(proxy);

    // Every region: the us-east-1 multi-region trail qualifies; the finding is resolved.
    let full = scan_ok(&emu.endpoint, &db);
    assert!(of_rule(&full.findings).is_empty());
    assert!(full.persist.findings_resolved >= 1);
    let resolved = skywarden(&[
        "findings",
        "list",
        "--database-url",
        &db,
        "--format",
        "json",
        "--status",
        "resolved",
        "--rule",
        RULE,
    ]);
    assert_eq!(
        resolved.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resolved.stderr)
    );
    let resolved: Vec<FindingRecord> = serde_json::from_slice(&resolved.stdout).unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].finding.key, f.key);
}
