//! `aws.s3.bucket_acl_grants_all_users`: s3 bucket ACL grants AllUsers.

#[allow(unused_imports)]
use skywarden_graph::model::{BucketAspect, VersioningStatus};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.s3.bucket_acl_grants_all_users",
        title: "S3 bucket ACL grants AllUsers",
        description: "The bucket ACL grants the AllUsers group, whether or not a public access block neutralises it today: the exposure comes back as soon as the block is lifted. Buckets whose ACL could not be read are not judged.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsS3Bucket],
        remediation: "Set the ACL to private (`aws s3api put-bucket-acl --bucket <name> --acl private`) and disable ACLs with Object Ownership `BucketOwnerEnforced`.",
        frameworks: &[],
    },
    eval,
};

fn fires(b: &skywarden_graph::model::Bucket) -> bool {
    b.known(BucketAspect::Acl) && !b.acl_all_users_grants().is_empty()
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
            bucket("b-blocked", |b| { b.acl.as_mut().unwrap().grants.push(all_users_grant(AclPermission::Read)); }),
        ]);
        let mut ids: Vec<&str> = findings.iter().map(|f| f.resource_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["arn:aws:s3:::b-blocked"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Medium && f.region.is_global()));
        assert!(matches!(findings[0].evidence, Evidence::S3Bucket { .. }));
    }

    #[test]
    fn passes() {
        let findings = eval_rule(&RULE, vec![
            bucket("b-private", |b| { b.public_access_block = None; }),
            bucket("b-unknown", |b| { b.acl = None; b.unreadable.push(BucketAspect::Acl); }),
        ]);
        assert!(findings.is_empty(), "{findings:?}");
    }
}
