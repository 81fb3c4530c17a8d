//! `aws.rds.backup_retention_insufficient`: an RDS DB instance keeps automated backups fewer
//! days than `[rules.thresholds] rds_backup_retention_min_days` (default 7; 0 days = backups
//! disabled).

use skywarden_graph::model::DbInstance;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.rds.backup_retention_insufficient",
        title: "RDS DB instance keeps automated backups too briefly",
        description: "The instance's `BackupRetentionPeriod` is below the configured minimum \
                      (`[rules.thresholds] rds_backup_retention_min_days`, default 7 days); 0 \
                      means automated backups and point-in-time recovery are off. Aurora \
                      instances are not reported: their retention belongs to the DB cluster.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsRdsDbInstance],
        remediation: "`aws rds modify-db-instance --db-instance-identifier <id> \
                      --backup-retention-period 7 --apply-immediately` (1-35 days).",
        frameworks: &[],
    },
    eval,
};

pub(crate) fn evidence(d: &DbInstance, min_backup_retention_days: Option<u32>) -> Evidence {
    Evidence::DbInstanceProtection {
        engine: d.engine.clone(),
        backup_retention_days: d.backup_retention_days,
        min_backup_retention_days,
        multi_az: d.multi_az,
        deletion_protection: d.deletion_protection,
        auto_minor_version_upgrade: d.auto_minor_version_upgrade,
    }
}

/// Aurora instances take backup retention, Multi-AZ and deletion protection from their cluster.
pub(crate) fn is_aurora(d: &DbInstance) -> bool {
    d.engine.starts_with("aurora")
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    let min = cx.thresholds.rds_backup_retention_min_days;
    cx.inventory
        .of_kind::<DbInstance>()
        .filter(|(_, d)| !is_aurora(d) && i64::from(d.backup_retention_days) < i64::from(min))
        .map(|(r, d)| Finding::new(&RULE.meta, r, "", evidence(d, Some(min))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::instance_publicly_accessible::tests::db;
    use crate::catalog::testkit::{eval_rule, testkit_now};
    use crate::pricing::PriceTable;

    #[test]
    fn fires_below_seven_days_by_default_with_the_threshold_as_evidence() {
        let f = eval_rule(&RULE, vec![
            db("off", |d| d.backup_retention_days = 0),
            db("one", |d| d.backup_retention_days = 1),
            db("week", |d| d.backup_retention_days = 7),
            db("aurora", |d| {
                d.engine = "aurora-postgresql".into();
                d.backup_retention_days = 1;
            }),
        ]);
        assert_eq!(f.len(), 2, "{f:?}");
        let off = f.iter().find(|f| f.resource_id.as_str().ends_with(":db:off")).unwrap();
        assert_eq!(
            off.evidence,
            Evidence::DbInstanceProtection {
                engine: "postgres".into(),
                backup_retention_days: 0,
                min_backup_retention_days: Some(7),
                multi_az: false,
                deletion_protection: true,
                auto_minor_version_upgrade: true,
            }
        );
        assert!(f.iter().any(|f| f.resource_id.as_str().ends_with(":db:one")));
    }

    #[test]
    fn the_threshold_is_configurable() {
        let mut b = skywarden_graph::InventoryBuilder::new();
        b.extend(vec![db("one", |d| d.backup_retention_days = 1), db("off", |d| d.backup_retention_days = 0)]);
        let inv = b.build();
        let pricing = PriceTable::default();
        let mut cx = EvalCx::new(&inv, &pricing, testkit_now());
        cx.thresholds.rds_backup_retention_min_days = 1;
        let f = (RULE.eval)(&cx);
        assert_eq!(f.len(), 1);
        assert!(f[0].resource_id.as_str().ends_with(":db:off"));
        cx.thresholds.rds_backup_retention_min_days = 0;
        assert!((RULE.eval)(&cx).is_empty(), "0 turns the rule off");
    }
}
