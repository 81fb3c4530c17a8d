//! `azure.sql.server_firewall_allows_all`: a SQL server whose firewall admits every IPv4
//! address (a rule 0.0.0.0 - 255.255.255.255).

use skywarden_graph::model::SqlFirewallRule;
use skywarden_graph::ResourceKind;

use super::common::{cis, sql_firewall_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.sql.server_firewall_allows_all",
        title: "SQL server firewall allows every IP address",
        description: "A server-level firewall rule starts at 0.0.0.0 and ends at 255.255.255.255: \
                      any host on the internet may connect (authentication still applies). The \
                      0.0.0.0 - 0.0.0.0 rule (\"Allow Azure services\") is \
                      `azure.sql.server_allows_azure_services`'s. A server whose firewall rules \
                      could not be read is not reported.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AzureSqlServer],
        remediation: "Delete the rule and allow only the client ranges that need access (`az sql \
                      server firewall-rule delete -g <rg> -s <server> -n <rule>`), or disable \
                      public network access and use private endpoints.",
        frameworks: &[cis("4.1.2")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    sql_firewall_findings(cx, &RULE.meta, SqlFirewallRule::allows_all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::azure::common::sql_tests::rule;
    use crate::finding::Evidence;

    fn run(rules: Option<Vec<SqlFirewallRule>>) -> Vec<Finding> {
        crate::catalog::azure::common::sql_tests::run(&RULE, rules)
    }

    #[test]
    fn fires_on_a_rule_for_every_address() {
        let f = run(Some(vec![
            rule("office", "198.51.100.0", "198.51.100.255"),
            rule("all", "0.0.0.0", "255.255.255.255"),
        ]));
        assert_eq!(f.len(), 1);
        let Evidence::SqlServerFirewall { rules, .. } = &f[0].evidence else {
            panic!()
        };
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].name, "all");
    }

    #[test]
    fn passes_on_narrow_rules_azure_services_and_unread_rules() {
        assert!(run(Some(vec![
            rule("office", "198.51.100.0", "198.51.100.255"),
            rule("AllowAllWindowsAzureIps", "0.0.0.0", "0.0.0.0"),
            rule("almost", "0.0.0.1", "255.255.255.255"),
        ]))
        .is_empty());
        assert!(run(Some(vec![])).is_empty());
        assert!(run(None).is_empty());
    }
}
