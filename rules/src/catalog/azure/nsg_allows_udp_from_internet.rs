//! `azure.network.nsg_allows_udp_from_internet`: an NSG with a custom inbound rule that lets
//! the internet send UDP to some port (explicit `Udp` rules only), not fully shadowed.

use skywarden_graph::model::NsgProtocol;
use skywarden_graph::ResourceKind;

use super::common::{cis, nsg_internet_access, InternetAccess};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.network.nsg_allows_udp_from_internet",
        title: "NSG allows UDP from the internet",
        description: "A custom inbound Allow rule of the network security group whose protocol is \
                      exactly `Udp` admits traffic from an internet source (`*`, `Any`, `Internet`, \
                      `0.0.0.0/0`, `0.0.0.0`, `::/0`) on some port that no Deny rule with a lower \
                      priority number from the internet (covering the rule's destinations) \
                      already blocks. Rules for every protocol (`*`) are not counted here. \
                      Exposed UDP services (DNS, NTP, SSDP, SNMP, CLDAP) are used for DDoS \
                      amplification. One finding per NSG.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AzureNetworkSecurityGroup],
        remediation: "Restrict the rule's source to the networks that need the UDP service, or \
                      delete it; put public UDP services behind Azure DDoS Protection.",
        frameworks: &[cis("6.3")],
    },
    eval,
};

static ACCESS: InternetAccess = InternetAccess {
    protocol: NsgProtocol::Udp,
    exact_protocol: true,
    ports: &[],
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
    fn fires_on_explicit_udp_from_the_internet_only() {
        let f = run(vec![
            nsg_rule("dns", 100, "Allow", "Udp", &["Internet"], &["53"]),
            nsg_rule("any", 110, "Allow", "*", &["*"], &["*"]),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(rule_names(&f[0]), ["dns"], "`*` protocol rules are not counted");
    }

    #[test]
    fn passes_without_an_unshadowed_internet_allow() {
        assert!(run(vec![
            nsg_rule("any", 100, "Allow", "*", &["*"], &["*"]),
            nsg_rule("dns-corp", 110, "Allow", "Udp", &["10.0.0.0/8"], &["53"]),
            nsg_rule("tcp", 120, "Allow", "Tcp", &["*"], &["53"]),
        ])
        .is_empty());
        // Fully shadowed by an earlier deny: nothing; partly shadowed: still reported.
        assert!(run(vec![
            nsg_rule("deny", 100, "Deny", "*", &["*"], &["*"]),
            nsg_rule("dns", 200, "Allow", "Udp", &["*"], &["53"]),
        ])
        .is_empty());
        let f = run(vec![
            nsg_rule("deny", 100, "Deny", "Udp", &["*"], &["53"]),
            nsg_rule("dns-ntp", 200, "Allow", "Udp", &["*"], &["53", "123"]),
        ]);
        assert_eq!(rule_names(&f[0]), ["dns-ntp"]);
    }
}
