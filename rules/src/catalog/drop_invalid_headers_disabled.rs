//! `aws.elbv2.drop_invalid_headers_disabled`: an Application Load Balancer that forwards HTTP
//! headers with invalid names to its targets.

use skywarden_graph::model::LoadBalancerType;
use skywarden_graph::ResourceKind;

use crate::catalog::elbv2_attribute_disabled;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.elbv2.drop_invalid_headers_disabled",
        title: "Application Load Balancer does not drop invalid HTTP headers",
        description: "`routing.http.drop_invalid_header_fields.enabled` is false: headers whose \
                      names do not match `[-A-Za-z0-9]+` reach the targets, which helps HTTP \
                      desync / request smuggling against back ends that parse them differently. \
                      (AWS Security Hub ELB.4 checks the same.) Application Load Balancers only; \
                      a load balancer whose attributes lack the key is not reported.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsElbv2LoadBalancer],
        remediation:
            "`aws elbv2 modify-load-balancer-attributes --load-balancer-arn <arn> \
                      --attributes Key=routing.http.drop_invalid_header_fields.enabled,Value=true`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    elbv2_attribute_disabled(
        cx,
        &RULE.meta,
        &[LoadBalancerType::Application],
        |a| a.drop_invalid_header_fields,
        |_, _, _| true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{elbv2_lb, eval_rule};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_albs_that_keep_invalid_headers() {
        let findings = eval_rule(
            &RULE,
            vec![elbv2_lb("web", |lb| {
                lb.attributes.drop_invalid_header_fields = Some(false)
            })],
        );
        assert_eq!(findings.len(), 1);
        let Evidence::LoadBalancerAttributes {
            drop_invalid_header_fields,
            lb_type,
            ..
        } = &findings[0].evidence
        else {
            panic!("{:?}", findings[0].evidence)
        };
        assert_eq!(
            (*drop_invalid_header_fields, *lb_type),
            (Some(false), LoadBalancerType::Application)
        );
    }

    #[test]
    fn passes_when_enabled_unknown_or_not_an_alb() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("on", |_| {}),
                elbv2_lb("unknown", |lb| {
                    lb.attributes.drop_invalid_header_fields = None
                }),
                elbv2_lb("nlb", |lb| {
                    lb.lb_type = LoadBalancerType::Network;
                    lb.attributes.drop_invalid_header_fields = Some(false);
                }),
            ],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }
}
