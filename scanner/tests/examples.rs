//! The example IAM policy stays in step with the collector registry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use skywarden_scanner::aws::collectors::ALL;

#[test]
fn example_policy_allows_exactly_what_the_collectors_call() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/aws-scan-policy.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
    let allowed: BTreeSet<String> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let mut needed: BTreeSet<String> = ALL
        .iter()
        .flat_map(|c| c.operations.iter().map(|o| o.to_string()))
        .collect();
    // Account identity and region discovery, made by the runner.
    needed.insert("sts:GetCallerIdentity".into());
    needed.insert("ec2:DescribeRegions".into());
    // Organization scans: listing the accounts, assuming the member role.
    needed.insert("organizations:ListAccounts".into());
    needed.insert("sts:AssumeRole".into());
    assert_eq!(allowed, needed);
}
