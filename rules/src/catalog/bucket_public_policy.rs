//! `aws.s3.bucket_public_policy`: s3 bucket policy makes it public.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_public_policy",
        title: "S3 bucket policy makes it public",
        description: "The bucket policy allows Principal `*` without a condition (or GetBucketPolicyStatus reports it public) and the bucket's public access block does not have RestrictPublicBuckets, so anyone can use the allowed actions. The account-level block (S3 Control) is not read. Buckets whose policy or block could not be read are not judged.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "Remove or scope the statements that allow `*` (name principals, or add conditions such as aws:PrincipalOrgID or aws:SourceVpce), then turn on Block Public Access (BlockPublicPolicy and RestrictPublicBuckets) for the bucket and the account.",
        frameworks: &[],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    super::bucket_public_by_policy(b)
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
            bucket("b-policy", |b| { b.public_access_block = None; b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#)); }),
            bucket("b-status", |b| { b.public_access_block.as_mut().unwrap().restrict_public_buckets = false; b.policy_is_public = Some(true); }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-policy", "arn:aws:s3:::b-status"]);
        assert!(findings.iter().all(|f| f.severity == Severity::High && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-restricted", |b| { b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#)); }),
            bucket("b-acl", |b| { b.public_access_block = None; b.acl.as_mut().unwrap().grants.push(all_users_grant(AclPermission::Read)); }),
            bucket("b-conditioned", |b| { b.public_access_block = None; b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#)); }),
            bucket("b-unknown", |b| { b.public_access_block = None; b.unreadable.push(BucketAspect::PublicAccessBlock); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
