//! `azure.network.nsg_allows_ssh_from_internet`: an NSG with a custom inbound rule that lets
//! the internet reach TCP 22 (SSH), not shadowed by a higher-priority Deny.

use skywarden_graph::model::NsgProtocol;
use skywarden_graph::ResourceKind;

use super::common::{cis, nsg_internet_access, InternetAccess};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.network.nsg_allows_ssh_from_internet",
        title: "NSG allows SSH (TCP 22) from the internet",
        description: "A custom inbound Allow rule of the network security group admits TCP (or every \
                      protocol, `*`) on port 22 from an internet source (`*`, `Any`, `Internet`, \
                      `0.0.0.0/0`, `0.0.0.0`, `::/0`), and no Deny rule with a lower priority \
                      number from the internet covering port 22 and the rule's destinations \
                      shadows it. One finding per NSG; the evidence lists every such rule. Whether \
                      a VM is actually reachable (public IP, both NSGs) is \
                      `azure.compute.vm_exposed_admin_port`'s question.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AzureNetworkSecurityGroup],
        remediation: "Restrict the rule's source to known administrative networks or delete it; \
                      reach VMs through Azure Bastion, a VPN or just-in-time VM access instead \
                      (`az network nsg rule update --nsg-name <nsg> -g <rg> -n <rule> \
                      --source-address-prefixes <cidr>`).",
        frameworks: &[cis("6.2")],
    },
    eval,
};

static ACCESS: InternetAccess = InternetAccess {
    protocol: NsgProtocol::Tcp,
    exact_protocol: false,
    ports: &[22],
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    nsg_internet_access(cx, &RULE.meta, &ACCESS)
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::NsgRule;

    use super::*;
    use crate::catalog::azure::common::nsg_tests::rule_names;
    use crate::catalog::testkit::azure::{nsg_id, nsg_rule};

    fn run(rules: Vec<NsgRule>) -> Vec<Finding> {
        crate::catalog::azure::common::nsg_tests::run(&RULE, rules)
    }

    #[test]
    fn fires_on_internet_ssh_and_passes_otherwise() {
        let f = run(vec![
            nsg_rule("ssh", 100, "Allow", "Tcp", &["Internet"], &["22"]),
            nsg_rule("range", 110, "Allow", "*", &["0.0.0.0/0"], &["20-25"]),
            nsg_rule("corp", 120, "Allow", "Tcp", &["10.0.0.0/8"], &["22"]),
            nsg_rule("web", 130, "Allow", "Tcp", &["*"], &["443"]),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id, nsg_id("nsg1"));
        assert_eq!(rule_names(&f[0]), ["ssh", "range"]);
        // Corporate source only, another port, UDP, or a Deny: nothing.
        assert!(run(vec![
            nsg_rule("corp", 100, "Allow", "Tcp", &["10.0.0.0/8"], &["22"]),
            nsg_rule("web", 110, "Allow", "Tcp", &["*"], &["443"]),
            nsg_rule("udp", 120, "Allow", "Udp", &["*"], &["22"]),
            nsg_rule("deny", 130, "Deny", "Tcp", &["*"], &["22"]),
        ])
        .is_empty());
    }

    #[test]
    fn a_higher_priority_deny_shadows_the_allow() {
        let shadowed = vec![
            nsg_rule("deny-ssh", 100, "Deny", "*", &["Internet"], &["22"]),
            nsg_rule("allow-all", 200, "Allow", "*", &["*"], &["*"]),
        ];
        assert!(run(shadowed).is_empty());
        // The deny comes after the allow: the allow decides.
        let f = run(vec![
            nsg_rule("deny-ssh", 300, "Deny", "*", &["Internet"], &["22"]),
            nsg_rule("allow-all", 200, "Allow", "*", &["*"], &["*"]),
        ]);
        assert_eq!(rule_names(&f[0]), ["allow-all"]);
    }
}
