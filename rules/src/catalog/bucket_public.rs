//! `aws.s3.bucket_public`: s3 bucket is public.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_public",
        title: "S3 bucket is public",
        description: "Anyone on the internet can reach the bucket: its ACL grants the AllUsers group and the bucket's public access block does not ignore public ACLs, or its policy allows Principal `*` (unconditionally, or GetBucketPolicyStatus says the policy is public) and the block does not restrict public buckets. Only the bucket-level block is read: an account-level block (S3 Control) that neutralises the access is not seen, so a bucket of an account with account-wide Block Public Access can be reported. Buckets whose ACL, policy or block could not be read are not judged.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "Remove the AllUsers grant (`aws s3api put-bucket-acl --bucket <name> --acl private`) and the public policy statements, then turn on every Block Public Access setting for the bucket (`aws s3api put-public-access-block --bucket <name> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`) and for the account. Serve public content through CloudFront with origin access control instead.",
        frameworks: &[],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    super::bucket_public_by_acl(b) || super::bucket_public_by_policy(b)
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
            bucket("b-acl", |b| { b.public_access_block = None; b.acl.as_mut().unwrap().grants.push(all_users_grant(AclPermission::Read)); }),
            bucket("b-policy", |b| { b.public_access_block = None; b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#)); }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-acl", "arn:aws:s3:::b-policy"]);
        assert!(findings.iter().all(|f| f.severity == Severity::High && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-blocked", |b| { b.acl.as_mut().unwrap().grants.push(all_users_grant(AclPermission::Read)); b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#)); }),
            bucket("b-private", |b| { b.public_access_block = None; }),
            bucket("b-unknown", |b| { b.public_access_block = None; b.acl = None; b.unreadable.push(BucketAspect::Acl); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
