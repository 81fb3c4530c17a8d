//! `aws.ebs.snapshot_unencrypted`: an EBS snapshot stored unencrypted.

use skywarden_graph::model::Snapshot;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ebs.snapshot_unencrypted",
        title: "EBS snapshot is not encrypted",
        description: "The snapshot's data is stored without EBS encryption, and so is every \
                      volume restored from it and every copy that does not ask for encryption. \
                      A snapshot is encrypted exactly when its source volume was.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEbsSnapshot],
        remediation: "Copy the snapshot with encryption (`aws ec2 copy-snapshot \
                      --source-snapshot-id <id> --source-region <region> --encrypted \
                      [--kms-key-id <key>]`), switch users to the copy, delete the original, and \
                      enable EBS encryption by default so that new volumes and their snapshots \
                      are encrypted.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Snapshot>()
        .filter(|(_, s)| !s.encrypted)
        .map(|(r, s)| Finding::new(&RULE.meta, r, "", super::snapshot_evidence(cx, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, snapshot};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_unencrypted_snapshots() {
        let findings = eval_rule(&RULE, vec![snapshot("snap-plain", |s| s.encrypted = false)]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Medium);
        let Evidence::Snapshot { encrypted, .. } = &findings[0].evidence else { panic!() };
        assert!(!encrypted);
    }

    #[test]
    fn passes_on_encrypted_snapshots() {
        assert!(eval_rule(&RULE, vec![snapshot("snap-enc", |_| {})]).is_empty());
    }
}
