//! `aws.s3.bucket_ssl_not_enforced`: s3 bucket policy does not deny HTTP requests.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_ssl_not_enforced",
        title: "S3 bucket policy does not deny HTTP requests",
        description: "The bucket has no policy statement that denies `s3:*` (or `*`) to everyone when `aws:SecureTransport` is false, so requests over plain HTTP are accepted (CIS AWS Foundations v3.0.0 2.1.1). A bucket without any policy fails too. Buckets whose policy could not be read are not judged.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "Add a bucket policy statement with Effect Deny, Principal `*`, Action `s3:*`, Resource the bucket and `<bucket>/*`, and Condition Bool aws:SecureTransport = false (`aws s3api put-bucket-policy --bucket <name> --policy file://policy.json`).",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.1.1" }],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    b.known(BucketAspect::Policy) && !b.policy.as_ref().is_some_and(|p| p.denies_insecure_transport())
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
            bucket("b-nopolicy", |b| { b.policy = None; }),
            bucket("b-public", |b| { b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#)); }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-nopolicy", "arn:aws:s3:::b-public"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Medium && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-tls", |b| { b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#)); }),
            bucket("b-unknown", |b| { b.policy = None; b.unreadable.push(BucketAspect::Policy); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
