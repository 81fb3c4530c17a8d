//! `azure.network.nsg_allows_rdp_from_internet`: an NSG with a custom inbound rule that lets
//! the internet reach TCP 3389 (RDP), not shadowed by a higher-priority Deny.

use skywarden_graph::model::NsgProtocol;
use skywarden_graph::ResourceKind;

use super::common::{cis, nsg_internet_access, InternetAccess};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.network.nsg_allows_rdp_from_internet",
        title: "NSG allows RDP (TCP 3389) from the internet",
        description: "A custom inbound Allow rule of the network security group admits TCP (or every \
                      protocol, `*`) on port 3389 from an internet source (`*`, `Any`, `Internet`, \
                      `0.0.0.0/0`, `0.0.0.0`, `::/0`), and no Deny rule with a lower priority \
                      number from the internet covering port 3389 and the rule's destinations \
                      shadows it. One finding per NSG; the evidence lists every such rule.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AzureNetworkSecurityGroup],
        remediation: "Restrict the rule's source to known administrative networks or delete it; \
                      reach VMs through Azure Bastion, a VPN or just-in-time VM access instead.",
        frameworks: &[cis("6.1")],
    },
    eval,
};

static ACCESS: InternetAccess = InternetAccess {
    protocol: NsgProtocol::Tcp,
    exact_protocol: false,
    ports: &[3389],
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
    fn fires_on_internet_rdp_and_passes_otherwise() {
        let f = run(vec![nsg_rule("rdp", 100, "Allow", "Tcp", &["Any"], &["3389"])]);
        assert_eq!(f.len(), 1);
        assert_eq!(rule_names(&f[0]), ["rdp"]);
    }

    #[test]
    fn passes_without_an_unshadowed_internet_allow() {
        assert!(run(vec![
            nsg_rule("ssh", 100, "Allow", "Tcp", &["*"], &["22"]),
            nsg_rule("rdp-corp", 110, "Allow", "Tcp", &["192.0.2.0/24"], &["3389"]),
        ])
        .is_empty());
        assert!(run(vec![
            nsg_rule("deny", 100, "Deny", "Tcp", &["*"], &["3000-4000"]),
            nsg_rule("rdp", 200, "Allow", "Tcp", &["*"], &["3389"]),
        ])
        .is_empty());
    }
}
