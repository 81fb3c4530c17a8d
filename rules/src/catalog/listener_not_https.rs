//! `aws.elbv2.listener_not_https`: an Application Load Balancer listener serving plain HTTP
//! that does not redirect to HTTPS.

use skywarden_graph::model::{ElbProtocol, Listener};
use skywarden_graph::ResourceKind;

use crate::catalog::{elbv2_listener_evidence, elbv2_listener_lb};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.elbv2.listener_not_https",
        title: "Application Load Balancer listener serves HTTP without redirecting to HTTPS",
        description: "The listener accepts unencrypted HTTP and no default action redirects \
                      the request to HTTPS, so traffic between clients and the load balancer \
                      can be read and altered in transit. (AWS Security Hub ELB.1 checks the \
                      same.) Only default actions are read: a redirect in a listener rule is \
                      not seen yet.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsElbv2Listener, ResourceKind::AwsElbv2LoadBalancer],
        remediation: "Serve the application on an HTTPS listener and make the HTTP \
                      listener's default action a redirect: `aws elbv2 modify-listener \
                      --listener-arn <arn> --default-actions \
                      'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}'`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Listener>()
        .filter(|(_, l)| {
            l.protocol == ElbProtocol::Http
                && !l.redirects_to_https()
                && elbv2_listener_lb(cx, l).is_some_and(|lb| lb.is_application())
        })
        .map(|(r, l)| Finding::new(&RULE.meta, r, "", elbv2_listener_evidence(l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{ActionType, ListenerAction, LoadBalancerType, RedirectAction};

    use super::*;
    use crate::catalog::testkit::{elbv2_forward, elbv2_id, elbv2_lb, elbv2_listener, eval_rule};
    use crate::finding::Evidence;

    fn redirect(protocol: &str) -> ListenerAction {
        ListenerAction {
            action_type: ActionType::Redirect,
            order: Some(1),
            target_groups: vec![],
            redirect: Some(RedirectAction {
                protocol: Some(protocol.into()),
                port: Some("443".into()),
                host: None,
                path: None,
                query: None,
                status_code: Some("HTTP_301".into()),
            }),
        }
    }

    fn http(n: u32, action: ListenerAction) -> skywarden_graph::Resource {
        elbv2_listener("web", n, |l| {
            l.protocol = ElbProtocol::Http;
            l.port = Some(80);
            l.ssl_policy = None;
            l.default_actions = vec![action];
        })
    }

    #[test]
    fn fires_on_http_listeners_that_forward_or_keep_the_protocol() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("web", |_| {}),
                http(1, elbv2_forward(vec![elbv2_id("targetgroup/tg/1")])),
                http(2, redirect("#{protocol}")),
            ],
        );
        assert_eq!(findings.len(), 2);
        let Evidence::ListenerSettings {
            protocol,
            redirects_to_https,
            port,
            ..
        } = &findings[0].evidence
        else {
            panic!("{:?}", findings[0].evidence)
        };
        assert_eq!(
            (*protocol, *redirects_to_https, *port),
            (ElbProtocol::Http, false, Some(80))
        );
    }

    #[test]
    fn passes_on_redirects_https_listeners_nlbs_and_unknown_load_balancers() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_lb("web", |_| {}),
                http(1, redirect("HTTPS")),
                elbv2_listener("web", 2, |_| {}),
                elbv2_lb("nlb", |lb| lb.lb_type = LoadBalancerType::Network),
                elbv2_listener("nlb", 1, |l| l.protocol = ElbProtocol::Http),
                elbv2_listener("unseen", 1, |l| l.protocol = ElbProtocol::Http),
            ],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }
}
