//! `aws.elbv2.load_balancer_deletion_protection_disabled`: a load balancer that one API call can delete.

use skywarden_graph::model::LoadBalancerType;
use skywarden_graph::ResourceKind;

use crate::catalog::elbv2_attribute_disabled;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.elbv2.load_balancer_deletion_protection_disabled",
        title: "Load balancer deletion protection is disabled",
        description: "`deletion_protection.enabled` is false: a mistaken or malicious \
                      DeleteLoadBalancer call takes the endpoint down at once. (AWS Security \
                      Hub ELB.6 checks the same.) Application, Network and Gateway Load \
                      Balancers; a load balancer whose attributes lack the key is not reported.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsElbv2LoadBalancer],
        remediation: "`aws elbv2 modify-load-balancer-attributes --load-balancer-arn <arn> \
                      --attributes Key=deletion_protection.enabled,Value=true` (Terraform \
                      `enable_deletion_protection = true`).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    elbv2_attribute_disabled(
        cx,
        &RULE.meta,
        &[
            LoadBalancerType::Application,
            LoadBalancerType::Network,
            LoadBalancerType::Gateway,
        ],
        |a| a.deletion_protection,
        |_, _, _| true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{elbv2_lb, eval_rule};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_unprotected_load_balancers_of_every_type() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("alb", |lb| lb.attributes.deletion_protection = Some(false)),
                elbv2_lb("gwlb", |lb| {
                    lb.lb_type = LoadBalancerType::Gateway;
                    lb.attributes.deletion_protection = Some(false);
                }),
            ],
        );
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].severity, Severity::Low);
        let Evidence::LoadBalancerAttributes {
            deletion_protection,
            ..
        } = &findings[0].evidence
        else {
            panic!("{:?}", findings[0].evidence)
        };
        assert_eq!(*deletion_protection, Some(false));
    }

    #[test]
    fn passes_when_protected_or_unknown() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("on", |_| {}),
                elbv2_lb("unknown", |lb| lb.attributes.deletion_protection = None),
            ],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }
}
