//! `aws.rds.instance_storage_unencrypted`: an RDS DB instance whose storage is not encrypted.

use skywarden_graph::model::DbInstance;
use skywarden_graph::ResourceKind;

use crate::catalog::instance_publicly_accessible::evidence;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.rds.instance_storage_unencrypted",
        title: "RDS DB instance storage is not encrypted",
        description: "`StorageEncrypted` is false: the instance's storage, automated backups, \
                      read replicas and snapshots are not encrypted at rest.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsRdsDbInstance],
        remediation: "Encryption cannot be turned on in place: snapshot the instance, copy the \
                      snapshot with `--kms-key-id`, restore a new instance from the encrypted \
                      copy and switch clients over.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.3.1" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<DbInstance>()
        .filter(|(_, d)| !d.storage_encrypted)
        .map(|(r, d)| Finding::new(&RULE.meta, r, "", evidence(d)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::instance_publicly_accessible::tests::db;
    use crate::catalog::testkit::eval_rule;

    #[test]
    fn fires_on_unencrypted_instances_only() {
        let f = eval_rule(&RULE, vec![db("plain", |d| d.storage_encrypted = false), db("sealed", |_| {})]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.short_id(), "plain");
    }
}
