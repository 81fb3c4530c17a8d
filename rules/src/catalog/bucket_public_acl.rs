//! `aws.s3.bucket_public_acl`: s3 bucket ACL makes it public.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_public_acl",
        title: "S3 bucket ACL makes it public",
        description: "The bucket ACL grants the AllUsers group (anyone, unauthenticated) and the bucket's public access block does not have IgnorePublicAcls, so the grant is in effect. The account-level block (S3 Control) is not read. Buckets whose ACL or block could not be read are not judged.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "Set the ACL to private (`aws s3api put-bucket-acl --bucket <name> --acl private`), disable ACLs with Object Ownership `BucketOwnerEnforced`, and turn on Block Public Access (IgnorePublicAcls and BlockPublicAcls at least) for the bucket and the account.",
        frameworks: &[],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    super::bucket_public_by_acl(b)
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
            bucket("b-partial", |b| { b.public_access_block.as_mut().unwrap().ignore_public_acls = false; b.acl.as_mut().unwrap().grants.push(all_users_grant(AclPermission::Write)); }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-acl", "arn:aws:s3:::b-partial"]);
        assert!(findings.iter().all(|f| f.severity == Severity::High && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-ignored", |b| { b.acl.as_mut().unwrap().grants.push(all_users_grant(AclPermission::Read)); }),
            bucket("b-policy", |b| { b.public_access_block = None; b.policy = Some(bucket_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#)); }),
            bucket("b-unknown", |b| { b.public_access_block = None; b.acl = None; b.unreadable.push(BucketAspect::Acl); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
