//! End-to-end: `skywarden drift terraform` and `POST /v1/connections/{id}/drift/terraform`
//! against a scanned emulator estate.
//!
//! The Terraform state is written by `testing/aws-emulator/tfstate.py` from boto3 describe
//! output (never from Skywarden's store) for us-east-1, the S3 buckets located there and the
//! IAM users; the test then removes five resources (=> unmanaged), fabricates four (=>
//! missing), changes six attributes (=> changed), adds one resource in a region that was not
//! scanned, an unsupported type and an orphaned rule (=> not compared), and asserts the exact
//! sets: from a local file, from an S3 backend object in the emulator, and through the API.
//! The unmodified state must show no drift at all (every attribute of every type agrees).
//!
//! Uses the small emulator when `./scripts/test` started one (`SKYWARDEN_TEST_AWS_SMALL_*`),
//! else `SKYWARDEN_TEST_AWS_*`; neither: skip locally, fail in CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::daemon::*;
use common::*;
use serde_json::{json, Value};
use skywarden_graph::ResourceKind;
use skywarden_terraform::{AttrValue, DriftReport, NotComparedReason, ScopeStatus};

const ACCOUNT: &str = "123456789012";
const CONN: &str = "tf-e2e";

fn small_or_default() -> Option<Emu> {
    let small = std::env::var("SKYWARDEN_TEST_AWS_SMALL_ENDPOINT").is_ok_and(|v| !v.is_empty());
    emulator_with_prefix(if small { "SMALL_" } else { "" })
}

fn python() -> String {
    std::env::var("AWS_EMU_PY").unwrap_or_else(|_| "python3".to_string())
}

/// The state tfstate.py writes for us-east-1.
fn generated_state(endpoint: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testing/aws-emulator/tfstate.py");
    let out = Command::new(python())
        .arg(script)
        .args(["--endpoint", endpoint, "--region", "us-east-1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tfstate.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// boto3 call against the emulator (upload or delete one object).
fn s3_object(endpoint: &str, op: &str, bucket: &str, key: &str, file: Option<&Path>) {
    let code = r#"
import sys, boto3
from botocore.config import Config
ep, op, bucket, key = sys.argv[1:5]
s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=ep, aws_access_key_id="testing",
                  aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))
if op == "put":
    s3.put_object(Bucket=bucket, Key=key, Body=open(sys.argv[5], "rb").read())
else:
    s3.delete_object(Bucket=bucket, Key=key)
"#;
    let mut c = Command::new(python());
    c.args(["-c", code, endpoint, op, bucket, key]);
    if let Some(f) = file {
        c.arg(f);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "s3 {op}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn resources_mut(state: &mut Value) -> &mut Vec<Value> {
    state["resources"].as_array_mut().unwrap()
}

fn block_mut<'a>(state: &'a mut Value, ty: &str, name: &str) -> &'a mut Value {
    resources_mut(state)
        .iter_mut()
        .find(|r| r["type"] == ty && r["name"] == name)
        .unwrap_or_else(|| panic!("no {ty}.{name} in the generated state"))
}

fn instances_mut<'a>(state: &'a mut Value, ty: &str, name: &str) -> &'a mut Vec<Value> {
    block_mut(state, ty, name)["instances"]
        .as_array_mut()
        .unwrap()
}

fn ec2_arn(region: &str, kind: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{ACCOUNT}:{kind}/{id}")
}

fn managed(ty: &str, name: &str, attrs: Value) -> Value {
    json!({"mode": "managed", "type": ty, "name": name,
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{"schema_version": 0, "attributes": attrs}]})
}

/// What the test did to the state, to compare the report with.
struct Expected {
    unmanaged: BTreeSet<String>,
    missing: BTreeSet<String>,
    changed: BTreeMap<String, BTreeSet<String>>,
    elsewhere: String,
}

/// Removes, fabricates and changes resources of the generated state.
fn drift(state: &mut Value) -> Expected {
    let mut unmanaged = BTreeSet::new();
    let mut missing = BTreeSet::new();
    let mut changed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut change = |id: String, attr: &str| {
        changed.entry(id).or_default().insert(attr.to_string());
    };

    // Removed from the state: an instance, a volume, a security group, a bucket (with its
    // settings) and a user.
    let fleet = instances_mut(state, "aws_instance", "fleet");
    let gone = fleet.remove(0);
    unmanaged.insert(gone["attributes"]["arn"].as_str().unwrap().to_string());
    // Changed: the next instance's type.
    fleet[0]["attributes"]["instance_type"] = json!("m5.24xlarge");
    change(
        fleet[0]["attributes"]["arn"].as_str().unwrap().to_string(),
        "instance_type",
    );

    let vols = instances_mut(state, "aws_ebs_volume", "data");
    let gone = vols.remove(0);
    let id = gone["attributes"]["id"].as_str().unwrap();
    unmanaged.insert(ec2_arn("us-east-1", "volume", id));
    let size = vols[0]["attributes"]["size"].as_i64().unwrap();
    vols[0]["attributes"]["size"] = json!(size + 1);
    let id = vols[0]["attributes"]["id"].as_str().unwrap();
    change(ec2_arn("us-east-1", "volume", id), "size");

    // The groups: the split one (rules as separate resources) stays; remove the last other
    // one; add an ingress rule to the first other one.
    let split = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_vpc_security_group_ingress_rule")
        .map(|r| r["instances"][0]["attributes"]["security_group_id"].clone())
        .unwrap();
    let groups: Vec<usize> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r["type"] == "aws_security_group" && r["instances"][0]["attributes"]["id"] != split
        })
        .map(|(i, _)| i)
        .collect();
    assert!(groups.len() >= 2, "the estate has too few security groups");
    let gone = resources_mut(state).remove(*groups.last().unwrap());
    unmanaged.insert(
        gone["instances"][0]["attributes"]["arn"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let g = &mut resources_mut(state)[groups[0]]["instances"][0]["attributes"];
    g["ingress"]
        .as_array_mut()
        .unwrap()
        .push(json!({"protocol": "tcp", "from_port": 8443,
        "to_port": 8443, "cidr_blocks": ["203.0.113.0/24"], "ipv6_cidr_blocks": [],
        "prefix_list_ids": [], "security_groups": [], "self": false, "description": "added"}));
    change(g["arn"].as_str().unwrap().to_string(), "ingress");

    // Buckets: remove the first (and its settings); suspend versioning of a versioned one.
    let bucket_names: Vec<String> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "aws_s3_bucket")
        .map(|r| {
            r["instances"][0]["attributes"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        bucket_names.len() >= 2,
        "the estate has too few buckets in us-east-1"
    );
    let first = bucket_names[0].clone();
    resources_mut(state).retain(|r| {
        let a = &r["instances"][0]["attributes"];
        !(a["id"] == first.as_str() && r["type"].as_str().unwrap().starts_with("aws_s3_bucket"))
    });
    unmanaged.insert(format!("arn:aws:s3:::{first}"));
    let v = resources_mut(state)
        .iter_mut()
        .find(|r| r["type"] == "aws_s3_bucket_versioning")
        .expect("a versioned bucket in us-east-1");
    let a = &mut v["instances"][0]["attributes"];
    assert_eq!(a["versioning_configuration"][0]["status"], "Enabled");
    a["versioning_configuration"][0]["status"] = json!("Suspended");
    change(
        format!("arn:aws:s3:::{}", a["bucket"].as_str().unwrap()),
        "versioning_configuration.status",
    );

    let users = instances_mut(state, "aws_iam_user", "people");
    let gone = users.remove(0);
    unmanaged.insert(gone["attributes"]["arn"].as_str().unwrap().to_string());
    users[0]["attributes"]["tags_all"]["team"] = json!("drifted");
    change(
        users[0]["attributes"]["arn"].as_str().unwrap().to_string(),
        "tags",
    );

    // The load balancer: internal in the state, internet-facing live.
    let lb = &mut block_mut(state, "aws_lb", "lb_000")["instances"][0]["attributes"];
    lb["internal"] = json!(true);
    change(lb["arn"].as_str().unwrap().to_string(), "internal");

    // Fabricated: in the state, not live.
    let fabricated = [
        managed(
            "aws_instance",
            "ghost",
            json!({"id": "i-0fab0000000000001",
            "arn": ec2_arn("us-east-1", "instance", "i-0fab0000000000001"), "instance_type": "t3.nano"}),
        ),
        managed(
            "aws_vpc",
            "ghost",
            json!({"id": "vpc-0fab0000000000001",
            "arn": ec2_arn("us-east-1", "vpc", "vpc-0fab0000000000001"), "cidr_block": "10.99.0.0/16"}),
        ),
        managed(
            "aws_s3_bucket",
            "ghost",
            json!({"id": "tf-e2e-fabricated-bucket",
            "arn": "arn:aws:s3:::tf-e2e-fabricated-bucket", "region": "us-east-1"}),
        ),
        managed(
            "aws_iam_user",
            "ghost",
            json!({"id": "tf-ghost", "name": "tf-ghost", "path": "/",
            "arn": format!("arn:aws:iam::{ACCOUNT}:user/tf-ghost")}),
        ),
    ];
    missing.insert(ec2_arn("us-east-1", "instance", "i-0fab0000000000001"));
    missing.insert(ec2_arn("us-east-1", "vpc", "vpc-0fab0000000000001"));
    missing.insert("arn:aws:s3:::tf-e2e-fabricated-bucket".into());
    missing.insert(format!("arn:aws:iam::{ACCOUNT}:user/tf-ghost"));
    resources_mut(state).extend(fabricated);

    // Not compared: a region that was not scanned, a type Skywarden does not map, a rule
    // whose group is in no state.
    let elsewhere = ec2_arn("eu-central-1", "instance", "i-0e15e0000000000001");
    resources_mut(state).extend([
        {
            // Another region needs another provider configuration (an alias).
            let mut r = managed(
                "aws_instance",
                "elsewhere",
                json!({"id": "i-0e15e0000000000001",
                "arn": elsewhere.clone(), "instance_type": "t3.nano"}),
            );
            r["provider"] = json!("provider[\"registry.terraform.io/hashicorp/aws\"].eu");
            r
        },
        managed(
            "aws_route53_zone",
            "main",
            json!({"id": "Z0000000000001", "name": "example.com"}),
        ),
        managed(
            "aws_security_group_rule",
            "orphan",
            json!({"id": "sgrule-1", "type": "ingress",
            "security_group_id": "sg-0000000000000dead", "protocol": "tcp", "from_port": 22,
            "to_port": 22, "cidr_blocks": ["10.0.0.0/8"]}),
        ),
    ]);
    Expected {
        unmanaged,
        missing,
        changed,
        elsewhere,
    }
}

fn report_of(out: &Output) -> DriftReport {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a drift report ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn check(r: &DriftReport, want: &Expected) {
    let unmanaged: BTreeSet<String> = r
        .unmanaged
        .iter()
        .map(|u| u.resource_id.to_string())
        .collect();
    assert_eq!(unmanaged, want.unmanaged, "unmanaged");
    let missing: BTreeSet<String> = r
        .missing
        .iter()
        .map(|m| m.resource_id.to_string())
        .collect();
    assert_eq!(missing, want.missing, "missing");
    let changed: BTreeMap<String, BTreeSet<String>> = r
        .changed
        .iter()
        .map(|c| {
            (
                c.resource_id.to_string(),
                c.attributes.iter().map(|a| a.attribute.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(changed, want.changed, "changed: {:#?}", r.changed);
    assert!(r.unverified.is_empty(), "{:?}", r.unverified);
    // Typed values of two of the changes.
    let lb = r
        .changed
        .iter()
        .find(|c| c.kind == ResourceKind::AwsElbv2LoadBalancer)
        .unwrap();
    assert_eq!(
        (&lb.attributes[0].state, &lb.attributes[0].live),
        (&AttrValue::Bool(true), &AttrValue::Bool(false))
    );
    let v = r
        .changed
        .iter()
        .find(|c| c.kind == ResourceKind::AwsS3Bucket)
        .unwrap();
    assert_eq!(
        (&v.attributes[0].state, &v.attributes[0].live),
        (&AttrValue::str("Suspended"), &AttrValue::str("Enabled"))
    );
    assert!(v.attributes[0].declared_by[0].starts_with("aws_s3_bucket_versioning."));

    // Not compared: the unscanned region (every regional kind of the state there), the
    // unsupported type, the orphaned rule.
    let scopes: BTreeSet<(String, ResourceKind)> = r
        .not_compared
        .scopes
        .iter()
        .inspect(|s| assert_eq!(s.status, ScopeStatus::NotScanned))
        .map(|s| (s.region.to_string(), s.kind))
        .collect();
    let regional = [
        ResourceKind::AwsEc2Instance,
        ResourceKind::AwsEbsVolume,
        ResourceKind::AwsEc2SecurityGroup,
        ResourceKind::AwsEc2Vpc,
        ResourceKind::AwsEc2Subnet,
        ResourceKind::AwsEc2ElasticIp,
        ResourceKind::AwsElbv2LoadBalancer,
    ];
    assert_eq!(
        scopes,
        regional
            .iter()
            .map(|k| ("eu-central-1".to_string(), *k))
            .collect()
    );
    let reasons: Vec<(Option<String>, &NotComparedReason)> = r
        .not_compared
        .resources
        .iter()
        .map(|n| (n.resource_id.as_ref().map(|i| i.to_string()), &n.reason))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.contains(&(
        Some(want.elsewhere.clone()),
        &NotComparedReason::ScopeNotComplete {
            status: ScopeStatus::NotScanned
        }
    )));
    assert!(reasons.contains(&(
        None,
        &NotComparedReason::ParentNotInState {
            parent: "sg-0000000000000dead".into()
        }
    )));
    assert_eq!(r.not_compared.types.len(), 1);
    assert_eq!(r.not_compared.types[0].type_name, "aws_route53_zone");
    let s = r.summary;
    assert_eq!(
        (s.unmanaged, s.missing, s.changed, s.not_compared),
        (5, 4, 6, 3)
    );
    assert_eq!(s.compared, s.managed - 1);
    assert_eq!(s.in_sync + s.changed + s.missing, s.compared);
    assert!(s.drift);
}

fn write_state(dir: &Path, name: &str, state: &Value) -> std::path::PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_vec(state).unwrap()).unwrap();
    file
}

/// `drift terraform --state FILE --format json --fail-on-drift`.
fn drift_json(db: &str, file: &Path) -> Output {
    drift_cli(
        db,
        &[
            "--state",
            file.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on-drift",
        ],
    )
}

fn drift_cli(db: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "drift",
        "terraform",
        "--database-url",
        db,
        "--connection",
        CONN,
    ];
    args.extend_from_slice(extra);
    skywarden(&args)
}

#[tokio::test]
async fn terraform_state_against_the_scanned_estate() {
    let Some(emu) = small_or_default() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (out, scan) = scan_with(&emu.endpoint, &db, &["us-east-1"], &["--connection", CONN]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(scan.unwrap().scan.coverage.failed().next().is_none());

    // The unmodified state: no drift in any attribute of any type.
    let pristine = generated_state(&emu.endpoint);
    let file = write_state(dir.path(), "pristine.tfstate", &pristine);
    let out = drift_json(&db, &file);
    let r = report_of(&out);
    assert_eq!(out.status.code(), Some(0), "{:#?}", r.changed);
    assert!(r.unmanaged.is_empty() && r.missing.is_empty() && r.changed.is_empty());
    assert!(r.unverified.is_empty() && r.not_compared.resources.is_empty());
    assert!(r.not_compared.scopes.is_empty() && r.not_compared.types.is_empty());
    assert_eq!(r.summary.in_sync, r.summary.managed);
    assert_eq!(r.states[0].data_instances, 1);
    let types: BTreeSet<&str> = pristine["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["mode"] == "managed")
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    for want in [
        "aws_instance",
        "aws_ebs_volume",
        "aws_security_group",
        "aws_vpc",
        "aws_subnet",
        "aws_eip",
        "aws_lb",
        "aws_s3_bucket",
        "aws_iam_user",
        "aws_vpc_security_group_ingress_rule",
        "aws_s3_bucket_versioning",
    ] {
        assert!(
            types.contains(want),
            "the generated state has no {want}: {types:?}"
        );
    }

    // The drifted state from a local file.
    let mut state = pristine.clone();
    let want = drift(&mut state);
    let file = write_state(dir.path(), "drifted.tfstate", &state);
    let out = drift_json(&db, &file);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let local = report_of(&out);
    check(&local, &want);
    // Without --fail-on-drift drift is not an error; the table renders.
    let out = drift_cli(&db, &["--state", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.is_empty());

    // The same state as an S3 backend object in the emulator (an existing bucket that is
    // still in the state, so nothing the comparison reads changes).
    let bucket = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_s3_bucket" && r["name"] != "ghost")
        .map(|r| {
            r["instances"][0]["attributes"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    s3_object(
        &emu.endpoint,
        "put",
        &bucket,
        "env/e2e/terraform.tfstate",
        Some(&file),
    );
    let uri = format!("s3://{bucket}/env/e2e/terraform.tfstate");
    let out = drift_cli(
        &db,
        &[
            "--state",
            &uri,
            "--endpoint-url",
            &emu.endpoint,
            "--format",
            "json",
        ],
    );
    let missing_key = drift_cli(
        &db,
        &[
            "--state",
            &format!("s3://{bucket}/no/such.tfstate"),
            "--endpoint-url",
            &emu.endpoint,
        ],
    );
    s3_object(
        &emu.endpoint,
        "delete",
        &bucket,
        "env/e2e/terraform.tfstate",
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_s3 = report_of(&out);
    assert_eq!(from_s3.states[0].file, uri);
    let mut same = from_s3.clone();
    same.states = local.states.clone();
    for n in &mut same.not_compared.resources {
        n.file = file.display().to_string();
    }
    for m in &mut same.missing {
        m.file = file.display().to_string();
    }
    for c in &mut same.changed {
        c.file = file.display().to_string();
    }
    assert_eq!(same, local, "the S3 object gives the local file's report");
    assert_eq!(missing_key.status.code(), Some(1));

    // Malformed and unsupported states: exit 1, one error line naming file and address.
    let mut bad = pristine.clone();
    instances_mut(&mut bad, "aws_instance", "fleet")[1]["attributes"]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let bad_file = write_state(dir.path(), "bad.tfstate", &bad);
    let out = drift_cli(&db, &["--state", bad_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.tfstate") && err.contains("module.fleet.aws_instance.fleet[1]"),
        "{err}"
    );
    let v3 = dir.path().join("v3.tfstate");
    std::fs::write(&v3, br#"{"version": 3, "modules": []}"#).unwrap();
    assert_eq!(
        drift_cli(&db, &["--state", v3.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        drift_cli(
            &db,
            &[
                "--state",
                dir.path().join("absent.tfstate").to_str().unwrap()
            ]
        )
        .status
        .code(),
        Some(1)
    );

    // Through the API.
    api(&emu, dir.path(), &state, &want).await;
}

/// The daemon scans a connection of its own and compares the uploaded state.
async fn api(emu: &Emu, dir: &Path, state: &Value, want: &Expected) {
    let body = serde_json::to_vec(state).unwrap();
    let env: Vec<(&str, String)> = vec![
        ("SKYWARDEN_DATABASE_URL", sqlite_url(&dir.join("api"))),
        (
            "SKYWARDEN__SERVER__ALLOW_AMBIENT_CREDENTIALS",
            "true".into(),
        ),
        (
            "SKYWARDEN__SERVER__MAX_TERRAFORM_STATE_BYTES",
            (body.len() + 4096).to_string(),
        ),
    ];
    std::fs::create_dir_all(dir.join("api")).unwrap();
    let admin = bootstrap(dir, &env, "acme", "admin");
    let viewer = Client::new(&token(dir, &env, "acme", "viewer"));
    let d = Daemon::start(dir, &env);
    let a = Client::new(&admin);
    let (s, v) = a
        .post(
            &d.url("/v1/connections"),
            json!({"id": "tf-api", "provider": "aws",
                "aws": {"regions": ["us-east-1"], "endpoint_url": emu.endpoint}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = a
        .post(&d.url("/v1/connections/tf-api/scans"), json!({}))
        .await;
    assert_eq!(s, 202, "{v}");
    let scan = wait_scan(
        &a,
        &d,
        v["scan_id"].as_str().unwrap(),
        Duration::from_secs(300),
    )
    .await;
    assert_eq!(scan["status"], "succeeded", "{scan}");

    let upload = |c: &Client, bytes: Vec<u8>| {
        c.http
            .post(d.url("/v1/connections/tf-api/drift/terraform?name=prod.tfstate"))
            .bearer_auth(&c.token)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
    };
    let resp = upload(&viewer, body.clone()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["connection_id"], "tf-api");
    let r: DriftReport = serde_json::from_value(v).unwrap();
    assert_eq!(r.states[0].file, "prod.tfstate");
    check(&r, want);

    // Over the limit: 413; malformed: 422 naming the address; unknown connection: 404.
    let mut big = body.clone();
    big.extend(std::iter::repeat_n(b' ', 8192));
    let resp = upload(&viewer, big).await.unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["code"], "payload_too_large");
    let mut bad = state.clone();
    instances_mut(&mut bad, "aws_ebs_volume", "data")[0]["attributes"]["size"] = json!("huge");
    let resp = upload(&viewer, serde_json::to_vec(&bad).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["code"], "invalid_body");
    let addr = e["message"].as_str().unwrap();
    assert!(
        addr.starts_with("prod.tfstate: aws_ebs_volume.data[\"vol-"),
        "{addr}"
    );
    let resp = upload(&viewer, b"{\"version\": 5, \"resources\": []}".to_vec())
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let resp = viewer
        .http
        .post(d.url("/v1/connections/nope/drift/terraform"))
        .bearer_auth(&viewer.token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}
