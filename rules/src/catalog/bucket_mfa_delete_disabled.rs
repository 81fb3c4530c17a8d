//! `aws.s3.bucket_mfa_delete_disabled`: s3 bucket MFA Delete is not enabled.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_mfa_delete_disabled",
        title: "S3 bucket MFA Delete is not enabled",
        description: "MFA Delete is off, so deleting object versions or suspending versioning needs no second factor. CIS AWS Foundations v3.0.0 2.1.2 expects versioning and MFA Delete on every bucket (MFA Delete needs versioning), so unversioned buckets fail too. Buckets whose versioning could not be read are not judged.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "As the root user with its MFA device: `aws s3api put-bucket-versioning --bucket <name> --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa '<root-mfa-arn> <code>'`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.1.2" }],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    b.known(BucketAspect::Versioning) && b.versioning.is_some_and(|v| !v.mfa_delete)
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
            bucket("b-versioned", |b| { b.logging = None; }),
            bucket("b-unversioned", |b| { b.versioning.as_mut().unwrap().status = VersioningStatus::Off; }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-unversioned", "arn:aws:s3:::b-versioned"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Low && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-mfa", |b| { b.versioning.as_mut().unwrap().mfa_delete = true; }),
            bucket("b-unknown", |b| { b.versioning = None; b.unreadable.push(BucketAspect::Versioning); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
