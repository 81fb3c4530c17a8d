//! `aws.s3.bucket_versioning_disabled`: s3 bucket versioning is not enabled.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_versioning_disabled",
        title: "S3 bucket versioning is not enabled",
        description: "Versioning was never enabled or is suspended, so an overwrite or delete loses the previous object for good (no recovery from mistakes or ransomware). Not a CIS AWS Foundations v3.0.0 control by itself (2.1.2 MFA Delete needs it). Buckets whose versioning could not be read are not judged.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "`aws s3api put-bucket-versioning --bucket <name> --versioning-configuration Status=Enabled`, with a lifecycle rule that expires noncurrent versions to bound the cost.",
        frameworks: &[],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    b.known(BucketAspect::Versioning) && b.versioning.is_some_and(|v| v.status != VersioningStatus::Enabled)
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
            bucket("b-off", |b| { b.versioning.as_mut().unwrap().status = VersioningStatus::Off; }),
            bucket("b-suspended", |b| { b.versioning.as_mut().unwrap().status = VersioningStatus::Suspended; }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-off", "arn:aws:s3:::b-suspended"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Low && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-enabled", |b| { b.logging = None; }),
            bucket("b-unknown", |b| { b.versioning = None; b.unreadable.push(BucketAspect::Versioning); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
