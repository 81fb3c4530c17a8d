//! `aws.cloudtrail.trail_log_validation_disabled`: a trail without log file integrity validation.

use skywarden_graph::model::Trail;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.cloudtrail.trail_log_validation_disabled",
        title: "CloudTrail trail log file validation is disabled",
        description: "Without log file validation CloudTrail writes no signed digest files, so \
                      a modified or deleted log file cannot be detected.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsCloudtrailTrail],
        remediation: "`aws cloudtrail update-trail --name <trail> --enable-log-file-validation`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "3.2" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Trail>()
        .filter(|(_, t)| !t.log_file_validation)
        .map(|(r, t)| {
            let evidence = Evidence::TrailSettings {
                multi_region: t.multi_region,
                log_file_validation: t.log_file_validation,
                is_logging: t.is_logging,
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{eval_rule, region, resource};

    fn trail(name: &str, validation: bool) -> Resource {
        let t = Trail {
            name: name.into(),
            home_region: region(),
            multi_region: true,
            organization_trail: false,
            log_file_validation: validation,
            is_logging: true,
            s3_bucket_name: None,
            s3_bucket: None,
            kms_key: None,
            cloudwatch_logs_log_group: None,
            include_global_service_events: true,
            management_events: None,
        };
        resource(format!("arn:aws:cloudtrail:us-east-1:123456789012:trail/{name}").parse().unwrap(), t)
    }

    #[test]
    fn fires_without_validation_only() {
        let f = eval_rule(&RULE, vec![trail("plain", false), trail("signed", true)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.short_id(), "plain");
    }
}
