//! `aws.rds.multi_az_disabled`: an RDS DB instance without a standby in another
//! Availability Zone (availability hygiene).

use skywarden_graph::model::DbInstance;
use skywarden_graph::ResourceKind;

use crate::catalog::backup_retention_insufficient::{evidence, is_aurora};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.rds.multi_az_disabled",
        title: "RDS DB instance is not Multi-AZ",
        description: "`MultiAZ` is false: an Availability Zone outage or a host failure takes the \
                      database down until it is restored. Aurora instances are not reported \
                      (availability is a property of the cluster's replicas).",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsRdsDbInstance],
        remediation: "`aws rds modify-db-instance --db-instance-identifier <id> --multi-az` \
                      (doubles the instance cost); acceptable for development databases.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<DbInstance>()
        .filter(|(_, d)| !is_aurora(d) && !d.multi_az)
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
    fn fires_on_single_az_non_aurora_instances() {
        let f = eval_rule(&RULE, vec![
            db("single", |_| {}),
            db("multi", |d| d.multi_az = true),
            db("aurora", |d| d.engine = "aurora-mysql".into()),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.as_str(), "arn:aws:rds:us-east-1:123456789012:db:single");
        assert!(matches!(f[0].evidence, Evidence::DbInstanceProtection { multi_az: false, .. }));
        assert!(eval_rule(&RULE, vec![db("multi", |d| d.multi_az = true)]).is_empty());
    }
}
