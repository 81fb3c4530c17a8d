//! `aws.rds.deletion_protection_disabled`: an RDS DB instance that can be deleted without
//! first turning protection off.

use skywarden_graph::model::DbInstance;
use skywarden_graph::ResourceKind;

use crate::catalog::backup_retention_insufficient::{evidence, is_aurora};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.rds.deletion_protection_disabled",
        title: "RDS DB instance has deletion protection disabled",
        description: "`DeletionProtection` is false: one `DeleteDBInstance` call (a mistake or a \
                      compromised credential) removes the database. Aurora instances are not \
                      reported (protection is set on the cluster).",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsRdsDbInstance],
        remediation: "`aws rds modify-db-instance --db-instance-identifier <id> \
                      --deletion-protection --apply-immediately`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<DbInstance>()
        .filter(|(_, d)| !is_aurora(d) && !d.deletion_protection)
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
    fn fires_without_deletion_protection_only() {
        let f = eval_rule(&RULE, vec![db("open", |d| d.deletion_protection = false), db("guarded", |_| {})]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.as_str(), "arn:aws:rds:us-east-1:123456789012:db:open");
        assert!(matches!(f[0].evidence, Evidence::DbInstanceProtection { deletion_protection: false, .. }));
        assert!(eval_rule(&RULE, vec![db("guarded", |_| {})]).is_empty());
    }
}
