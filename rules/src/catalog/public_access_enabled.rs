//! `drift.public_access_enabled`: a resource of the approved baseline has become reachable by
//! anyone since: an S3 bucket made public (ACL or policy, not neutralised by its public access
//! block), an EBS snapshot shared with all accounts, a security group or network ACL rule
//! opened to `0.0.0.0/0` / `::/0`. Per kind in [`openings`]; Azure storage accounts and NSGs
//! get an arm there when their kinds land.

use std::collections::BTreeSet;

use skywarden_graph::model::{
    AclAction, Bucket, NetworkAcl, SecurityGroup, Snapshot, WORLD_IPV4, WORLD_IPV6,
};
use skywarden_graph::{Resource, ResourceKind};

use crate::baseline::modified_findings;
use crate::catalog::{bucket_public_by_acl, bucket_public_by_policy};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "drift.public_access_enabled",
        title: "Public access enabled since the approved baseline",
        description: "Compared with the connection's pinned baseline, the resource has become \
                      reachable by anyone: an S3 bucket whose ACL grants AllUsers or whose \
                      policy allows `*` without the bucket's public access block neutralising \
                      it; an EBS snapshot whose create-volume permission includes all \
                      accounts; a security group ingress rule or network ACL inbound allow \
                      entry from 0.0.0.0/0 or ::/0 that the baseline did not have. The \
                      evidence is the JSON Patch of the fields that decide it.",
        severity: Severity::High,
        category: Category::Drift,
        kinds: &[
            ResourceKind::AwsS3Bucket,
            ResourceKind::AwsEbsSnapshot,
            ResourceKind::AwsEc2SecurityGroup,
            ResourceKind::AwsEc2NetworkAcl,
        ],
        remediation: "Revert the change unless the exposure is intended: restore the bucket's \
                      public access block (`aws s3api put-public-access-block`) and remove \
                      the public grant or statement; `aws ec2 modify-snapshot-attribute \
                      --operation-type remove --group-names all`; revoke the world-open rule. \
                      If intended, approve it (`skywarden baselines approve --resource <id>`).",
        frameworks: &[],
    },
    eval,
};

/// The ways `r` is open to anyone, one string per opening, and the document fields that
/// decide them; `None`: not a kind this rule reads, or not known (unreadable bucket details).
fn openings(r: &Resource) -> Option<(BTreeSet<String>, &'static [&'static str])> {
    if let Some(b) = r.model::<Bucket>() {
        let mut out = BTreeSet::new();
        if bucket_public_by_acl(b) {
            out.insert("acl".to_string());
        }
        if bucket_public_by_policy(b) {
            out.insert("policy".to_string());
        }
        return Some((
            out,
            &[
                "/properties/acl",
                "/properties/policy",
                "/properties/policy_is_public",
                "/properties/public_access_block",
            ],
        ));
    }
    if let Some(s) = r.model::<Snapshot>() {
        let out = if s.public { BTreeSet::from(["all".to_string()]) } else { BTreeSet::new() };
        return Some((out, &["/properties/public"]));
    }
    if let Some(sg) = r.model::<SecurityGroup>() {
        let out = sg
            .ingress
            .iter()
            .flat_map(|p| {
                p.world_sources().into_iter().map(move |src| {
                    format!("{:?} {:?}-{:?} {src}", p.protocol, p.from_port, p.to_port)
                })
            })
            .collect();
        return Some((out, &["/properties/ingress"]));
    }
    if let Some(acl) = r.model::<NetworkAcl>() {
        let out = acl
            .entries
            .iter()
            .filter(|e| !e.egress && e.action == AclAction::Allow)
            .filter(|e| {
                e.cidr_ipv4.as_deref() == Some(WORLD_IPV4)
                    || e.cidr_ipv6.as_deref() == Some(WORLD_IPV6)
            })
            .map(|e| format!("{} {:?} {:?}", e.rule_number, e.protocol, e.port_range))
            .collect();
        return Some((out, &["/properties/entries"]));
    }
    None
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    modified_findings(cx, &RULE.meta, |approved, current| {
        let (now, paths) = openings(current)?;
        let (before, _) = openings(approved)?;
        (!now.is_subset(&before)).then_some(paths)
    })
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::AclPermission;
    use skywarden_graph::testkit::{all_users_grant, bucket, bucket_policy, sg, sg_perm, snapshot};

    use super::*;
    use crate::baseline::testkit::{ops, run};

    fn paths(f: &Finding) -> Vec<String> {
        ops(f).into_iter().map(|(op, path)| format!("{op} {path}")).collect()
    }

    #[test]
    fn a_bucket_made_public_fires_with_the_deciding_fields() {
        let approved = vec![bucket("b1", |_| {}), bucket("b2", |_| {})];
        let public = bucket("b1", |b| {
            b.public_access_block = None;
            b.policy = Some(bucket_policy(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b1/*"}]}"#,
            ));
        });
        // An ACL grant that the (unchanged) block neutralises is not public access.
        let blocked = bucket("b2", |b| {
            if let Some(acl) = &mut b.acl {
                acl.grants.push(all_users_grant(AclPermission::Read));
            }
        });
        let findings = run(&RULE, approved, vec![public, blocked], &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].resource_id.to_string(), "arn:aws:s3:::b1");
        assert_eq!(
            paths(&findings[0]),
            ["replace /properties/policy", "replace /properties/public_access_block"]
        );
    }

    #[test]
    fn a_public_snapshot_and_a_world_open_group_fire() {
        let approved = vec![
            snapshot("snap-1", |_| {}),
            sg("sg-1", vec![sg_perm("tcp", Some(22), Some(22), &["10.0.0.0/8"], &[])]),
        ];
        let current = vec![
            snapshot("snap-1", |s| s.public = true),
            sg(
                "sg-1",
                vec![sg_perm("tcp", Some(22), Some(22), &["10.0.0.0/8", "0.0.0.0/0"], &[])],
            ),
        ];
        let findings = run(&RULE, approved, current, &[]);
        let got: Vec<(&str, Vec<String>)> = findings
            .iter()
            .map(|f| (f.resource_id.short_id(), paths(f)))
            .collect();
        assert_eq!(
            got,
            [
                ("sg-1", vec!["add /properties/ingress/0/ipv4_ranges/1".to_string()]),
                ("snap-1", vec!["replace /properties/public".to_string()]),
            ]
        );
    }

    #[test]
    fn already_public_or_still_private_passes() {
        let open = sg("sg-1", vec![sg_perm("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[])]);
        let approved = vec![open.clone(), snapshot("snap-1", |s| s.public = true)];
        let current = vec![open, snapshot("snap-1", |s| s.public = true)];
        assert!(run(&RULE, approved, current, &[]).is_empty());
        let private = vec![snapshot("snap-2", |_| {})];
        assert!(run(&RULE, private.clone(), private, &[]).is_empty());
    }
}
