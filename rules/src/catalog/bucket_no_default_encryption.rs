//! `aws.s3.bucket_no_default_encryption`: s3 bucket has no default encryption configuration.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_no_default_encryption",
        title: "S3 bucket has no default encryption configuration",
        description: "GetBucketEncryption reports no default encryption configuration. Since January 2023 AWS applies SSE-S3 to every bucket and always returns it, so on AWS this finds only buckets whose configuration was removed by an API that still allows it, and on emulators (moto) every bucket created without one. CIS AWS Foundations v3.0.0 has no control for it (the earlier encryption-at-rest control was dropped). Buckets whose encryption could not be read are not judged.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "Set default encryption: `aws s3api put-bucket-encryption --bucket <name> --server-side-encryption-configuration file://sse.json` with one rule applying SSE-KMS (`aws:kms`, bucket key enabled) or SSE-S3 (`AES256`) by default.",
        frameworks: &[],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    b.known(BucketAspect::Encryption) && b.default_encryption.is_none()
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
            bucket("b-none", |b| { b.default_encryption = None; }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-none"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Medium && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-sse", |b| { b.logging = None; }),
            bucket("b-unknown", |b| { b.default_encryption = None; b.unreadable.push(BucketAspect::Encryption); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
