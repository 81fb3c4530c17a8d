//! `aws.rds.auto_minor_version_upgrade_disabled`: an RDS DB instance that does not take minor
//! engine upgrades automatically (CIS AWS Foundations 3.0.0 2.3.2).

use skywarden_graph::model::DbInstance;
use skywarden_graph::ResourceKind;

use crate::catalog::backup_retention_insufficient::evidence;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.rds.auto_minor_version_upgrade_disabled",
        title: "RDS DB instance does not apply minor engine upgrades automatically",
        description: "`AutoMinorVersionUpgrade` is false: minor engine versions with security \
                      fixes are not applied in the maintenance window.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsRdsDbInstance],
        remediation: "`aws rds modify-db-instance --db-instance-identifier <id> \
                      --auto-minor-version-upgrade` (applied in the next maintenance window \
                      unless `--apply-immediately`).",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.3.2" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<DbInstance>()
        .filter(|(_, d)| !d.auto_minor_version_upgrade)
        .map(|(r, d)| Finding::new(&RULE.meta, r, "", evidence(d, None)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::instance_publicly_accessible::tests::db;
    use crate::catalog::testkit::eval_rule;
    use crate::finding::Evidence;

    #[test]
    fn fires_only_when_auto_minor_upgrade_is_off() {
        let f = eval_rule(&RULE, vec![db("manual", |d| d.auto_minor_version_upgrade = false), db("auto", |_| {})]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.as_str(), "arn:aws:rds:us-east-1:123456789012:db:manual");
        let Evidence::DbInstanceProtection { auto_minor_version_upgrade, min_backup_retention_days, .. } = &f[0].evidence else {
            panic!("{:?}", f[0].evidence)
        };
        assert!(!auto_minor_version_upgrade);
        assert_eq!(*min_backup_retention_days, None);
        assert!(eval_rule(&RULE, vec![db("auto", |_| {})]).is_empty());
    }
}
