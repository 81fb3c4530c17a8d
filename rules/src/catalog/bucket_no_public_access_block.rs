//! `aws.s3.bucket_no_public_access_block`: s3 bucket has no complete public access block.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_no_public_access_block",
        title: "S3 bucket has no complete public access block",
        description: "The bucket has no bucket-level Block Public Access configuration, or one with a setting off. CIS AWS Foundations v3.0.0 2.1.4 asks for all four settings on every bucket (or at the account level; the account-level block is not read, so an account-wide block is not credited here). Buckets whose block could not be read are not judged.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "`aws s3api put-public-access-block --bucket <name> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`, and the same for the account with `aws s3control put-public-access-block`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "2.1.4" }],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    b.known(BucketAspect::PublicAccessBlock) && !b.public_access_block.is_some_and(|p| p.all_enabled())
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
            bucket("b-none", |b| { b.public_access_block = None; }),
            bucket("b-partial", |b| { b.public_access_block.as_mut().unwrap().block_public_policy = false; }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-none", "arn:aws:s3:::b-partial"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Medium && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-full", |b| { b.logging = None; }),
            bucket("b-unknown", |b| { b.public_access_block = None; b.unreadable.push(BucketAspect::PublicAccessBlock); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
