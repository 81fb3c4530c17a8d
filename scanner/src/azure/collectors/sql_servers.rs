//! `Servers_List`: `GET /subscriptions/{id}/providers/Microsoft.Sql/servers` (api-version
//! 2021-11-01), then `FirewallRules_ListByServer` per server. A server whose firewall rules
//! cannot be read fails the scope (the rules are what the SQL checks read).

use serde::Deserialize;
use skywarden_graph::model::{AzureSqlServer, PublicNetworkAccess, SqlFirewallRule, SqlTlsVersion};
use skywarden_graph::{AccountId, Resource};

use super::{arm_id, resource, Common};
use crate::azure::SubscriptionCx;
use crate::error::CollectError;
use crate::limits::Service;
use crate::sink::Emit;

const API: &str = "2021-11-01";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    #[serde(flatten)]
    common: Common,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    fully_qualified_domain_name: Option<String>,
    #[serde(default)]
    public_network_access: Option<String>,
    #[serde(default)]
    minimal_tls_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FirewallRule {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    properties: FirewallProps,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FirewallProps {
    #[serde(default)]
    start_ip_address: Option<String>,
    #[serde(default)]
    end_ip_address: Option<String>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    let sub = cx.subscription.clone();
    let servers: Vec<Item> = cx
        .list_all(
            Service::ArmSql,
            &format!("/subscriptions/{sub}/providers/Microsoft.Sql/servers"),
            API,
            &[],
        )
        .await?;
    for s in servers {
        let id = arm_id(&s.common.id)?;
        let path = format!("{}/firewallRules", s.common.id.trim_end_matches('/'));
        let path = if path.starts_with('/') { path } else { format!("/{path}") };
        let rules: Vec<FirewallRule> = cx.list_all(Service::ArmSql, &path, API, &[]).await?;
        tracing::trace!(server = %id, rules = rules.len(), "SQL firewall rules");
        out.push(map(&sub, s, rules)?).await;
    }
    Ok(())
}

pub(crate) fn map(
    sub: &AccountId,
    i: Item,
    rules: Vec<FirewallRule>,
) -> Result<Resource, CollectError> {
    let p = i.properties;
    let firewall_rules = rules
        .into_iter()
        .map(|r| SqlFirewallRule {
            name: r.name.unwrap_or_default(),
            start_ip: r.properties.start_ip_address.unwrap_or_default(),
            end_ip: r.properties.end_ip_address.unwrap_or_default(),
        })
        .collect();
    let model = AzureSqlServer {
        version: p.version,
        fully_qualified_domain_name: p.fully_qualified_domain_name,
        public_network_access: p.public_network_access.as_deref().map(PublicNetworkAccess::parse),
        minimal_tls_version: p.minimal_tls_version.as_deref().map(SqlTlsVersion::parse),
        firewall_rules: Some(firewall_rules),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::subscription;

    #[test]
    fn maps_a_server_open_to_the_whole_internet() {
        let i: Item = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/sql1","name":"sql1","location":"westeurope",
                "properties":{"version":"12.0","fullyQualifiedDomainName":"sql1.database.windows.net","publicNetworkAccess":"Enabled","minimalTlsVersion":"1.2"}}"#,
        )
        .unwrap();
        let rules: Vec<FirewallRule> = serde_json::from_str(
            r#"[{"name":"all","properties":{"startIpAddress":"0.0.0.0","endIpAddress":"255.255.255.255"}}]"#,
        )
        .unwrap();
        let r = map(&subscription(), i, rules).unwrap();
        let s = r.model::<AzureSqlServer>().unwrap();
        let rules = s.firewall_rules.as_ref().unwrap();
        assert!(rules[0].allows_all());
        assert!(!rules[0].allows_azure_services());
        assert_eq!(s.public_network_access, Some(PublicNetworkAccess::Enabled));
    }
}
