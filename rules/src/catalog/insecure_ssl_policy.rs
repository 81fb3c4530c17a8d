//! `aws.elbv2.insecure_ssl_policy`: an HTTPS or TLS listener whose security policy still
//! negotiates TLS 1.0 or TLS 1.1.

use skywarden_graph::model::{ssl_policy_allows_tls_1_0_or_1_1, Listener};
use skywarden_graph::ResourceKind;

use crate::catalog::elbv2_listener_evidence;
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.elbv2.insecure_ssl_policy",
        title: "Load balancer listener allows TLS 1.0 or TLS 1.1",
        description: "The HTTPS or TLS listener uses a predefined security policy that still \
                      accepts TLS 1.0 or TLS 1.1 (deprecated by RFC 8996), e.g. \
                      ELBSecurityPolicy-2016-08, the default of the API and CLI, \
                      ELBSecurityPolicy-TLS-1-0-2015-04 or ELBSecurityPolicy-TLS-1-1-2017-01. \
                      The list of such policies is `TLS_1_0_1_1_POLICIES` in the listener \
                      model, from the ELB security policy tables.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsElbv2Listener],
        remediation: "Switch the listener to a TLS 1.2+ policy such as \
                      ELBSecurityPolicy-TLS13-1-2-2021-06: `aws elbv2 modify-listener \
                      --listener-arn <arn> --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06` \
                      (check that no client still needs TLS 1.0/1.1 first).",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<Listener>()
        .filter(|(_, l)| {
            l.protocol.is_tls()
                && l.ssl_policy
                    .as_deref()
                    .is_some_and(ssl_policy_allows_tls_1_0_or_1_1)
        })
        .map(|(r, l)| Finding::new(&RULE.meta, r, "", elbv2_listener_evidence(l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::ElbProtocol;

    use super::*;
    use crate::catalog::testkit::{elbv2_listener, eval_rule};
    use crate::finding::Evidence;

    #[test]
    fn fires_on_legacy_policies_of_https_and_tls_listeners() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_listener("web", 1, |l| {
                    l.ssl_policy = Some("ELBSecurityPolicy-2016-08".into())
                }),
                elbv2_listener("nlb", 1, |l| {
                    l.protocol = ElbProtocol::Tls;
                    l.ssl_policy = Some("ELBSecurityPolicy-TLS-1-1-2017-01".into());
                }),
            ],
        );
        assert_eq!(findings.len(), 2);
        let Evidence::ListenerSettings { ssl_policy, .. } = &findings[0].evidence else {
            panic!("{:?}", findings[0].evidence)
        };
        assert!(ssl_policy
            .as_deref()
            .is_some_and(ssl_policy_allows_tls_1_0_or_1_1));
    }

    #[test]
    fn passes_on_tls_1_2_policies_plain_listeners_and_unknown_policies() {
        let findings = eval_rule(
            &RULE,
            vec![
                elbv2_listener("web", 1, |_| {}),
                elbv2_listener("web", 2, |l| l.ssl_policy = None),
                elbv2_listener("web", 3, |l| {
                    l.protocol = ElbProtocol::Http;
                    l.ssl_policy = Some("ELBSecurityPolicy-2016-08".into());
                }),
            ],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }
}
