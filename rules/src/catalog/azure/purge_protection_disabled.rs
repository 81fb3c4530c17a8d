//! `azure.keyvault.purge_protection_disabled`: a key vault without purge protection.

use skywarden_graph::ResourceKind;

use super::common::{cis, key_vault_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.keyvault.purge_protection_disabled",
        title: "Key vault purge protection is disabled",
        description: "`enablePurgeProtection` is not true (absent means off): a deleted vault or \
                      key can be purged before its soft-delete retention ends, so a compromised \
                      or mistaken administrator can destroy keys for good (and with them every \
                      disk, storage account or database encrypted with them).",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AzureKeyvaultVault],
        remediation: "Enable purge protection (it cannot be turned off again): `az keyvault update \
                      -n <vault> -g <rg> --enable-purge-protection true`.",
        frameworks: &[cis("8.5")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    key_vault_findings(cx, &RULE.meta, |v| !v.purge_protection_enabled())
}

#[cfg(test)]
mod tests {
    use super::*;
    use skywarden_graph::model::AzureKeyVault;
    use crate::catalog::testkit::azure::az_key_vault;
    use crate::catalog::testkit::eval_rule;

    fn fires(f: impl FnOnce(&mut AzureKeyVault)) -> bool {
        !eval_rule(&RULE, vec![az_key_vault("kv", f)]).is_empty()
    }

    #[test]
    fn fires_when_purge_protection_is_off_or_absent() {
        assert!(fires(|v| v.enable_purge_protection = Some(false)));
        assert!(fires(|v| v.enable_purge_protection = None));
    }

    #[test]
    fn passes_when_secure() {
        assert!(!fires(|_| {}));
    }
}
