//! `azure.keyvault.public_network_access_enabled`: a key vault reachable from every network.

use skywarden_graph::model::AzureKeyVault;
use skywarden_graph::ResourceKind;

use super::common::{key_vault_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.keyvault.public_network_access_enabled",
        title: "Key vault is reachable from all networks",
        description: "`publicNetworkAccess` is `Enabled` or absent (the default) and the firewall's \
                      `networkAcls.defaultAction` is `Allow` or absent (the default): the vault's \
                      endpoint accepts connections from any network (authorization still \
                      applies). `Disabled` (private endpoints only), `SecuredByPerimeter` or a \
                      `Deny` default action is not reported.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AzureKeyvaultVault],
        remediation: "Restrict the vault's firewall to selected networks (`az keyvault update -n \
                      <vault> -g <rg> --default-action Deny`, then add network rules) or disable \
                      public network access and use a private endpoint.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    key_vault_findings(cx, &RULE.meta, AzureKeyVault::public_network_open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::azure::az_key_vault;
    use crate::catalog::testkit::eval_rule;

    fn fires(f: impl FnOnce(&mut AzureKeyVault)) -> bool {
        !eval_rule(&RULE, vec![az_key_vault("kv", f)]).is_empty()
    }

    #[test]
    fn fires_when_open_to_all_networks() {
        use skywarden_graph::model::{NetworkDefaultAction, PublicNetworkAccess};
        assert!(fires(|v| {
            v.public_network_access = None;
            v.network_acls_default_action = None;
        }));
        assert!(fires(|v| {
            v.public_network_access = Some(PublicNetworkAccess::Enabled);
            v.network_acls_default_action = Some(NetworkDefaultAction::Allow);
        }));
    }

    #[test]
    fn passes_when_secure() {
        use skywarden_graph::model::{NetworkDefaultAction, PublicNetworkAccess};
        assert!(!fires(|_| {}));
        assert!(!fires(|v| {
            v.public_network_access = Some(PublicNetworkAccess::Enabled);
            v.network_acls_default_action = Some(NetworkDefaultAction::Deny);
        }));
    }
}
