//! `aws.elbv2.access_logging_disabled`: a load balancer that keeps no access logs.

use skywarden_graph::model::{ElbProtocol, Listener, LoadBalancer, LoadBalancerType};
use skywarden_graph::{Direction, EdgeKind, Resource, ResourceKind};

use crate::catalog::elbv2_attribute_disabled;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.elbv2.access_logging_disabled",
        title: "Load balancer access logging is disabled",
        description: "`access_logs.s3.enabled` is false: requests to the load balancer leave no \
                      record for incident investigation. (AWS Security Hub ELB.5 checks the \
                      same for Application Load Balancers.) Application Load Balancers, and \
                      Network Load Balancers with a TLS listener (NLB access logs record TLS \
                      requests only); Gateway Load Balancers have no access logs. A load \
                      balancer whose attributes lack the key is not reported.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[
            ResourceKind::AwsElbv2LoadBalancer,
            ResourceKind::AwsElbv2Listener,
        ],
        remediation: "Create an S3 bucket whose policy lets the regional ELB log delivery \
                      write, then `aws elbv2 modify-load-balancer-attributes --load-balancer-arn \
                      <arn> --attributes Key=access_logs.s3.enabled,Value=true \
                      Key=access_logs.s3.bucket,Value=<bucket>`.",
        frameworks: &[],
    },
    eval,
};

/// NLBs only log TLS requests: report one only when it has a TLS listener.
fn logs_would_record(cx: &EvalCx<'_>, r: &Resource, lb: &LoadBalancer) -> bool {
    lb.lb_type != LoadBalancerType::Network
        || cx
            .inventory
            .neighbors_of::<Listener>(&r.id, EdgeKind::AssociatedWith, Direction::Incoming)
            .iter()
            .any(|(_, l)| l.protocol == ElbProtocol::Tls)
}

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    elbv2_attribute_disabled(
        cx,
        &RULE.meta,
        &[LoadBalancerType::Application, LoadBalancerType::Network],
        |a| a.access_logs_enabled,
        logs_would_record,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::{elbv2_lb, elbv2_listener, eval_rule};
    use crate::finding::Evidence;

    fn nlb(name: &str) -> Resource {
        elbv2_lb(name, |lb| {
            lb.lb_type = LoadBalancerType::Network;
            lb.attributes.access_logs_enabled = Some(false);
        })
    }

    #[test]
    fn fires_on_albs_and_tls_nlbs_without_logs() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("alb", |lb| lb.attributes.access_logs_enabled = Some(false)),
                nlb("tls"),
                elbv2_listener("tls", 1, |l| l.protocol = ElbProtocol::Tls),
            ],
        );
        assert_eq!(findings.len(), 2);
        let Evidence::LoadBalancerAttributes {
            access_logs_enabled,
            ..
        } = &findings[0].evidence
        else {
            panic!("{:?}", findings[0].evidence)
        };
        assert_eq!(*access_logs_enabled, Some(false));
    }

    #[test]
    fn passes_on_logging_unknown_gateway_and_tcp_only_nlbs() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("on", |_| {}),
                elbv2_lb("unknown", |lb| lb.attributes.access_logs_enabled = None),
                elbv2_lb("gwlb", |lb| {
                    lb.lb_type = LoadBalancerType::Gateway;
                    lb.attributes.access_logs_enabled = Some(false);
                }),
                nlb("tcp"),
                elbv2_listener("tcp", 1, |l| l.protocol = ElbProtocol::Tcp),
            ],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }
}
