//! `aws.s3.bucket_logging_disabled`: s3 bucket server access logging is off.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_logging_disabled",
        title: "S3 bucket server access logging is off",
        description: "The bucket does not deliver server access logs, so requests to it cannot be audited after the fact (CloudTrail data events are the alternative). Hygiene: CIS AWS Foundations v3.0.0 asks for access logging only on the CloudTrail bucket, which this rule does not single out. Buckets whose logging could not be read are not judged.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "Turn on server access logging to a separate log bucket: `aws s3api put-bucket-logging --bucket <name> --bucket-logging-status file://logging.json` (LoggingEnabled with TargetBucket and TargetPrefix), or enable CloudTrail S3 data events.",
        frameworks: &[],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    b.known(BucketAspect::Logging) && b.logging.is_none()
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    super::bucket_findings(cx, &RULE.meta, fires)
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)]
    use skywarden_graph::model::{AccessLogging, AclPermission};

    use super::*;
    #[allow(unused_imports)]
    use crate::catalog::testkit::{all_users_grant, bucket, bucket_policy, eval_rule};
    use crate::finding::Evidence;

    #[test]
    fn fires() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-off", |b| { b.logging = None; }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-off"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Low && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-on", |b| { b.logging = Some(AccessLogging { target_bucket: "logs".into(), target_prefix: None }); }),
            bucket("b-unknown", |b| { b.unreadable.push(BucketAspect::Logging); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
