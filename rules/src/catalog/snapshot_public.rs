//! `aws.ebs.snapshot_public`: an EBS snapshot any AWS account can restore.

use skywarden_graph::model::Snapshot;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ebs.snapshot_public",
        title: "EBS snapshot is public",
        description: "The snapshot's create-volume permission includes the group `all`: any AWS \
                      account can create a volume from it and read its data. The CIS AWS \
                      Foundations Benchmark v3.0.0 has no control for this; Prowler's \
                      `ec2_ebs_public_snapshot` check covers it. (Encrypted snapshots cannot be \
                      made public.)",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEbsSnapshot],
        remediation: "Remove the public permission: `aws ec2 modify-snapshot-attribute \
                      --snapshot-id <id> --attribute createVolumePermission --operation-type \
                      remove --group-names all`, share it with named accounts instead if needed, \
                      and turn on EBS snapshot block public access \
                      (`aws ec2 enable-snapshot-block-public-access --state block-all-sharing`).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Snapshot>()
        .filter(|(_, s)| s.public)
        .map(|(r, s)| Finding::new(&RULE.meta, r, "", super::snapshot_evidence(cx, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, snapshot};

    #[test]
    fn fires_on_public_snapshots() {
        let findings = eval_rule(&RULE, vec![snapshot("snap-pub", |s| {
            s.public = true;
            s.encrypted = false;
        })]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::High);
    }

    #[test]
    fn passes_on_private_snapshots() {
        assert!(eval_rule(&RULE, vec![snapshot("snap-priv", |s| s.encrypted = false)]).is_empty());
    }
}
