//! Export formats: golden files, round trips, JSON Schema validation (SARIF 2.1.0, OCSF
//! 1.8.0 Detection Finding), escaping and the format registry.
//!
//! Golden files live in `rules/testdata/golden/<format>.<ext>`; run with `UPDATE_GOLDEN=1`
//! to rewrite them after an intended change, then review the diff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/schemas.rs"]
mod schemas;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use quick_xml::events::Event;
use quick_xml::XmlVersion;
use serde_json::Value;
use skywarden_graph::model::{HttpTokens, InstanceState, IpProtocol, VolumeState, VolumeType};
use skywarden_graph::topology::OpenIngress;
use skywarden_graph::{ResourceId, ResourceKind, ScanId};
use skywarden_rules::export::{self, csv::COLUMNS, ExportError, ExportFormat, ExportInput};
use skywarden_rules::{
    catalog, Category, ComplianceRef, CostComponent, Evidence, Finding, FindingKey, FindingRecord,
    FindingStatus, PricingBasis, RuleInfo, RuleSource, Severity, SuppressionRef,
};

// ---------------------------------------------------------------------------------------
// Fixture

const SCAN_A: &str = "0190b2a0-0000-7000-8000-00000000000a";
const SCAN_B: &str = "0190b2a0-0000-7000-8000-00000000000b";
const SCAN_C: &str = "0190b2a0-0000-7000-8000-00000000000c";
const UNKNOWN_RULE: &str = "acme.custom.removed_rule";
/// Formula injection, CSV quoting, XML specials, a newline and two control characters.
const NASTY_TITLE: &str = "=cmd|' /C calc'!A0, \"quoted\" <b>&amp;</b>\nsecond line \u{1}bell\u{7}";
const NASTY_REASON: &str = "Accepted until migration; see <ticket> & \"notes\", it's fine\nline 2";

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}
fn scan(s: &str) -> ScanId {
    s.parse().unwrap()
}
fn rid(s: &str) -> ResourceId {
    s.parse().unwrap()
}
fn cis(control: &str) -> ComplianceRef {
    ComplianceRef {
        framework: "cis_aws_foundations".into(),
        version: "3.0.0".into(),
        control: control.into(),
    }
}

fn rule(
    id: &str,
    title: &str,
    severity: Severity,
    category: Category,
    kind: ResourceKind,
    remediation: &str,
    compliance: Vec<ComplianceRef>,
) -> RuleInfo {
    RuleInfo {
        id: id.into(),
        title: title.into(),
        description: format!("Fixture description of {id}: what it checks and why."),
        severity,
        category,
        kinds: vec![kind],
        remediation: remediation.into(),
        compliance,
        source: RuleSource::Builtin,
    }
}

/// Hand-written metadata (not the catalog's, so rule text edits do not churn the golden
/// files). Includes a rule no finding references and a user-pack rule.
fn fixture_rules() -> Vec<RuleInfo> {
    let mut pack = rule(
        "acme.ebs.volume_unencrypted_kms",
        "EBS volume is not encrypted with a customer-managed key",
        Severity::Medium,
        Category::Security,
        ResourceKind::AwsEbsVolume,
        "Re-create the volume from a snapshot encrypted with the team's KMS key.",
        vec![ComplianceRef {
            framework: "nist_800_53".into(),
            version: "rev5".into(),
            control: "SC-28".into(),
        }],
    );
    pack.source = RuleSource::Pack {
        file: "packs/acme.yaml".into(),
        pack: "acme".into(),
    };
    vec![
        rule(
            "aws.ec2.security_group_world_open_ssh",
            "Security group allows SSH from the internet",
            Severity::High,
            Category::Security,
            ResourceKind::AwsEc2SecurityGroup,
            "Remove the 0.0.0.0/0 and ::/0 ingress rules on port 22.",
            vec![cis("5.2"), cis("5.3")],
        ),
        rule(
            "aws.ec2.instance_imdsv1",
            "Instance allows IMDSv1",
            Severity::Medium,
            Category::Security,
            ResourceKind::AwsEc2Instance,
            "Require IMDSv2: `aws ec2 modify-instance-metadata-options --http-tokens required`.",
            vec![cis("5.6")],
        ),
        pack,
        rule(
            "aws.ebs.volume_unattached",
            "EBS volume is not attached to any instance",
            Severity::Low,
            Category::Cost,
            ResourceKind::AwsEbsVolume,
            "- Snapshot the volume if the data is needed.\n- Delete it: `aws ec2 delete-volume`.",
            vec![],
        ),
        rule(
            "aws.ec2.security_group_world_open_rdp",
            "Security group allows RDP from the internet",
            Severity::High,
            Category::Security,
            ResourceKind::AwsEc2SecurityGroup,
            "Remove the world-open ingress on port 3389.",
            vec![cis("5.2")],
        ),
    ]
}

#[allow(clippy::too_many_arguments)]
fn record(
    rule_id: &str,
    title: &str,
    severity: Severity,
    category: Category,
    resource: &str,
    kind: ResourceKind,
    evidence: Evidence,
    status: FindingStatus,
) -> FindingRecord {
    let resource_id = rid(resource);
    let arn = resource_id.arn().unwrap();
    FindingRecord {
        connection_id: "aws-prod".parse().unwrap(),
        finding: Finding {
            key: FindingKey::new(rule_id, &resource_id, ""),
            rule_id: rule_id.into(),
            severity,
            category,
            title: title.into(),
            resource_id,
            resource_kind: kind,
            account_id: arn.account.unwrap(),
            region: arn.region.unwrap(),
            evidence,
            monthly_cost_usd: None,
            pricing_basis: None,
            resource_tags: BTreeMap::new(),
        },
        status,
        first_seen: ts("2026-10-01T08:00:00Z"),
        last_seen: ts("2026-11-01T08:00:00Z"),
        resolved_at: None,
        first_scan_id: scan(SCAN_A),
        last_scan_id: scan(SCAN_C),
        regression_count: 0,
        suppression: None,
    }
}

/// One finding per status, a cost finding with its pricing basis, tags, a suppression,
/// nasty strings and a finding of a rule that is not in the rule list.
fn fixture_findings() -> Vec<FindingRecord> {
    let sg = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0";
    let mut open_new = record(
        "aws.ec2.security_group_world_open_ssh",
        "Security group allows SSH from the internet",
        Severity::High,
        Category::Security,
        sg,
        ResourceKind::AwsEc2SecurityGroup,
        Evidence::WorldOpenIngress {
            port: 22,
            permissions: vec![OpenIngress {
                via: rid(sg),
                protocol: IpProtocol::Tcp,
                from_port: Some(22),
                to_port: Some(22),
                source: "0.0.0.0/0".into(),
            }],
        },
        FindingStatus::Open,
    );
    open_new.first_seen = open_new.last_seen;
    open_new.first_scan_id = scan(SCAN_C);
    open_new.finding.resource_tags = BTreeMap::from([
        ("env".to_string(), "prod".to_string()),
        ("owner".to_string(), "team-a, \"core\"".to_string()),
    ]);

    let mut regressed = record(
        "aws.ec2.instance_imdsv1",
        "Instance allows IMDSv1",
        Severity::Medium,
        Category::Security,
        "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",
        ResourceKind::AwsEc2Instance,
        Evidence::InstanceMetadata {
            http_tokens: Some(HttpTokens::Optional),
            http_endpoint_enabled: true,
            state: InstanceState::Running,
        },
        FindingStatus::Regressed,
    );
    regressed.regression_count = 2;

    let mut resolved = record(
        "acme.ebs.volume_unencrypted_kms",
        "EBS volume is not encrypted with a customer-managed key",
        Severity::Medium,
        Category::Security,
        "arn:aws:ec2:us-east-1:123456789012:volume/vol-0enc",
        ResourceKind::AwsEbsVolume,
        Evidence::VolumeEncryption {
            encrypted: false,
            volume_type: VolumeType::Gp3,
            size_gib: 100,
            state: VolumeState::InUse,
        },
        FindingStatus::Resolved,
    );
    resolved.last_seen = ts("2026-10-20T08:00:00Z");
    resolved.last_scan_id = scan(SCAN_B);
    resolved.resolved_at = Some(ts("2026-11-01T08:00:00Z"));

    let mut suppressed = record(
        "aws.ebs.volume_unattached",
        "EBS volume is not attached to any instance",
        Severity::Low,
        Category::Cost,
        "arn:aws:ec2:us-east-1:123456789012:volume/vol-0idle",
        ResourceKind::AwsEbsVolume,
        Evidence::UnattachedVolume {
            volume_type: VolumeType::Gp3,
            size_gib: 500,
            iops: Some(6000),
            throughput_mibps: Some(250),
            state: VolumeState::Available,
            created: Some(ts("2025-03-04T05:06:07Z")),
        },
        FindingStatus::Suppressed,
    );
    suppressed.finding.monthly_cost_usd = Some(60.0);
    suppressed.finding.pricing_basis = Some(PricingBasis {
        table_version: "aws-ebs-2026-11".into(),
        price_key: "ebs:gp3:us-east-1".into(),
        unit_price_usd: 0.08,
        unit: "GiB-month".into(),
        quantity: 500.0,
        region_fallback: false,
        components: vec![
            CostComponent {
                price_key: "ebs:gp3:us-east-1".into(),
                unit_price_usd: 0.08,
                unit: "GiB-month".into(),
                quantity: 500.0,
                monthly_usd: 40.0,
            },
            CostComponent {
                price_key: "ebs:gp3:us-east-1:iops".into(),
                unit_price_usd: 0.005,
                unit: "IOPS-month".into(),
                quantity: 3000.0,
                monthly_usd: 15.0,
            },
            CostComponent {
                price_key: "ebs:gp3:us-east-1:throughput".into(),
                unit_price_usd: 0.04,
                unit: "MiBps-month".into(),
                quantity: 125.0,
                monthly_usd: 5.0,
            },
        ],
    });
    suppressed.finding.resource_tags =
        BTreeMap::from([("cost-center".to_string(), "cc-42".to_string())]);
    suppressed.suppression = Some(SuppressionRef {
        id: "0190b2a0-1111-7000-8000-000000000001".into(),
        owner: "alice@example.com".into(),
        reason: NASTY_REASON.into(),
        ticket: Some("OPS-123".into()),
        expires_at: Some(ts("2027-01-01T00:00:00Z")),
    });

    let mut unknown = record(
        UNKNOWN_RULE,
        NASTY_TITLE,
        Severity::Critical,
        Category::Security,
        "arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-0dd,\"q\"<&>'",
        ResourceKind::AwsEc2Instance,
        Evidence::InstanceMetadata {
            http_tokens: None,
            http_endpoint_enabled: false,
            state: InstanceState::Stopped,
        },
        FindingStatus::Open,
    );
    unknown.finding.resource_tags = BTreeMap::from([
        ("+evil".to_string(), "=1+1".to_string()),
        ("note".to_string(), "a;b=c:d".to_string()),
    ]);

    vec![open_new, regressed, resolved, suppressed, unknown]
}

fn generated_at() -> DateTime<Utc> {
    ts("2026-11-01T09:30:00Z")
}

fn input<'a>(findings: &'a [FindingRecord], rules: &'a [RuleInfo]) -> ExportInput<'a> {
    ExportInput {
        findings,
        rules,
        generated_at: generated_at(),
        tool_version: "0.1.0-test",
    }
}

fn render(format: ExportFormat, input: &ExportInput<'_>) -> String {
    let mut out = Vec::new();
    export::write(format, input, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn render_fixture(format: ExportFormat) -> (String, Vec<FindingRecord>) {
    let findings = fixture_findings();
    let rules = fixture_rules();
    (render(format, &input(&findings, &rules)), findings)
}

fn expected_keys(findings: &[FindingRecord]) -> BTreeSet<(String, FindingStatus)> {
    findings
        .iter()
        .map(|r| (r.finding.key.to_string(), r.status))
        .collect()
}

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

fn golden_path(format: ExportFormat) -> PathBuf {
    testdata(&format!(
        "golden/{}.{}",
        format.as_str(),
        format.extension()
    ))
}

// ---------------------------------------------------------------------------------------
// Registry and golden files

#[test]
fn every_format_has_a_module_and_a_golden_file() {
    assert_eq!(ExportFormat::ALL.len(), 6);
    let mut names = BTreeSet::new();
    for f in ExportFormat::ALL {
        assert!(names.insert(f.as_str()), "duplicate format {f}");
        assert_eq!(f.as_str().parse::<ExportFormat>().unwrap(), *f);
        assert_eq!(f.to_string(), f.as_str());
        let json = serde_json::to_string(f).unwrap();
        assert_eq!(json, format!("\"{}\"", f.as_str()));
        assert_eq!(serde_json::from_str::<ExportFormat>(&json).unwrap(), *f);
        let module = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/export")
            .join(format!("{}.rs", f.module()));
        assert!(module.is_file(), "{f}: missing module {}", module.display());
        assert!(golden_path(*f).is_file(), "{f}: missing golden file");
    }
    // No stray golden file without a format.
    for entry in std::fs::read_dir(testdata("golden")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            ExportFormat::ALL
                .iter()
                .any(|f| name == format!("{}.{}", f.as_str(), f.extension())),
            "golden file {name} belongs to no format"
        );
    }
    assert!(matches!(
        "XML".parse::<ExportFormat>(),
        Err(ExportError::UnknownFormat(s)) if s == "XML"
    ));
}

#[test]
fn golden_files_match() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for f in ExportFormat::ALL {
        let (actual, _) = render_fixture(*f);
        let path = golden_path(*f);
        if update {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
        if expected != actual {
            stale.push(format!(
                "{}: differs from the golden file; got:\n{actual}",
                path.display()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\n(run with UPDATE_GOLDEN=1 to accept)",
        stale.join("\n")
    );
}

#[test]
fn output_is_deterministic_and_follows_input_order() {
    let findings = fixture_findings();
    let rules = fixture_rules();
    let mut reversed = findings.clone();
    reversed.reverse();
    for f in ExportFormat::ALL {
        let a = render(*f, &input(&findings, &rules));
        assert_eq!(a, render(*f, &input(&findings, &rules)), "{f}");
        // Order is the input's: reversing the input changes the output.
        assert_ne!(a, render(*f, &input(&reversed, &rules)), "{f}");
    }
}

// ---------------------------------------------------------------------------------------
// Round trips

#[test]
fn json_round_trips_to_the_same_records() {
    let (out, findings) = render_fixture(ExportFormat::Json);
    let back: Vec<FindingRecord> = serde_json::from_str(&out).unwrap();
    assert_eq!(back, findings);
    // Exactly the documented serde form, item by item.
    let values: Vec<Value> = serde_json::from_str(&out).unwrap();
    for (v, r) in values.iter().zip(&findings) {
        assert_eq!(*v, serde_json::to_value(r).unwrap());
    }
}

#[test]
fn ndjson_is_one_record_per_line() {
    let (out, findings) = render_fixture(ExportFormat::Ndjson);
    assert!(out.ends_with('\n'));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), findings.len());
    for (line, r) in lines.iter().zip(&findings) {
        let back: FindingRecord = serde_json::from_str(line).unwrap();
        assert_eq!(&back, r);
    }
}

fn csv_rows(out: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = ::csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

#[test]
fn csv_round_trips_and_guards_formulas() {
    let (out, findings) = render_fixture(ExportFormat::Csv);
    let (headers, rows) = csv_rows(&out);
    assert_eq!(headers, COLUMNS);
    let got: BTreeSet<(String, FindingStatus)> = rows
        .iter()
        .map(|r| (r["key"].clone(), r["status"].parse().unwrap()))
        .collect();
    assert_eq!(got, expected_keys(&findings));

    // Formula injection: a leading ' on cells starting with = + - @ (OWASP).
    let unknown = &rows[4];
    assert_eq!(unknown["rule_id"], UNKNOWN_RULE);
    assert_eq!(unknown["title"], format!("'{NASTY_TITLE}"));
    assert_eq!(unknown["tags"], r"'+evil=\=1+1;note=a\;b\=c\:d");
    // Unknown rule: no remediation, no compliance.
    assert_eq!(unknown["remediation"], "");
    assert_eq!(unknown["compliance"], "");
    assert_eq!(unknown["severity"], "critical");
    assert_eq!(
        unknown["resource_id"],
        findings[4].finding.resource_id.as_str()
    );

    let suppressed = &rows[3];
    assert_eq!(suppressed["status"], "suppressed");
    assert_eq!(suppressed["monthly_cost_usd"], "60");
    assert_eq!(
        suppressed["suppressed_by"],
        "0190b2a0-1111-7000-8000-000000000001"
    );
    assert_eq!(suppressed["suppression_expires_at"], "2027-01-01T00:00:00Z");
    assert!(suppressed["remediation"].starts_with("'- Snapshot"));
    assert_eq!(suppressed["tags"], "cost-center=cc-42");

    let open = &rows[0];
    assert_eq!(open["tags"], "env=prod;owner=team-a, \"core\"");
    assert_eq!(
        open["compliance"],
        "cis_aws_foundations:3.0.0:5.2;cis_aws_foundations:3.0.0:5.3"
    );
    assert_eq!(open["monthly_cost_usd"], "");
    assert_eq!(open["resolved_at"], "");
    assert_eq!(rows[1]["regression_count"], "2");
    assert_eq!(rows[2]["resolved_at"], "2026-11-01T08:00:00Z");

    // No cell of any row starts with a formula trigger.
    for row in &rows {
        for (col, cell) in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{col}: {cell:?}"
            );
        }
    }
}

fn ocsf_events(out: &str) -> Vec<Value> {
    serde_json::from_str(out).unwrap()
}

#[test]
fn ocsf_round_trips_with_mapped_ids() {
    let (out, findings) = render_fixture(ExportFormat::Ocsf);
    let events = ocsf_events(&out);
    assert_eq!(events.len(), findings.len());
    let mut got = BTreeSet::new();
    for (e, r) in events.iter().zip(&findings) {
        let status: FindingStatus = e["unmapped"]["skywarden_status"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        got.insert((
            e["finding_info"]["uid"].as_str().unwrap().to_string(),
            status,
        ));

        let (activity_id, status_id) = match r.status {
            FindingStatus::Open | FindingStatus::Regressed => (1, 1),
            FindingStatus::Suppressed => (2, 3),
            FindingStatus::Resolved => (3, 4),
        };
        assert_eq!(e["class_uid"], 2004);
        assert_eq!(e["category_uid"], 2);
        assert_eq!(e["activity_id"], activity_id);
        assert_eq!(e["type_uid"], 2004 * 100 + activity_id);
        assert_eq!(e["status_id"], status_id);
        assert_eq!(e["is_alert"], r.status.is_active());
        let severity_id = match r.finding.severity {
            Severity::Info => 1,
            Severity::Low => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
        };
        assert_eq!(e["severity_id"], severity_id);
        assert_eq!(e["metadata"]["version"], export::ocsf::OCSF_VERSION);
        assert_eq!(e["metadata"]["product"]["version"], "0.1.0-test");
        assert_eq!(
            e["metadata"]["processed_time"],
            generated_at().timestamp_millis()
        );
        assert_eq!(
            e["finding_info"]["first_seen_time"],
            r.first_seen.timestamp_millis()
        );
        assert_eq!(
            e["finding_info"]["last_seen_time"],
            r.last_seen.timestamp_millis()
        );
        assert_eq!(
            e["finding_info"]["analytic"]["uid"],
            r.finding.rule_id.as_str()
        );
        assert_eq!(e["resources"][0]["uid"], r.finding.resource_id.as_str());
        assert_eq!(e["resources"][0]["type"], r.finding.resource_kind.as_str());
        assert_eq!(e["cloud"]["provider"], "AWS");
        assert_eq!(e["cloud"]["account"]["uid"], "123456789012");
        assert_eq!(
            e["evidences"][0]["data"],
            serde_json::to_value(&r.finding.evidence).unwrap()
        );
    }
    assert_eq!(got, expected_keys(&findings));

    // Lifecycle details.
    assert_eq!(events[0]["time"], findings[0].last_seen.timestamp_millis());
    assert!(events[1]["status_detail"]
        .as_str()
        .unwrap()
        .starts_with("regressed"));
    assert_eq!(
        events[2]["time"],
        findings[2].resolved_at.unwrap().timestamp_millis()
    );
    assert_eq!(events[3]["comment"], NASTY_REASON);
    assert_eq!(events[3]["unmapped"]["monthly_cost_usd"], 60.0);
    assert_eq!(
        events[3]["unmapped"]["pricing_basis"],
        serde_json::to_value(findings[3].finding.pricing_basis.as_ref().unwrap()).unwrap()
    );
    assert_eq!(events[3]["unmapped"]["suppression"]["ticket"], "OPS-123");
    assert_eq!(events[0]["unmapped"]["compliance"][1]["control"], "5.3");
    assert_eq!(events[0]["resources"][0]["tags"][0]["name"], "env");
    assert_eq!(
        events[0]["remediation"]["desc"],
        "Remove the 0.0.0.0/0 and ::/0 ingress rules on port 22."
    );
    // Unknown rule: title from the finding, no remediation or compliance.
    assert_eq!(events[4]["finding_info"]["title"], NASTY_TITLE);
    assert_eq!(events[4]["finding_info"]["analytic"]["name"], NASTY_TITLE);
    assert!(events[4].get("remediation").is_none());
    assert!(events[4]["unmapped"].get("compliance").is_none());
    assert_eq!(events[4]["cloud"]["cloud_partition"], "aws-cn");
    assert_eq!(events[4]["cloud"]["region"], "cn-north-1");
}

fn sarif_log(out: &str) -> Value {
    serde_json::from_str(out).unwrap()
}

#[test]
fn sarif_round_trips_with_levels_baselines_and_suppressions() {
    let (out, findings) = render_fixture(ExportFormat::Sarif);
    let log = sarif_log(&out);
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "Skywarden");
    assert_eq!(driver["version"], "0.1.0-test");
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // Referenced rules only, in order of first reference; the unreferenced RDP rule is absent.
    assert_eq!(
        rule_ids,
        [
            "aws.ec2.security_group_world_open_ssh",
            "aws.ec2.instance_imdsv1",
            "acme.ebs.volume_unencrypted_kms",
            "aws.ebs.volume_unattached",
            UNKNOWN_RULE,
        ]
    );
    assert_eq!(
        rules[0]["help"]["text"],
        "Remove the 0.0.0.0/0 and ::/0 ingress rules on port 22."
    );
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert_eq!(
        rules[0]["properties"]["tags"],
        serde_json::json!([
            "security",
            "cis_aws_foundations:3.0.0:5.2",
            "cis_aws_foundations:3.0.0:5.3"
        ])
    );
    assert_eq!(rules[4]["shortDescription"]["text"], NASTY_TITLE);
    assert!(rules[4].get("help").is_none());

    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let mut got = BTreeSet::new();
    for (res, r) in results.iter().zip(&findings) {
        let key = res["partialFingerprints"]["skywardenFindingKey/v1"]
            .as_str()
            .unwrap();
        let status: FindingStatus = res["properties"]["status"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        got.insert((key.to_string(), status));
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], res["ruleId"]);
        assert_eq!(res["ruleId"], r.finding.rule_id.as_str());
        let loc = &res["locations"][0]["logicalLocations"][0];
        assert_eq!(loc["fullyQualifiedName"], r.finding.resource_id.as_str());
        assert_eq!(loc["kind"], r.finding.resource_kind.as_str());
        assert!(res["locations"][0].get("physicalLocation").is_none());
    }
    assert_eq!(got, expected_keys(&findings));

    let field = |i: usize, name: &str| results[i][name].as_str().unwrap().to_string();
    // high -> error, medium -> warning, low -> note, critical -> error.
    assert_eq!(field(0, "level"), "error");
    assert_eq!(field(1, "level"), "warning");
    assert_eq!(field(3, "level"), "note");
    assert_eq!(field(4, "level"), "error");
    // first seen in this scan -> new; resolved -> absent; otherwise unchanged.
    assert_eq!(field(0, "baselineState"), "new");
    assert_eq!(field(1, "baselineState"), "unchanged");
    assert_eq!(field(2, "baselineState"), "absent");
    assert_eq!(field(3, "baselineState"), "unchanged");
    assert_eq!(field(4, "baselineState"), "unchanged");
    let suppressions = results[3]["suppressions"].as_array().unwrap();
    assert_eq!(suppressions.len(), 1);
    assert_eq!(suppressions[0]["kind"], "external");
    assert_eq!(suppressions[0]["status"], "accepted");
    assert_eq!(suppressions[0]["justification"], NASTY_REASON);
    for i in [0, 1, 2, 4] {
        assert_eq!(
            results[i]["suppressions"],
            serde_json::json!([]),
            "result {i}"
        );
    }
    assert_eq!(results[3]["properties"]["monthly_cost_usd"], 60.0);
    assert_eq!(results[4]["message"]["text"], NASTY_TITLE);
}

/// A parsed JUnit test case.
#[derive(Debug, Default)]
struct Case {
    classname: String,
    name: String,
    properties: BTreeMap<String, String>,
    failure: Option<(String, String)>,
    skipped: Option<String>,
}

/// Attributes of one XML element.
type Attrs = BTreeMap<String, String>;
/// A `<testsuite>`'s attributes and its test cases.
type Suite = (Attrs, Vec<Case>);

/// Parses the JUnit output with quick-xml (which checks well-formedness and end tags) into
/// the `<testsuites>` attributes and the suites.
fn junit_cases(out: &str) -> (Attrs, Vec<Suite>) {
    fn attrs(e: &quick_xml::events::BytesStart<'_>) -> Attrs {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect()
    }
    let mut reader = quick_xml::Reader::from_str(out);
    let mut root = BTreeMap::new();
    let mut suites: Vec<Suite> = Vec::new();
    loop {
        let (e, is_empty) = match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            _ => continue,
        };
        let a = attrs(&e);
        match e.name().as_ref() {
            "testsuites" => root = a,
            "testsuite" => suites.push((a, Vec::new())),
            "testcase" => {
                assert!(!is_empty);
                suites.last_mut().unwrap().1.push(Case {
                    classname: a["classname"].clone(),
                    name: a["name"].clone(),
                    ..Case::default()
                });
            }
            "property" => {
                let case = suites.last_mut().unwrap().1.last_mut().unwrap();
                case.properties
                    .insert(a["name"].clone(), a["value"].clone());
            }
            "failure" => {
                let case = suites.last_mut().unwrap().1.last_mut().unwrap();
                case.failure = Some((a["message"].clone(), a["type"].clone()));
            }
            "skipped" => {
                let case = suites.last_mut().unwrap().1.last_mut().unwrap();
                case.skipped = Some(a["message"].clone());
            }
            _ => {}
        }
    }
    (root, suites)
}

#[test]
fn junit_round_trips_with_one_suite_per_rule() {
    let (out, findings) = render_fixture(ExportFormat::Junit);
    let (root, suites) = junit_cases(&out);
    assert_eq!(root["tests"], "5");
    assert_eq!(root["failures"], "3");
    assert_eq!(root["skipped"], "1");
    assert_eq!(root["errors"], "0");
    assert_eq!(root["timestamp"], "2026-11-01T09:30:00");

    let suite_names: Vec<&str> = suites.iter().map(|(a, _)| a["name"].as_str()).collect();
    assert_eq!(
        suite_names,
        [
            "aws.ec2.security_group_world_open_ssh",
            "aws.ec2.instance_imdsv1",
            "acme.ebs.volume_unencrypted_kms",
            "aws.ebs.volume_unattached",
            UNKNOWN_RULE,
        ]
    );
    let mut got = BTreeSet::new();
    for (suite, cases) in &suites {
        assert_eq!(suite["tests"], cases.len().to_string());
        let failures = cases.iter().filter(|c| c.failure.is_some()).count();
        let skipped = cases.iter().filter(|c| c.skipped.is_some()).count();
        assert_eq!(suite["failures"], failures.to_string());
        assert_eq!(suite["skipped"], skipped.to_string());
        for case in cases {
            assert_eq!(case.classname, suite["name"]);
            let status: FindingStatus = case.properties["skywarden.status"].parse().unwrap();
            assert_eq!(case.failure.is_some(), status.is_active(), "{case:?}");
            assert_eq!(case.skipped.is_some(), status == FindingStatus::Suppressed);
            got.insert((case.properties["skywarden.finding_key"].clone(), status));
        }
    }
    assert_eq!(got, expected_keys(&findings));

    // Escaping: `<&"'`, commas and newlines survive; control characters are removed.
    let unknown = &suites[4].1[0];
    assert_eq!(unknown.name, findings[4].finding.resource_id.as_str());
    let (message, kind) = unknown.failure.clone().unwrap();
    assert_eq!(message, NASTY_TITLE.replace(['\u{1}', '\u{7}'], ""));
    assert_eq!(kind, "critical");
    let skipped = suites[3].1[0].skipped.clone().unwrap();
    assert!(skipped.ends_with(NASTY_REASON), "{skipped:?}");
    assert!(
        out.chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r') || !c.is_control()),
        "control characters in the XML"
    );
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
}

// ---------------------------------------------------------------------------------------
// JSON Schema validation

fn load_schema(file: &str) -> Value {
    schemas::load_schema(&testdata("schemas"), file)
}

fn validator(file: &str) -> jsonschema::Validator {
    schemas::validator(&testdata("schemas"), file)
}

use schemas::{schema_errors, OCSF_SCHEMA, SARIF_SCHEMA};

#[test]
fn vendored_schemas_are_the_expected_documents() {
    let sarif = load_schema(SARIF_SCHEMA);
    assert_eq!(
        sarif["$id"],
        "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
    );
    assert!(sarif["title"]
        .as_str()
        .unwrap()
        .contains("SARIF) Version 2.1.0"));
    let ocsf = load_schema(OCSF_SCHEMA);
    assert_eq!(
        ocsf["$id"],
        "https://schema.ocsf.io/schema/1.8.0/classes/detection_finding?profiles=cloud"
    );
    assert_eq!(ocsf["properties"]["class_uid"]["const"], 2004);
}

#[test]
fn ocsf_validates_against_the_published_schema() {
    let v = validator(OCSF_SCHEMA);
    let (out, _) = render_fixture(ExportFormat::Ocsf);
    let events = ocsf_events(&out);
    for (i, e) in events.iter().enumerate() {
        let errors = schema_errors(&v, e);
        assert!(errors.is_empty(), "event {i}: {errors:#?}");
    }
    // The schema bites: a wrong enum value, a misspelt attribute, a missing requirement.
    let mut bad = events[0].clone();
    bad["severity_id"] = 42.into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = events[0].clone();
    bad["finding_info"]["titel"] = "typo".into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = events[0].clone();
    bad.as_object_mut().unwrap().remove("cloud");
    assert!(!schema_errors(&v, &bad).is_empty());
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let v = validator(SARIF_SCHEMA);
    let (out, _) = render_fixture(ExportFormat::Sarif);
    let log = sarif_log(&out);
    let errors = schema_errors(&v, &log);
    assert!(errors.is_empty(), "{errors:#?}");
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["baselineState"] = "gone".into();
    assert!(!schema_errors(&v, &bad).is_empty());
}

/// Every built-in rule's real metadata exports to schema-valid SARIF and OCSF.
#[test]
fn builtin_catalog_exports_validate() {
    let rules: Vec<RuleInfo> = catalog::all()
        .iter()
        .map(|r| RuleInfo::from(&r.meta))
        .collect();
    assert!(!rules.is_empty());
    let findings: Vec<FindingRecord> = rules
        .iter()
        .map(|info| {
            let mut r = record(
                &info.id,
                &info.title,
                info.severity,
                info.category,
                "arn:aws:ec2:us-east-1:123456789012:instance/i-0cat",
                // Rules of every kind (drift) list none.
                info.kinds
                    .first()
                    .copied()
                    .unwrap_or(ResourceKind::AwsEc2Instance),
                Evidence::InstanceMetadata {
                    http_tokens: Some(HttpTokens::Required),
                    http_endpoint_enabled: true,
                    state: InstanceState::Running,
                },
                FindingStatus::Open,
            );
            r.finding.resource_id = rid(&format!(
                "arn:aws:ec2:us-east-1:123456789012:instance/i-{}",
                info.id.replace('.', "-")
            ));
            r.finding.key = FindingKey::new(&info.id, &r.finding.resource_id, "");
            r
        })
        .collect();
    let input = input(&findings, &rules);

    let sarif = sarif_log(&render(ExportFormat::Sarif, &input));
    let errors = schema_errors(&validator(SARIF_SCHEMA), &sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let descriptors = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(descriptors.len(), rules.len());
    for (d, info) in descriptors.iter().zip(&rules) {
        assert_eq!(d["id"], info.id.as_str());
        assert_eq!(d["shortDescription"]["text"], info.title.as_str());
        assert_eq!(d["fullDescription"]["text"], info.description.as_str());
        assert_eq!(d["help"]["text"], info.remediation.as_str());
        assert_eq!(
            d["properties"]["tags"].as_array().unwrap().len(),
            1 + info.compliance.len()
        );
    }

    let v = validator(OCSF_SCHEMA);
    for e in ocsf_events(&render(ExportFormat::Ocsf, &input)) {
        let errors = schema_errors(&v, &e);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let (_, rows) = csv_rows(&render(ExportFormat::Csv, &input));
    for (row, info) in rows.iter().zip(&rules) {
        assert_eq!(
            row["remediation"],
            export::csv::guard_formula(&info.remediation)
        );
    }
}

#[test]
fn empty_input_exports_are_valid() {
    let input = input(&[], &[]);
    assert_eq!(render(ExportFormat::Json, &input), "[]\n");
    assert_eq!(render(ExportFormat::Ndjson, &input), "");
    assert_eq!(
        render(ExportFormat::Csv, &input),
        format!("{}\n", COLUMNS.join(","))
    );
    assert_eq!(render(ExportFormat::Ocsf, &input), "[]\n");
    let sarif = sarif_log(&render(ExportFormat::Sarif, &input));
    assert!(schema_errors(&validator(SARIF_SCHEMA), &sarif).is_empty());
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    let (root, suites) = junit_cases(&render(ExportFormat::Junit, &input));
    assert_eq!(root["tests"], "0");
    assert!(suites.is_empty());
}

/// A writer that fails once `budget` bytes are written.
struct FailingWriter {
    budget: usize,
}

impl io::Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() > self.budget {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
        }
        self.budget -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_errors_are_returned_not_swallowed() {
    let findings = fixture_findings();
    let rules = fixture_rules();
    for f in ExportFormat::ALL {
        for budget in [0, 100, 1000] {
            let err = export::write(*f, &input(&findings, &rules), FailingWriter { budget })
                .expect_err(&format!("{f} with a {budget}-byte budget"));
            assert!(err.to_string().contains("closed"), "{f}: {err}");
        }
    }
}
