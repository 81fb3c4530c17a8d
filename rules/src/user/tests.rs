//! Tests of user rule packs: loading and its errors, the example packs, evaluation and its
//! budgets.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use skywarden_graph::model::{InstanceState, Volume};
use skywarden_graph::{InventoryBuilder, Resource, ResourceKind};

use super::*;
use crate::catalog::testkit::{ec2_id, instance, network, placed_instance, sg, sg_perm, volume};
use crate::engine::Engine;
use crate::pricing::PriceTable;

const BASELINE: &str = include_str!("../../../examples/rules/baseline.yaml");
const BROKEN: &str = include_str!("../../../examples/rules/broken/broken.yaml");

fn src(path: &str, text: &str) -> PackSource {
    PackSource {
        path: path.into(),
        text: text.into(),
    }
}

fn baseline() -> PackSet {
    PackSet::load(&[src("baseline.yaml", BASELINE)]).unwrap()
}

/// A pack `test` with `rules` (YAML list items, indented by two spaces).
fn pack(rules: &str) -> String {
    format!("schema: skywarden.rules/v1\npack: test\nparams:\n  price: 0.5\n  max_age: 720h\nrules:\n{rules}")
}

/// One rule item with the given `match` and extra lines (each indented by four spaces).
fn rule(id: &str, kinds: &str, category: &str, matcher: &str, extra: &str) -> String {
    format!(
        "  - id: {id}\n    title: T\n    severity: low\n    category: {category}\n    kinds: [{kinds}]\n    remediation: R\n    match: {matcher}\n{extra}"
    )
}

/// `expr` as a YAML double-quoted scalar.
fn q(expr: &str) -> String {
    format!("\"{}\"", expr.replace('\\', "\\\\").replace('"', "\\\""))
}

fn load_one(text: &str) -> Result<PackSet, PackErrors> {
    PackSet::load(&[src("p.yaml", text)])
}

fn load_err(text: &str) -> Vec<PackError> {
    load_one(text)
        .expect_err("the pack must be rejected")
        .into_vec()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn evaluate(set: &PackSet, resources: Vec<Resource>) -> PackEvaluation {
    let mut b = InventoryBuilder::new();
    b.extend(resources);
    let inv = b.build();
    let pricing = PriceTable::default();
    let cx = EvalCx::new(&inv, &pricing, now());
    let enabled: BTreeSet<String> = set.rules().iter().map(|r| r.info().id.clone()).collect();
    set.evaluate(&cx, &enabled)
}

fn fired<'a>(ev: &'a PackEvaluation, rule: &str) -> Vec<&'a Finding> {
    ev.findings.iter().filter(|f| f.rule_id == rule).collect()
}

fn short_ids(findings: &[&Finding]) -> Vec<String> {
    let mut ids: Vec<String> = findings
        .iter()
        .map(|f| f.resource_id.short_id().to_string())
        .collect();
    ids.sort();
    ids
}

// ---------------------------------------------------------------------------------------
// The example packs

#[test]
fn baseline_example_loads() {
    let set = baseline();
    let ids: Vec<&str> = set.rules().iter().map(|r| r.info().id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "acme.ec2.instance_admin_port_exposed",
            "acme.ec2.security_group_all_traffic_world",
            "acme.ec2.stopped_instance_volume_cost",
        ]
    );
    assert_eq!(
        set.packs(),
        [PackSummary {
            pack: "acme-baseline".into(),
            file: "baseline.yaml".into(),
            rules: 3
        }]
    );
    let cost = &set.rules()[2];
    assert_eq!(cost.info().category, Category::Cost);
    assert!(cost.estimate_expression().unwrap().contains("sum("));
    assert_eq!(
        cost.info().source,
        RuleSource::Pack {
            file: "baseline.yaml".into(),
            pack: "acme-baseline".into()
        }
    );
    assert!(cost.reads.neighbors);
    let exposed = &set.rules()[0];
    assert!(exposed.reads_graph() && !exposed.reads.neighbors);
    assert_eq!(exposed.info().severity, Severity::Critical);
    assert_eq!(exposed.info().compliance[0].control, "5.2");
    let sg_rule = &set.rules()[1];
    assert!(!sg_rule.reads_graph());
    assert_eq!(sg_rule.info().kinds, [ResourceKind::AwsEc2SecurityGroup]);
}

#[test]
fn broken_example_is_rejected_with_rule_ids_and_lines() {
    let errors = PackSet::load(&[src("broken/broken.yaml", BROKEN)])
        .unwrap_err()
        .into_vec();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let syntax = &errors[0];
    assert_eq!(syntax.rule_id.as_deref(), Some("broken.ec2.syntax_error"));
    assert_eq!((syntax.line, syntax.column), (12, 5));
    assert!(
        syntax
            .reason
            .contains("CEL syntax error at 1:42 of the expression"),
        "{}",
        syntax.reason
    );
    let field = &errors[1];
    assert_eq!(field.rule_id.as_deref(), Some("broken.ebs.unknown_field"));
    assert_eq!(field.line, 20);
    assert!(
        field
            .reason
            .contains("unknown field `size_gb` on `resource.properties`"),
        "{}",
        field.reason
    );
    assert!(
        field.reason.contains("size_gib"),
        "the message lists the fields"
    );
    assert!(syntax
        .to_string()
        .starts_with("broken/broken.yaml:12:5: rule broken.ec2.syntax_error: match: CEL syntax"));
}

// ---------------------------------------------------------------------------------------
// Load errors: each class names the rule and the line of the offending key.

#[test]
fn each_rule_error_class_names_rule_and_line() {
    let cases: Vec<(String, &str, usize, &str)> = vec![
        // (rule item, expected rule id, expected line, reason fragment)
        (
            rule("Acme.Bad-Id", "aws_ebs_volume", "security", "true", ""),
            "Acme.Bad-Id",
            7,
            "invalid rule id",
        ),
        (
            rule("nodots", "aws_ebs_volume", "security", "true", ""),
            "nodots",
            7,
            "invalid rule id",
        ),
        (
            rule("aws.ebs.mine", "aws_ebs_volume", "security", "true", ""),
            "aws.ebs.mine",
            7,
            "reserved",
        ),
        (
            rule("skywarden.x.y", "aws_ebs_volume", "security", "true", ""),
            "skywarden.x.y",
            7,
            "reserved",
        ),
        (
            rule(
                "drift.my_sg_check",
                "aws_ec2_security_group",
                "drift",
                "true",
                "",
            ),
            "drift.my_sg_check",
            7,
            "reserved",
        ),
        (
            rule("t.a", "aws_ebs_volumes", "security", "true", ""),
            "t.a",
            11,
            "unknown resource kind `aws_ebs_volumes`",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume, aws_ebs_volume",
                "security",
                "true",
                "",
            ),
            "t.a",
            11,
            "listed twice",
        ),
        (
            rule("t.a", "", "security", "true", ""),
            "t.a",
            11,
            "no resource kind",
        ),
        (
            rule("t.a", "aws_ebs_volume", "security", "true", "")
                .replace("severity: low", "severity: urgent"),
            "t.a",
            9,
            "unknown severity",
        ),
        (
            rule("t.a", "aws_ebs_volume", "compliance", "true", ""),
            "t.a",
            10,
            "unknown category",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                "resource.properties.size_gib >",
                "",
            ),
            "t.a",
            13,
            "CEL syntax error at 1:",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                "resource.properties.size_gib",
                "",
            ),
            "t.a",
            13,
            "must evaluate to a bool, but on the sample aws_ebs_volume it is of type int",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                "resource.properties.size_gib * 0.5 > 1.0",
                "",
            ),
            "t.a",
            13,
            "convert with double(...)",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                "resource.properties.sizegib > 1",
                "",
            ),
            "t.a",
            13,
            "unknown field `sizegib`",
        ),
        (
            rule(
                "t.a",
                "aws_ec2_instance",
                "security",
                "resource.properties.size_gib > 1",
                "",
            ),
            "t.a",
            13,
            "unknown field `size_gib` on `resource.properties`",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                "params.prise > 1.0",
                "",
            ),
            "t.a",
            13,
            "unknown field `prise` on `params`",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                "volume.size_gib > 1",
                "",
            ),
            "t.a",
            13,
            "unknown variable `volume`",
        ),
        (
            rule("t.a", "aws_ebs_volume", "security", "isBig(resource)", ""),
            "t.a",
            13,
            "unknown function `isBig`",
        ),
        (
            rule("t.a", "aws_ebs_volume", "cost", "true", ""),
            "t.a",
            10,
            "cost rules need an estimate",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                "true",
                "    estimate:\n      monthly_usd: 1.0\n",
            ),
            "t.a",
            14,
            "only allowed on cost rules",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "cost",
                "true",
                "    estimate:\n      monthly_usd: resource.properties.state\n",
            ),
            "t.a",
            15,
            "must evaluate to a number",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "cost",
                "true",
                "    estimate:\n      monthly_usd: resource.properties.size_gb\n",
            ),
            "t.a",
            15,
            "unknown field `size_gb`",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                &q(&format!("'{}' != ''", "x".repeat(5000))),
                "",
            ),
            "t.a",
            13,
            "more than the limit of 4096",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                &format!("{}true{}", "(".repeat(60), ")".repeat(60)),
                "",
            ),
            "t.a",
            13,
            "nests brackets",
        ),
        (
            rule(
                "t.a",
                "aws_ebs_volume",
                "security",
                &format!("{} > 0", vec!["1"; 80].join(" + ")),
                "",
            ),
            "t.a",
            13,
            "levels deep",
        ),
        (
            rule("t.a", "aws_ebs_volume", "security", "''", "").replace("title: T", "title: ' '"),
            "t.a",
            8,
            "title is empty",
        ),
    ];
    for (item, id, line, fragment) in cases {
        let errors = load_err(&pack(&item));
        let e = errors
            .iter()
            .find(|e| e.reason.contains(fragment))
            .unwrap_or_else(|| panic!("no error containing {fragment:?}: {errors:#?}"));
        assert_eq!(e.rule_id.as_deref(), Some(id), "{e}");
        assert_eq!(e.line, line, "{e}");
        assert_eq!(e.file, "p.yaml");
    }
}

#[test]
fn duplicate_ids_and_packs_across_files() {
    let a = pack(&rule("t.same", "aws_ebs_volume", "security", "true", ""));
    let b = a.replace("pack: test", "pack: other");
    let errors = PackSet::load(&[src("a.yaml", &a), src("b.yaml", &b)])
        .unwrap_err()
        .into_vec();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].file.as_str(), errors[0].line), ("b.yaml", 7));
    assert!(errors[0]
        .reason
        .contains("duplicate rule id (first defined at a.yaml:7:5)"));
    let errors = PackSet::load(&[
        src("a.yaml", &a),
        src("c.yaml", &a.replace("t.same", "t.other")),
    ])
    .unwrap_err()
    .into_vec();
    assert!(
        errors[0]
            .reason
            .contains("pack `test` is also defined in a.yaml"),
        "{errors:#?}"
    );
    let twice = pack(&format!(
        "{}{}",
        rule("t.same", "aws_ebs_volume", "security", "true", ""),
        rule("t.same", "aws_ebs_volume", "security", "true", "")
    ));
    let errors = load_err(&twice);
    assert_eq!((errors.len(), errors[0].line), (1, 14), "{errors:#?}");
}

#[test]
fn yaml_and_schema_errors_carry_locations() {
    // An unknown key in a rule: serde's location, and the rule it is in.
    let text = pack(&rule(
        "t.a",
        "aws_ebs_volume",
        "security",
        "true",
        "    sevrity: low\n",
    ));
    let e = &load_err(&text)[0];
    assert_eq!((e.line, e.rule_id.as_deref()), (14, Some("t.a")), "{e}");
    assert!(e.reason.contains("unknown field `sevrity`"), "{e}");
    assert!(!e.reason.contains(" at line "), "location only once: {e}");
    // YAML syntax.
    let e = &load_err("schema: skywarden.rules/v1\npack: [unclosed\n")[0];
    assert_eq!(e.rule_id, None);
    assert!(e.line >= 2, "{e}");
    // Missing required key, wrong type, unknown top-level key.
    assert!(load_err("schema: skywarden.rules/v1\npack: p\n")[0]
        .reason
        .contains("missing field `rules`"));
    assert!(load_err(
        &pack(&rule("t.a", "aws_ebs_volume", "security", "true", ""))
            .replace("kinds: [aws_ebs_volume]", "kinds: aws_ebs_volume")
    )[0]
    .reason
    .contains("invalid type"));
    let e = &load_err(&format!("owner: me\n{}", pack("")))[0];
    assert_eq!((e.line, e.column), (1, 1));
    // Wrong schema, pack name, params.
    let e = &load_err(&pack("").replace("rules/v1", "rules/v2"))[0];
    assert_eq!((e.line, e.column), (1, 1));
    assert!(e.reason.contains("unsupported schema"));
    let e = &load_err(&pack("").replace("pack: test", "pack: Test_Pack"))[0];
    assert_eq!(e.line, 2);
    let e = &load_err("schema: skywarden.rules/v1\npack: p\nparams: [1]\nrules: []\n")[0];
    assert_eq!(e.line, 3);
    assert!(e.reason.contains("params must be a mapping"));
}

#[test]
fn every_error_of_every_file_is_reported() {
    let bad1 = pack(&format!(
        "{}{}",
        rule("t.one", "nope", "security", "true", ""),
        rule("t.two", "aws_ebs_volume", "security", "1 +", "")
    ));
    let bad2 = pack(&rule("u.three", "aws_ebs_volume", "cost", "true", ""))
        .replace("pack: test", "pack: second");
    let err = PackSet::load(&[
        src("a.yaml", &bad1),
        src("good.yaml", BASELINE),
        src("b.yaml", &bad2),
    ])
    .unwrap_err();
    let got: Vec<(&str, Option<&str>)> = err
        .errors()
        .iter()
        .map(|e| (e.file.as_str(), e.rule_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("a.yaml", Some("t.one")),
            ("a.yaml", Some("t.two")),
            ("b.yaml", Some("u.three"))
        ]
    );
    let text = err.to_string();
    assert_eq!(text.lines().count(), 3);
    assert!(text.lines().all(|l| l.contains(": rule ")), "{text}");
}

// ---------------------------------------------------------------------------------------
// All or nothing

#[test]
fn load_is_all_or_nothing_and_changes_nothing() {
    let active = baseline();
    let engine = Engine::new(active.clone(), Default::default()).unwrap();
    let broken_extra = pack(&rule(
        "t.x",
        "aws_ebs_volume",
        "security",
        "resource.nope",
        "",
    ));
    // A good file next to a broken one: nothing loads.
    let r = PackSet::load(&[src("baseline.yaml", BASELINE), src("x.yaml", &broken_extra)]);
    assert_eq!(r.unwrap_err().errors().len(), 1);
    // The active set and the engine built on it are untouched and still evaluate.
    assert_eq!(active.rules().len(), 3);
    assert_eq!(engine.packs().rules().len(), 3);
    let world = sg(
        "sg-all",
        vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])],
    );
    let ev = evaluate(&active, vec![world.clone()]);
    assert_eq!(
        fired(&ev, "acme.ec2.security_group_all_traffic_world").len(),
        1
    );
    let mut b = InventoryBuilder::new();
    b.add(world);
    let inv = b.build();
    let pricing = PriceTable::default();
    let out = engine.evaluate(&EvalCx::new(&inv, &pricing, now()));
    assert!(out
        .evaluated
        .contains("acme.ec2.security_group_all_traffic_world"));
    assert!(out
        .findings
        .iter()
        .any(|f| f.rule_id == "acme.ec2.security_group_all_traffic_world"));
    // No sources: an empty set.
    assert!(PackSet::load(&[]).unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// The baseline rules fire on failing resources and not on passing ones.

#[test]
fn all_traffic_world_rule() {
    let set = baseline();
    let ev = evaluate(
        &set,
        vec![
            sg(
                "sg-v4",
                vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])],
            ),
            sg("sg-v6", vec![sg_perm("-1", None, None, &[], &["::/0"])]),
            sg(
                "sg-ssh",
                vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
            ),
            sg(
                "sg-internal",
                vec![sg_perm("-1", None, None, &["10.0.0.0/8"], &[])],
            ),
            sg("sg-empty", vec![]),
        ],
    );
    let f = fired(&ev, "acme.ec2.security_group_all_traffic_world");
    assert_eq!(short_ids(&f), ["sg-v4", "sg-v6"]);
    assert_eq!(
        (f[0].severity, f[0].category),
        (Severity::High, Category::Security)
    );
    let Evidence::RulePack {
        pack,
        file,
        expression,
        exposure,
    } = &f[0].evidence
    else {
        panic!("{:?}", f[0].evidence)
    };
    assert_eq!(
        (pack.as_str(), file.as_str()),
        ("acme-baseline", "baseline.yaml")
    );
    assert!(expression.contains("p.protocol.name == \"all\""));
    assert_eq!(exposure, &None, "not a graph-aware rule");
    assert!(ev
        .evaluated
        .contains("acme.ec2.security_group_all_traffic_world"));
    assert_eq!(
        ev.stats["acme.ec2.security_group_all_traffic_world"].resources,
        5
    );
    assert!(ev.errors.is_empty(), "{:?}", ev.errors);
}

fn attached(volume_id: &str, instance_id: &str, size: i32) -> Resource {
    volume(volume_id, |v: &mut Volume| {
        v.size_gib = size;
        v.attachments[0].instance = ec2_id("instance", instance_id);
    })
}

#[test]
fn stopped_instance_volume_cost_rule() {
    let set = baseline();
    let stopped = |id: &str| instance(id, |i| i.state = InstanceState::Stopped);
    let ev = evaluate(
        &set,
        vec![
            stopped("i-stopped"),
            attached("vol-a", "i-stopped", 100),
            attached("vol-b", "i-stopped", 50),
            instance("i-running", |_| {}),
            attached("vol-c", "i-running", 500),
            stopped("i-bare"),
        ],
    );
    let f = fired(&ev, "acme.ec2.stopped_instance_volume_cost");
    assert_eq!(short_ids(&f), ["i-bare", "i-stopped"]);
    let cost = f
        .iter()
        .find(|f| f.resource_id.short_id() == "i-stopped")
        .unwrap();
    // (100 + 50) GiB * 0.08
    assert_eq!(cost.monthly_cost_usd, Some(12.0));
    assert_eq!(cost.category, Category::Cost);
    let basis = cost.pricing_basis.as_ref().unwrap();
    assert_eq!(basis.table_version, "pack:acme-baseline");
    assert_eq!(basis.price_key, "acme.ec2.stopped_instance_volume_cost");
    assert_eq!(
        (basis.unit.as_str(), basis.quantity, basis.unit_price_usd),
        ("month", 1.0, 12.0)
    );
    assert!(!basis.region_fallback && basis.components.is_empty());
    let bare = f
        .iter()
        .find(|f| f.resource_id.short_id() == "i-bare")
        .unwrap();
    assert_eq!(bare.monthly_cost_usd, Some(0.0));
}

fn exposure_of(f: &Finding) -> &ExposureEvidence {
    match &f.evidence {
        Evidence::RulePack {
            exposure: Some(e), ..
        } => e,
        other => panic!("no exposure in {other:?}"),
    }
}

use crate::finding::ExposureEvidence;

#[test]
fn instance_admin_port_exposed_rule_agrees_with_the_builtin() {
    let set = baseline();
    let builtin = catalog::get("aws.ec2.instance_exposed_admin_port").unwrap();
    let with = |public_assoc: bool, extra: Vec<Resource>| {
        let mut rs = network(public_assoc);
        rs.extend(extra);
        rs
    };
    let cases: Vec<(&str, Vec<Resource>, bool)> = vec![
        (
            "ssh world",
            with(
                true,
                vec![
                    sg(
                        "sg-ssh",
                        vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {}),
                ],
            ),
            true,
        ),
        (
            "rdp via all traffic",
            with(
                true,
                vec![
                    sg(
                        "sg-all",
                        vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-all"], |_| {}),
                ],
            ),
            true,
        ),
        (
            "range covering 22",
            with(
                true,
                vec![
                    sg(
                        "sg-range",
                        vec![sg_perm("tcp", Some(0), Some(1024), &["0.0.0.0/0"], &[])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-range"], |_| {}),
                ],
            ),
            true,
        ),
        (
            "ipv6 only",
            with(
                true,
                vec![
                    sg(
                        "sg-v6",
                        vec![sg_perm("tcp", Some(22), Some(22), &[], &["::/0"])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-v6"], |_| {}),
                ],
            ),
            false,
        ),
        (
            "https only",
            with(
                true,
                vec![
                    sg(
                        "sg-web",
                        vec![sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-web"], |_| {}),
                ],
            ),
            false,
        ),
        (
            "no route to the gateway",
            with(
                false,
                vec![
                    sg(
                        "sg-ssh",
                        vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {}),
                ],
            ),
            false,
        ),
        (
            "stopped",
            with(
                true,
                vec![
                    sg(
                        "sg-ssh",
                        vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |i| {
                        i.state = InstanceState::Stopped
                    }),
                ],
            ),
            false,
        ),
        (
            "no public ip",
            with(
                true,
                vec![
                    sg(
                        "sg-ssh",
                        vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
                    ),
                    placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |i| i.public_ip = None),
                ],
            ),
            false,
        ),
    ];
    for (name, resources, fires) in cases {
        let ev = evaluate(&set, resources.clone());
        let f = fired(&ev, "acme.ec2.instance_admin_port_exposed");
        assert_eq!(f.len(), usize::from(fires), "{name}: {f:?}");
        assert_eq!(
            crate::catalog::testkit::eval_rule(&builtin, resources).len(),
            f.len(),
            "{name}: the pack rule and the built-in disagree"
        );
        if fires {
            let e = exposure_of(f[0]);
            assert_eq!(f[0].resource_id.short_id(), "i-pub");
            assert_eq!(e.public_ip, "198.51.100.7");
            let path: Vec<&str> = e.path.iter().map(|h| h.id.short_id()).collect();
            assert_eq!(path[..3], ["igw-1", "rtb-pub", "subnet-pub"], "{name}");
            assert_eq!(path[4], "i-pub");
            assert!(e.ports.contains(&22), "{name}: {:?}", e.ports);
        }
        assert!(ev
            .evaluated
            .contains("acme.ec2.instance_admin_port_exposed"));
    }
}

#[test]
fn exposure_ports_list_single_ports_and_covered_common_ports() {
    let set = load_one(&pack(&rule(
        "t.exposed",
        "aws_ec2_instance",
        "security",
        "resource.graph.internet_exposed && 2222 in resource.graph.exposure.ports",
        "",
    )))
    .unwrap();
    let mut rs = network(true);
    rs.push(sg(
        "sg-1",
        vec![
            sg_perm("tcp", Some(2222), Some(2222), &["0.0.0.0/0"], &[]),
            sg_perm("tcp", Some(3000), Some(3400), &["0.0.0.0/0"], &[]),
            sg_perm("tcp", Some(5432), Some(5432), &[], &["::/0"]),
            sg_perm("udp", Some(53), Some(53), &["0.0.0.0/0"], &[]),
        ],
    ));
    rs.push(placed_instance("i-pub", "subnet-pub", &["sg-1"], |_| {}));
    let ev = evaluate(&set, rs);
    let f = fired(&ev, "t.exposed");
    assert_eq!(f.len(), 1);
    // 2222 (single port), 3306 and 3389 (common ports in 3000-3400); not 5432 (IPv6 only),
    // not 53 (UDP).
    assert_eq!(exposure_of(f[0]).ports, [2222, 3306, 3389]);
    assert_eq!(exposure_of(f[0]).open_ingress.len(), 4);
}

#[test]
fn neighbors_params_now_and_sum() {
    let rules = format!(
        "{}{}{}",
        rule(
            "t.old_volume",
            "aws_ebs_volume",
            "security",
            "now - timestamp(resource.properties.create_time) > duration(params.max_age)",
            ""
        ),
        rule(
            "t.many_volumes",
            "aws_ec2_instance",
            "cost",
            "size(resource.graph.neighbors.attached_to) >= 2",
            "    estimate:\n      monthly_usd: >-\n        double(sum(resource.graph.neighbors.attached_to.map(n, n.properties.size_gib))) * 2.0 + sum([params.price, 0.25])\n",
        ),
        rule(
            "t.in_subnet",
            "aws_ec2_instance",
            "security",
            "resource.graph.neighbors.contains.exists(n, n.direction == 'incoming' && n.kind == 'aws_ec2_subnet' && n.properties.subnet_id == 'subnet-pub')",
            ""
        ),
    );
    let set = load_one(&pack(&rules)).unwrap();
    let aged = |id: &str, days: i64| {
        volume(id, |v| {
            v.create_time = Some(now() - chrono::Duration::days(days));
            v.attachments[0].instance = ec2_id("instance", "i-two");
        })
    };
    let mut rs = network(true);
    rs.extend([
        aged("vol-old", 60),
        aged("vol-new", 10),
        instance("i-two", |_| {}),
        placed_instance("i-placed", "subnet-pub", &[], |_| {}),
    ]);
    let ev = evaluate(&set, rs);
    assert!(ev.errors.is_empty(), "{:?}", ev.errors);
    assert_eq!(short_ids(&fired(&ev, "t.old_volume")), ["vol-old"]);
    let many = fired(&ev, "t.many_volumes");
    assert_eq!(short_ids(&many), ["i-two"]);
    // (100 + 100) * 2 + 0.5 + 0.25
    assert_eq!(many[0].monthly_cost_usd, Some(400.75));
    assert_eq!(short_ids(&fired(&ev, "t.in_subnet")), ["i-placed"]);
}

// ---------------------------------------------------------------------------------------
// Runtime errors and budgets

#[test]
fn runtime_errors_are_no_match_unless_every_resource_fails() {
    let rules = format!(
        "{}{}{}",
        // iops is null on some volumes: `null > 100` fails there.
        rule(
            "t.iops",
            "aws_ebs_volume",
            "security",
            "resource.properties.iops > 100",
            ""
        ),
        rule(
            "t.owner",
            "aws_ebs_volume",
            "security",
            "resource.tags.owner == 'nobody'",
            ""
        ),
        rule(
            "t.negative",
            "aws_ebs_volume",
            "cost",
            "true",
            "    estimate:\n      monthly_usd: 10.0 - double(resource.properties.size_gib)\n",
        ),
    );
    let set = load_one(&pack(&rules)).unwrap();
    let ev = evaluate(
        &set,
        vec![
            volume("vol-iops", |_| {}),
            volume("vol-none", |v| v.iops = None),
            volume("vol-small", |v| v.size_gib = 4),
        ],
    );
    // Two of three volumes evaluate; the failure is counted, the rule completes.
    assert_eq!(short_ids(&fired(&ev, "t.iops")), ["vol-iops", "vol-small"]);
    assert!(ev.evaluated.contains("t.iops"));
    let stats = &ev.stats["t.iops"];
    assert_eq!((stats.resources, stats.matched, stats.errors), (3, 2, 1));
    assert!(stats.first_errors[0].contains("vol-none"), "{stats:?}");
    // No volume has an `owner` tag: every evaluation fails, the rule is reported.
    assert!(!ev.evaluated.contains("t.owner"));
    let e = ev.errors.iter().find(|e| e.rule_id == "t.owner").unwrap();
    assert!(
        e.message.contains("every one of the 3 resource(s)"),
        "{e:?}"
    );
    assert!(e.message.contains("No such key: owner"), "{e:?}");
    // Negative estimates are per-resource errors; 10 - 4 is fine.
    assert_eq!(short_ids(&fired(&ev, "t.negative")), ["vol-small"]);
    assert_eq!(ev.stats["t.negative"].errors, 2);
    assert!(ev.stats["t.negative"].first_errors[0].contains("not negative"));
}

/// A security group with `n` ingress permissions.
fn big_group(n: i32) -> Resource {
    sg(
        "sg-big",
        (0..n)
            .map(|p| sg_perm("tcp", Some(p), Some(p), &["10.0.0.0/8"], &[]))
            .collect(),
    )
}

const CUBIC: &str = "resource.properties.ingress.all(a, resource.properties.ingress.all(b, resource.properties.ingress.all(c, a.from_port != -1)))";

#[test]
fn an_expensive_rule_is_stopped_by_the_step_budget_and_others_still_run() {
    // Cheap on the 3-permission sample (27 steps), 8,000,000 steps on 200 permissions.
    let rules = format!(
        "{}{}",
        rule("t.cubic", "aws_ec2_security_group", "security", CUBIC, ""),
        rule(
            "t.cheap",
            "aws_ec2_security_group",
            "security",
            "size(resource.properties.ingress) > 100",
            ""
        ),
    );
    let set = load_one(&pack(&rules)).unwrap();
    let started = Instant::now();
    let ev = evaluate(&set, vec![big_group(200)]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(!ev.evaluated.contains("t.cubic"));
    assert!(fired(&ev, "t.cubic").is_empty());
    let e = ev.errors.iter().find(|e| e.rule_id == "t.cubic").unwrap();
    assert!(e.message.starts_with("stopped: evaluating"), "{e:?}");
    assert!(e.message.contains("sg-big"), "{e:?}");
    assert!(ev.evaluated.contains("t.cheap"));
    assert_eq!(fired(&ev, "t.cheap").len(), 1);
}

#[test]
fn an_expensive_rule_is_stopped_by_the_time_budget() {
    let rules = rule("t.cubic", "aws_ec2_security_group", "security", CUBIC, "");
    let limits = Limits {
        max_steps: u64::MAX,
        per_resource: Duration::from_millis(20),
        ..Limits::default()
    };
    let set = PackSet::load_with_limits(&[src("p.yaml", &pack(&rules))], limits).unwrap();
    let started = Instant::now();
    let ev = evaluate(&set, vec![big_group(400)]);
    // 64,000,000 steps would take minutes; the deadline ends every loop at its next step.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let e = &ev.errors[0];
    assert_eq!(e.rule_id, "t.cubic");
    assert!(e.message.contains("longer than 20 ms"), "{e:?}");
    assert!(ev.evaluated.is_empty());
}

#[test]
fn a_rule_over_its_total_budget_is_stopped() {
    let set = baseline().with_limits(Limits {
        per_rule: Duration::ZERO,
        ..Limits::default()
    });
    let ev = evaluate(&set, vec![sg("sg-1", vec![]), sg("sg-2", vec![])]);
    let e = ev
        .errors
        .iter()
        .find(|e| e.rule_id == "acme.ec2.security_group_all_traffic_world")
        .unwrap();
    assert!(e.message.contains("per-rule budget"), "{e:?}");
    assert_eq!(
        ev.stats[&e.rule_id].resources, 1,
        "stopped after the first resource"
    );
    assert!(!ev.evaluated.contains(&e.rule_id));
}

#[test]
fn an_expression_expensive_on_the_samples_is_rejected_at_load() {
    let list = format!(
        "[{}]",
        (0..100)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let bomb = format!("{list}.all(a, {list}.all(b, {list}.all(c, a + b + c >= 0)))");
    let started = Instant::now();
    let errors = load_err(&pack(&rule(
        "t.bomb",
        "aws_ebs_volume",
        "security",
        &q(&bomb),
        "",
    )));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(errors[0].reason.contains("too expensive"), "{errors:#?}");
}

#[test]
fn only_enabled_rules_run_and_the_engine_merges_pack_findings() {
    let set = baseline();
    let world = sg(
        "sg-all",
        vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])],
    );
    let mut b = InventoryBuilder::new();
    b.add(world);
    let inv = b.build();
    let pricing = PriceTable::default();
    let cx = EvalCx::new(&inv, &pricing, now());
    let none = set.evaluate(&cx, &BTreeSet::new());
    assert!(none.findings.is_empty() && none.evaluated.is_empty() && none.stats.is_empty());
    let settings = crate::engine::RuleSettings {
        disabled: ["acme.ec2.instance_admin_port_exposed".to_string()].into(),
        ..Default::default()
    };
    let engine = Engine::new(set, settings).unwrap();
    let out = engine.evaluate(&cx);
    assert!(!out
        .evaluated
        .contains("acme.ec2.instance_admin_port_exposed"));
    assert!(out
        .evaluated
        .contains("acme.ec2.stopped_instance_volume_cost"));
    assert!(out
        .evaluated
        .contains("aws.ec2.security_group_world_open_ssh"));
    let pack_findings: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("acme."))
        .collect();
    assert_eq!(pack_findings.len(), 1);
    assert!(out.findings.windows(2).all(|w| w[0].key < w[1].key));
}

#[test]
fn findings_are_sorted_by_key_and_stable() {
    let set = baseline();
    let groups: Vec<Resource> = (0..20)
        .map(|i| {
            sg(
                &format!("sg-{i:02}"),
                vec![sg_perm("-1", None, None, &["0.0.0.0/0"], &[])],
            )
        })
        .collect();
    let a = evaluate(&set, groups.clone());
    assert_eq!(a.findings.len(), 20);
    assert!(a.findings.windows(2).all(|w| w[0].key < w[1].key));
    let b = evaluate(&set, groups.into_iter().rev().collect());
    assert_eq!(a.findings, b.findings);
}

#[test]
fn document_shape() {
    let mut rs = network(true);
    rs.push(sg(
        "sg-ssh",
        vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
    ));
    rs.push(placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {}));
    rs.push(volume("vol-1", |v| {
        v.attachments[0].instance = ec2_id("instance", "i-pub")
    }));
    let mut b = InventoryBuilder::new();
    b.extend(rs);
    let inv = b.build();
    let pricing = PriceTable::default();
    let cx = EvalCx::new(&inv, &pricing, now());
    let id = ec2_id("instance", "i-pub");
    let r = inv.get(&id).unwrap();
    let doc = document(&inv, cx.exposures.get(&id), r, true);
    assert_eq!(doc["kind"], "aws_ec2_instance");
    assert_eq!(doc["properties"]["state"], "running");
    let g = &doc["graph"];
    assert_eq!(g["internet_exposed"], true);
    assert_eq!(g["exposure"]["public_ip"], "198.51.100.7");
    assert_eq!(g["exposure"]["ports"], serde_json::json!([22]));
    assert_eq!(g["exposure"]["port_ranges"][0]["protocol"], "tcp");
    assert_eq!(g["exposure"]["port_ranges"][0]["source"], "0.0.0.0/0");
    assert_eq!(g["exposure"]["path"].as_array().unwrap().len(), 5);
    assert_eq!(g["exposure"]["path"][0]["kind"], "aws_ec2_internet_gateway");
    let edges = g["neighbors"].as_object().unwrap();
    let mut names: Vec<&str> = edges.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "associated_with",
            "attached_to",
            "contains",
            "derived_from",
            "encrypted_with",
            "logs_to",
            "routes_to",
            "secured_by"
        ]
    );
    let vol = &g["neighbors"]["attached_to"][0];
    assert_eq!(
        (vol["kind"].as_str(), vol["direction"].as_str()),
        (Some("aws_ebs_volume"), Some("incoming"))
    );
    assert_eq!(vol["properties"]["size_gib"], 100);
    assert_eq!(g["neighbors"]["secured_by"][0]["direction"], "outgoing");
    assert_eq!(
        g["neighbors"]["contains"][0]["properties"]["subnet_id"],
        "subnet-pub"
    );
    // Not exposed: the same shape, empty.
    let vol_id = ec2_id("volume", "vol-1");
    let doc = document(&inv, None, inv.get(&vol_id).unwrap(), false);
    assert_eq!(doc["graph"]["internet_exposed"], false);
    assert_eq!(
        doc["graph"]["exposure"]["public_ip"],
        serde_json::Value::Null
    );
    assert_eq!(doc["graph"]["exposure"]["ports"], serde_json::json!([]));
}

#[test]
fn error_display_and_set_is_send_sync() {
    let e = PackError {
        file: "a.yaml".into(),
        rule_id: Some("t.x".into()),
        line: 3,
        column: 7,
        reason: "bad".into(),
    };
    assert_eq!(e.to_string(), "a.yaml:3:7: rule t.x: bad");
    let e = PackError { rule_id: None, ..e };
    assert_eq!(e.to_string(), "a.yaml:3:7: bad");
    fn send_sync<T: Send + Sync>() {}
    send_sync::<PackSet>();
}

#[test]
fn common_stdlib_functions_are_known_to_the_checker() {
    let exprs = [
        "resource.properties.volume_id.startsWith('vol-') && resource.properties.volume_id.endsWith('1')",
        "resource.properties.volume_id.contains('vol') && resource.properties.volume_id.matches('^vol-')",
        "size(resource.tags) >= 0 && int('1') == 1 && uint(1) == 1u && string(1) == '1'",
        "double(resource.properties.size_gib) > 1.5 && type(1) == int",
        "timestamp(resource.properties.create_time).getFullYear() > 2000",
        "duration('1h') < duration('2h') && resource.properties.create_time != null",
        "resource.properties.attachments.exists_one(a, a.delete_on_termination)",
        "has(resource.tags.owner) || resource.name != null",
        "resource.properties.state in ['in-use', 'available']",
    ];
    for (i, e) in exprs.iter().enumerate() {
        let text = pack(&rule(
            &format!("t.f{i}"),
            "aws_ebs_volume",
            "security",
            &q(e),
            "",
        ));
        if let Err(errs) = load_one(&text) {
            panic!("{e}: {errs}");
        }
    }
}

const HYGIENE: &str = include_str!("../../../examples/rules/hygiene/hygiene.yaml");

#[test]
fn hygiene_example_loads_and_fires() {
    let set = PackSet::load(&[
        src("baseline.yaml", BASELINE),
        src("hygiene/hygiene.yaml", HYGIENE),
    ])
    .unwrap();
    assert_eq!(set.packs().len(), 2);
    assert_eq!(set.rules().len(), 6);
    let unattached = |id: &str, days: i64, vt: skywarden_graph::model::VolumeType| {
        volume(id, |v| {
            v.state = skywarden_graph::model::VolumeState::Available;
            v.attachments.clear();
            v.volume_type = vt;
            v.create_time = Some(now() - chrono::Duration::days(days));
        })
    };
    use skywarden_graph::model::VolumeType::{Gp3, Unknown};
    let mut rs = network(true);
    rs.extend([
        unattached("vol-old", 40, Gp3),
        unattached("vol-odd", 40, Unknown),
        unattached("vol-young", 5, Gp3),
        sg(
            "sg-ssh",
            vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
        ),
        sg("sg-unused", vec![]),
        placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {}),
    ]);
    let ev = evaluate(&set, rs);
    assert!(ev.errors.is_empty(), "{:?}", ev.errors);
    let old = fired(&ev, "acme.ebs.volume_unattached_for_long");
    assert_eq!(short_ids(&old), ["vol-odd", "vol-old"]);
    let cost = |id: &str| {
        old.iter()
            .find(|f| f.resource_id.short_id() == id)
            .unwrap()
            .monthly_cost_usd
    };
    // 100 GiB at 0.08 (gp3) and at the default 0.10 (a type missing from the table).
    assert_eq!((cost("vol-old"), cost("vol-odd")), (Some(8.0), Some(10.0)));
    assert_eq!(
        short_ids(&fired(&ev, "acme.ec2.exposed_instance_without_owner")),
        ["i-pub"]
    );
    assert_eq!(
        short_ids(&fired(&ev, "acme.ec2.security_group_unused")),
        ["sg-unused"]
    );
    // Exposed and tagged: no finding.
    let mut rs = network(true);
    rs.push(sg(
        "sg-ssh",
        vec![sg_perm("tcp", Some(22), Some(22), &["0.0.0.0/0"], &[])],
    ));
    let mut tagged = placed_instance("i-pub", "subnet-pub", &["sg-ssh"], |_| {});
    tagged.tags.insert("owner".into(), "web".into());
    rs.push(tagged);
    let ev = evaluate(&set, rs);
    assert!(fired(&ev, "acme.ec2.exposed_instance_without_owner").is_empty());
}

#[test]
fn expressions_at_the_limits_fit_a_small_thread_stack() {
    // Tokio's worker threads have 2 MiB of stack; the limits must keep parsing, checking and
    // evaluating well inside it.
    let run = || {
        let brackets = format!(
            "{}resource.properties.size_gib > 1{}",
            "(".repeat(48),
            ")".repeat(48)
        );
        let chain = format!(
            "{} > 0",
            vec!["resource.properties.size_gib"; 40].join(" + ")
        );
        let nested = format!(
            "{}true{}",
            "resource.properties.attachments.exists(a, ".repeat(15),
            ")".repeat(15)
        );
        let rules = [brackets, chain, nested]
            .iter()
            .enumerate()
            .map(|(i, m)| {
                rule(
                    &format!("t.deep{i}"),
                    "aws_ebs_volume",
                    "security",
                    &q(m),
                    "",
                )
            })
            .collect::<String>();
        let set = load_one(&pack(&rules)).unwrap();
        let ev = evaluate(&set, vec![volume("vol-1", |_| {})]);
        assert!(ev.errors.is_empty(), "{:?}", ev.errors);
        assert_eq!(ev.findings.len(), 3);
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn pathological_sources_do_not_overflow_a_small_stack() {
    let run = || {
        for m in [
            format!("{}true", "!".repeat(4000)),
            format!("{}1 > 0", "-".repeat(4000)),
            format!("{} > 0", vec!["1"; 2000].join("+")),
            format!("{}1", "true ? 1 : ".repeat(350)),
            format!("{{'a': 1}}{} == 1", ".a".repeat(2000)),
            format!("resource{} == 1", "[0]".repeat(1300)),
        ] {
            // Accepted (CEL folds `!!`) or rejected: either way, no overflow.
            if let Err(errors) = load_one(&pack(&rule(
                "t.x",
                "aws_ebs_volume",
                "security",
                &q(&m),
                "",
            ))) {
                assert_eq!(errors.errors().len(), 1, "{errors}");
            }
        }
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn pack_rules_over_azure_kinds_load_and_evaluate() {
    use skywarden_graph::model::{DiskSku, DiskState};
    use skywarden_graph::testkit::azure::{
        az_disk, az_exposed_vm, disk_id, nsg_id, nsg_rule, vm_id,
    };
    let text = pack(&[
        rule(
            "acme.azure.premium_disk_idle",
            "azure_compute_disk",
            "cost",
            &q("resource.properties.sku == 'Premium_LRS' && resource.properties.disk_state == 'Unattached'"),
            "    estimate:\n      monthly_usd: double(resource.properties.size_gib) * params.price\n",
        ),
        rule(
            "acme.azure.nsg_internet_allow",
            "azure_network_security_group",
            "security",
            &q("resource.properties.security_rules.exists(r, r.access == 'Allow' && r.source_address_prefixes.exists(s, s == 'Internet'))"),
            "",
        ),
        rule(
            "acme.azure.vm_ssh_exposed",
            "azure_compute_virtual_machine",
            "security",
            &q("resource.graph.internet_exposed && 22 in resource.graph.exposure.ports && resource.properties.power_state == 'running'"),
            "",
        ),
    ]
    .concat());
    let set = load_one(&text).unwrap();
    let mut rs = az_exposed_vm(
        None,
        Some(vec![nsg_rule(
            "ssh",
            100,
            "Allow",
            "Tcp",
            &["Internet"],
            &["22"],
        )]),
    );
    rs.push(az_disk("idle", |_| {}));
    rs.push(az_disk("std", |d| d.sku = Some(DiskSku::StandardLrs)));
    rs.push(az_disk("used", |d| {
        d.disk_state = Some(DiskState::Attached)
    }));
    let ev = evaluate(&set, rs);
    assert!(ev.errors.is_empty(), "{:?}", ev.errors);
    let ids = |rule: &str| -> Vec<skywarden_graph::ResourceId> {
        fired(&ev, rule)
            .iter()
            .map(|f| f.resource_id.clone())
            .collect()
    };
    assert_eq!(ids("acme.azure.premium_disk_idle"), [disk_id("idle")]);
    assert_eq!(
        fired(&ev, "acme.azure.premium_disk_idle")[0].monthly_cost_usd,
        Some(64.0)
    );
    assert_eq!(ids("acme.azure.nsg_internet_allow"), [nsg_id("nic-nsg")]);
    assert_eq!(ids("acme.azure.vm_ssh_exposed"), [vm_id("vm1")]);
    let f = fired(&ev, "acme.azure.vm_ssh_exposed");
    let Evidence::RulePack {
        exposure: Some(e), ..
    } = &f[0].evidence
    else {
        panic!("{:?}", f[0].evidence)
    };
    assert_eq!(e.public_ip, "203.0.113.1");
    assert!(e.ports.contains(&22));
    // A field Azure disks do not have is a load-time error.
    let bad = pack(&rule(
        "acme.azure.bad",
        "azure_compute_disk",
        "security",
        &q("resource.properties.volume_type == 'gp2'"),
        "",
    ));
    assert!(!load_err(&bad).is_empty());
}
