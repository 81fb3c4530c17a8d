//! `aws.elbv2.load_balancer_without_targets`: an idle load balancer. None of its target groups
//! has a registered target (or it has no target group at all), yet it bills every hour.

use skywarden_graph::model::{Listener, LoadBalancer, LoadBalancerType, TargetGroup};
use skywarden_graph::{Direction, EdgeKind, ResourceKind};

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};
use crate::pricing::LbType;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.elbv2.load_balancer_without_targets",
        title: "Load balancer has no registered targets",
        description: "No target group of the load balancer has a registered target (in any \
                      health state), or it has no target group: it serves nothing but still \
                      bills its hourly charge. The finding carries the monthly estimate of \
                      the hours from the price table (capacity units are usage-based and not \
                      estimated). Gateway Load Balancers are reported without an estimate. \
                      Not evaluated where the scan could not list the region's target groups, \
                      or where a listener forwards to a target group the scan did not see.",
        severity: Severity::Low,
        category: Category::Cost,
        kinds: &[
            ResourceKind::AwsElbv2LoadBalancer,
            ResourceKind::AwsElbv2TargetGroup,
            ResourceKind::AwsElbv2Listener,
        ],
        remediation: "Register the targets it should serve, or delete it if it is no longer \
                      needed: `aws elbv2 delete-load-balancer --load-balancer-arn <arn>` \
                      (disable deletion protection first if it is on).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<LoadBalancer>()
        .filter(|(r, _)| cx.saw(&r.account_id, &r.region, ResourceKind::AwsElbv2TargetGroup))
        .filter_map(|(r, lb)| {
            let groups = cx.inventory.neighbors_of::<TargetGroup>(
                &r.id,
                EdgeKind::AssociatedWith,
                Direction::Incoming,
            );
            if groups.iter().any(|(_, tg)| !tg.targets.is_empty()) {
                return None;
            }
            let listeners = cx.inventory.neighbors_of::<Listener>(
                &r.id,
                EdgeKind::AssociatedWith,
                Direction::Incoming,
            );
            // A listener forwarding to a group that is not in the inventory: unknown.
            if listeners
                .iter()
                .flat_map(|(_, l)| l.target_groups())
                .any(|tg| cx.inventory.get(tg).is_none())
            {
                return None;
            }
            let finding = Finding::new(
                &RULE.meta,
                r,
                "",
                Evidence::LoadBalancerWithoutTargets {
                    lb_type: lb.lb_type,
                    state: lb.state,
                    target_groups: groups.iter().map(|(g, _)| g.id.clone()).collect(),
                    listeners: listeners.len(),
                },
            );
            let priced = match lb.lb_type {
                LoadBalancerType::Application => Some(LbType::Application),
                LoadBalancerType::Network => Some(LbType::Network),
                LoadBalancerType::Gateway | LoadBalancerType::Unknown => None,
            };
            Some(
                match priced.and_then(|t| cx.pricing.load_balancer_monthly(&r.region, t)) {
                    Some((usd, basis)) => finding.with_cost(usd, basis),
                    None => finding,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {

    use skywarden_graph::model::TargetGroup;
    use skywarden_graph::{InventoryBuilder, Scope};

    use super::*;
    use crate::catalog::testkit::{
        elbv2_forward, elbv2_id, elbv2_lb, elbv2_listener, elbv2_tg, eval_rule, testkit_now,
    };
    use crate::pricing::PriceTable;

    #[test]
    fn fires_on_load_balancers_whose_groups_have_no_targets_with_cost() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("idle", |_| {}),
                elbv2_tg("idle-tg", &["idle"], &[], |_| {}),
                elbv2_listener("idle", 1, |l| {
                    l.default_actions = vec![elbv2_forward(vec![elbv2_id("targetgroup/idle-tg/1")])]
                }),
                elbv2_lb("bare", |lb| lb.lb_type = LoadBalancerType::Network),
            ],
        );
        assert_eq!(findings.len(), 2);
        let idle = findings
            .iter()
            .find(|f| f.resource_id.as_str().contains("/idle/"))
            .unwrap();
        assert_eq!(idle.category, Category::Cost);
        // 730 h * 0.0225 (us-east-1 ALB hour)
        assert_eq!(idle.monthly_cost_usd, Some(16.43));
        assert_eq!(
            idle.pricing_basis.as_ref().unwrap().price_key,
            "elb:alb:us-east-1:hour"
        );
        let Evidence::LoadBalancerWithoutTargets {
            target_groups,
            listeners,
            lb_type,
            ..
        } = &idle.evidence
        else {
            panic!("{:?}", idle.evidence)
        };
        assert_eq!(
            (target_groups.len(), *listeners, *lb_type),
            (1, 1, LoadBalancerType::Application)
        );
        let bare = findings
            .iter()
            .find(|f| f.resource_id.as_str().contains("/bare/"))
            .unwrap();
        assert_eq!(
            bare.pricing_basis.as_ref().unwrap().price_key,
            "elb:nlb:us-east-1:hour"
        );
    }

    #[test]
    fn passes_when_any_group_has_a_target_of_any_health() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("web", |_| {}),
                elbv2_tg("empty", &["web"], &[], |_| {}),
                elbv2_tg("used", &["web"], &["i-1"], |tg: &mut TargetGroup| {
                    tg.targets[0].state = skywarden_graph::model::TargetHealthState::Unused
                }),
            ],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn unknown_target_groups_are_never_no_targets() {
        // The listener forwards to a group the scan did not see.
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("web", |_| {}),
                elbv2_listener("web", 1, |l| {
                    l.default_actions = vec![elbv2_forward(vec![elbv2_id("targetgroup/unseen/1")])]
                }),
            ],
        );
        assert!(findings.is_empty(), "{findings:?}");
        // The region's target groups could not be listed.
        let mut b = InventoryBuilder::new();
        b.add(elbv2_lb("web", |_| {}));
        let inv = b.build();
        let pricing = PriceTable::default();
        let cx = EvalCx::new(&inv, &pricing, testkit_now());
        assert_eq!((RULE.eval)(&cx).len(), 1);
        let mut coverage = skywarden_graph::Coverage::new();
        coverage.record(
            Scope {
                account_id: skywarden_graph::testkit::account(),
                region: skywarden_graph::testkit::region(),
                kind: ResourceKind::AwsElbv2TargetGroup,
            },
            skywarden_graph::CoverageStatus::Failed {
                error: skywarden_graph::ScopeError {
                    class: skywarden_graph::ErrorClass::AccessDenied,
                    code: None,
                    message: "denied".into(),
                },
            },
        );
        let cx = cx.with_coverage(&coverage);
        assert!((RULE.eval)(&cx).is_empty());
    }
}
