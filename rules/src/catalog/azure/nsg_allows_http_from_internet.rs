//! `azure.network.nsg_allows_http_from_internet`: an NSG with a custom inbound rule that lets
//! the internet reach TCP 80 or 443, not shadowed by a higher-priority Deny.

use skywarden_graph::model::NsgProtocol;
use skywarden_graph::ResourceKind;

use super::common::{cis, nsg_internet_access, InternetAccess};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.network.nsg_allows_http_from_internet",
        title: "NSG allows HTTP(S) (TCP 80/443) from the internet",
        description: "A custom inbound Allow rule of the network security group admits TCP (or every \
                      protocol, `*`) on port 80 or 443 from an internet source (`*`, `Any`, \
                      `Internet`, `0.0.0.0/0`, `0.0.0.0`, `::/0`), not shadowed by a Deny rule with \
                      a lower priority number. Web front ends should sit behind Application \
                      Gateway / Front Door with a WAF rather than take internet traffic on a VM's \
                      NSG. One finding per NSG.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AzureNetworkSecurityGroup],
        remediation: "Publish web applications through Azure Application Gateway or Front Door (with \
                      WAF) and restrict the NSG rule's source to that service, or delete the \
                      rule.",
        frameworks: &[cis("6.4")],
    },
    eval,
};

static ACCESS: InternetAccess = InternetAccess {
    protocol: NsgProtocol::Tcp,
    exact_protocol: false,
    ports: &[80, 443],
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    nsg_internet_access(cx, &RULE.meta, &ACCESS)
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::NsgRule;

    use super::*;
    use crate::catalog::azure::common::nsg_tests::rule_names;
    use crate::catalog::testkit::azure::nsg_rule;

    fn run(rules: Vec<NsgRule>) -> Vec<Finding> {
        crate::catalog::azure::common::nsg_tests::run(&RULE, rules)
    }

    #[test]
    fn fires_on_internet_http_or_https() {
        let f = run(vec![
            nsg_rule("https", 100, "Allow", "Tcp", &["Internet"], &["443"]),
            nsg_rule("http", 110, "Allow", "*", &["*"], &["80"]),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(rule_names(&f[0]), ["https", "http"]);
    }

    #[test]
    fn passes_without_an_unshadowed_internet_allow() {
        assert!(run(vec![
            nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"]),
            nsg_rule("https-corp", 110, "Allow", "Tcp", &["10.0.0.0/8"], &["443"]),
            nsg_rule("quic", 120, "Allow", "Udp", &["*"], &["443"]),
        ])
        .is_empty());
    }
}
