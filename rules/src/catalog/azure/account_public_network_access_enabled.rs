//! `azure.storage.account_public_network_access_enabled`: a storage account reachable from every
//! network (public network access on and the firewall's default action Allow).

use skywarden_graph::model::AzureStorageAccount;
use skywarden_graph::ResourceKind;

use super::common::{cis, storage_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.storage.account_public_network_access_enabled",
        title: "Storage account is reachable from all networks",
        description: "`publicNetworkAccess` is `Enabled` or absent (the default) and the firewall's \
                      `networkAcls.defaultAction` is `Allow` or absent (the default): any network \
                      on the internet can reach the account's endpoints (authorization still \
                      applies). `publicNetworkAccess` `Disabled` (private endpoints only), \
                      `SecuredByPerimeter`, or a `Deny` default action with selected networks is \
                      not reported.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AzureStorageAccount],
        remediation: "Restrict access to selected networks (`az storage account update -n <account> \
                      -g <rg> --default-action Deny`, then add virtual network or IP rules), or \
                      disable public network access and use private endpoints.",
        frameworks: &[cis("3.7"), cis("3.8")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    storage_findings(cx, &RULE.meta, AzureStorageAccount::public_network_open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testkit::azure::az_storage;
    use crate::catalog::testkit::eval_rule;

    fn fires(f: impl FnOnce(&mut AzureStorageAccount)) -> bool {
        !eval_rule(&RULE, vec![az_storage("acct", f)]).is_empty()
    }

    #[test]
    fn fires_when_open_to_all_networks() {
        use skywarden_graph::model::{NetworkDefaultAction, PublicNetworkAccess};
        assert!(fires(|s| {
            s.public_network_access = None;
            s.network_acls_default_action = None;
        }));
        assert!(fires(|s| {
            s.public_network_access = Some(PublicNetworkAccess::Enabled);
            s.network_acls_default_action = Some(NetworkDefaultAction::Allow);
        }));
    }

    #[test]
    fn passes_when_secure() {
        use skywarden_graph::model::{NetworkDefaultAction, PublicNetworkAccess};
        assert!(!fires(|_| {}));
        // Public access on, but only selected networks.
        assert!(!fires(|s| {
            s.public_network_access = Some(PublicNetworkAccess::Enabled);
            s.network_acls_default_action = Some(NetworkDefaultAction::Deny);
        }));
        assert!(!fires(|s| {
            s.public_network_access = Some(PublicNetworkAccess::Disabled);
            s.network_acls_default_action = Some(NetworkDefaultAction::Allow);
        }));
    }
}
