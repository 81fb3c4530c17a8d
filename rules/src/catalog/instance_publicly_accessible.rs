//! `aws.rds.instance_publicly_accessible`: an RDS DB instance with a public endpoint.

use skywarden_graph::model::DbInstance;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.rds.instance_publicly_accessible",
        title: "RDS DB instance is publicly accessible",
        description: "`PubliclyAccessible` is true: the instance's endpoint resolves to a public \
                      IP address, so only its security groups stand between the database and the \
                      internet.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsRdsDbInstance],
        remediation: "`aws rds modify-db-instance --db-instance-identifier <id> \
                      --no-publicly-accessible --apply-immediately`; reach it through a VPN, \
                      bastion or VPC peering instead.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.3.3" }],
    },
    eval,
};

pub(crate) fn evidence(d: &DbInstance) -> Evidence {
    Evidence::DbInstanceSettings {
        engine: d.engine.clone(),
        publicly_accessible: d.publicly_accessible,
        storage_encrypted: d.storage_encrypted,
        endpoint_address: d.endpoint_address.clone(),
    }
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<DbInstance>()
        .filter(|(_, d)| d.publicly_accessible)
        .map(|(r, d)| Finding::new(&RULE.meta, r, "", evidence(d)))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use skywarden_graph::model::DbInstanceStatus;
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{eval_rule, resource};

    /// A private, encrypted, well-kept instance; `f` adjusts it.
    pub(crate) fn db(id: &str, f: impl FnOnce(&mut DbInstance)) -> Resource {
        let mut d = DbInstance {
            db_instance_identifier: id.into(),
            engine: "postgres".into(),
            engine_version: None,
            instance_class: None,
            status: DbInstanceStatus::Available,
            publicly_accessible: false,
            storage_encrypted: true,
            kms_key: None,
            backup_retention_days: 7,
            multi_az: false,
            deletion_protection: true,
            auto_minor_version_upgrade: true,
            vpc: None,
            subnets: vec![],
            security_groups: vec![],
            endpoint_address: None,
            endpoint_port: None,
            created: None,
        };
        f(&mut d);
        resource(format!("arn:aws:rds:us-east-1:123456789012:db:{id}").parse().unwrap(), d)
    }

    #[test]
    fn fires_on_public_instances_only() {
        let f = eval_rule(&RULE, vec![db("public", |d| d.publicly_accessible = true), db("private", |_| {})]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.as_str(), "arn:aws:rds:us-east-1:123456789012:db:public");
    }
}
