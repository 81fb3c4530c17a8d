//! `azure.sql.server_allows_azure_services`: a SQL server with the "Allow Azure services and
//! resources to access this server" rule (0.0.0.0 - 0.0.0.0).

use skywarden_graph::model::SqlFirewallRule;
use skywarden_graph::ResourceKind;

use super::common::{cis, sql_firewall_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.sql.server_allows_azure_services",
        title: "SQL server allows access from all Azure services",
        description: "A server-level firewall rule runs from 0.0.0.0 to 0.0.0.0 (usually \
                      `AllowAllWindowsAzureIps`, the portal's \"Allow Azure services and resources \
                      to access this server\"): connections from any Azure resource, including \
                      other customers' subscriptions, pass the firewall. A server whose firewall \
                      rules could not be read is not reported.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AzureSqlServer],
        remediation: "Turn the switch off (`az sql server firewall-rule delete -g <rg> -s <server> -n \
                      AllowAllWindowsAzureIps`) and allow the specific addresses or virtual \
                      networks (VNet rules, private endpoints) that need access.",
        frameworks: &[cis("4.1.2")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    sql_firewall_findings(cx, &RULE.meta, SqlFirewallRule::allows_azure_services)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::azure::common::sql_tests::rule;

    fn run(rules: Option<Vec<SqlFirewallRule>>) -> Vec<Finding> {
        crate::catalog::azure::common::sql_tests::run(&RULE, rules)
    }

    #[test]
    fn fires_on_the_azure_services_rule() {
        let f = run(Some(vec![rule("AllowAllWindowsAzureIps", "0.0.0.0", "0.0.0.0")]));
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn passes_otherwise() {
        assert!(run(Some(vec![
            rule("all", "0.0.0.0", "255.255.255.255"),
            rule("office", "198.51.100.7", "198.51.100.7"),
        ]))
        .is_empty());
        assert!(run(None).is_empty());
    }
}
