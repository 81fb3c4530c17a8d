//! `aws.ec2.image_public`: an AMI owned by the account that every AWS account can launch.

use skywarden_graph::model::Image;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.ec2.image_public",
        title: "AMI is public",
        description: "The account's AMI has the launch permission group `all`: anyone can launch \
                      it and, through its snapshots, read whatever was baked into it (application \
                      code, configuration, credentials left on disk). Intended only for images \
                      published on purpose. The CIS AWS Foundations Benchmark v3.0.0 has no \
                      control for this; Prowler's `ec2_ami_public` check covers it.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AwsEc2Image],
        remediation: "Make the image private: `aws ec2 modify-image-attribute --image-id <id> \
                      --launch-permission \"Remove=[{Group=all}]\"`, share it with named \
                      accounts or organizations instead, and turn on AMI block public access \
                      (`aws ec2 enable-image-block-public-access --image-block-public-access-state \
                      block-new-sharing`).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Image>()
        .filter(|(_, i)| i.public)
        .map(|(r, i)| {
            let evidence = Evidence::PublicImage {
                name: i.name.clone(),
                state: i.state,
                snapshots: i.snapshots().cloned().collect(),
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{eval_rule, image};

    #[test]
    fn fires_on_public_images() {
        let findings = eval_rule(&RULE, vec![image("ami-pub", |i| i.public = true)]);
        assert_eq!(findings.len(), 1);
        let Evidence::PublicImage { snapshots, .. } = &findings[0].evidence else { panic!() };
        assert_eq!(snapshots[0].short_id(), "snap-1");
    }

    #[test]
    fn passes_on_private_images() {
        assert!(eval_rule(&RULE, vec![image("ami-priv", |_| {})]).is_empty());
    }
}
