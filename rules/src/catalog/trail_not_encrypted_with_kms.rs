//! `aws.cloudtrail.trail_not_encrypted_with_kms`: a trail whose log files are not encrypted
//! with a KMS key (CIS AWS Foundations 3.0.0 3.5).

use skywarden_graph::model::Trail;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.cloudtrail.trail_not_encrypted_with_kms",
        title: "CloudTrail trail logs are not encrypted with a KMS key",
        description: "The trail has no `KmsKeyId`: its log files get only the bucket's default \
                      server-side encryption, so anyone who can read the bucket can read the \
                      logs; SSE-KMS also requires `kms:Decrypt` on the key.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsCloudtrailTrail],
        remediation: "`aws cloudtrail update-trail --name <trail> --kms-key-id <key-arn>` with a \
                      key policy that lets CloudTrail use the key.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "3.5" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Trail>()
        .filter(|(_, t)| t.kms_key.is_none())
        .map(|(r, t)| {
            let evidence = Evidence::TrailEncryption { s3_bucket_name: t.s3_bucket_name.clone(), kms_key: None };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use skywarden_graph::model::ManagementEvents;
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{eval_rule, region};

    /// A multi-region, logging, all-management-events, validated, KMS-encrypted trail in
    /// us-east-1; `f` adjusts it.
    pub(crate) fn trail(name: &str, f: impl FnOnce(&mut Trail)) -> Resource {
        let mut t = Trail {
            name: name.into(),
            home_region: region(),
            multi_region: true,
            organization_trail: false,
            log_file_validation: true,
            is_logging: true,
            s3_bucket_name: Some("trail-logs".into()),
            s3_bucket: None,
            kms_key: Some("arn:aws:kms:us-east-1:123456789012:key/k-1".parse().unwrap()),
            cloudwatch_logs_log_group: None,
            include_global_service_events: true,
            management_events: Some(ManagementEvents { read: true, write: true, advanced: false }),
        };
        f(&mut t);
        crate::catalog::testkit::resource(format!("arn:aws:cloudtrail:us-east-1:123456789012:trail/{name}").parse().unwrap(), t)
    }

    #[test]
    fn fires_without_a_kms_key_only() {
        let f = eval_rule(&RULE, vec![trail("plain", |t| t.kms_key = None), trail("sealed", |_| {})]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.short_id(), "plain");
        assert_eq!(f[0].evidence, Evidence::TrailEncryption { s3_bucket_name: Some("trail-logs".into()), kms_key: None });
        assert!(eval_rule(&RULE, vec![trail("sealed", |_| {})]).is_empty());
    }
}
