//! `azure.keyvault.soft_delete_disabled`: a key vault with soft delete switched off.

use skywarden_graph::ResourceKind;

use super::common::{cis, key_vault_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.keyvault.soft_delete_disabled",
        title: "Key vault soft delete is disabled",
        description: "`enableSoftDelete` is false: deleted vaults, keys, secrets and certificates \
                      are gone at once instead of being recoverable for the retention period. An \
                      absent property is read as true (soft delete is on for every vault since \
                      2020 and cannot be disabled on new ones), so only an explicit false is \
                      reported.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AzureKeyvaultVault],
        remediation: "Enable soft delete: `az keyvault update -n <vault> -g <rg> --enable-soft-delete \
                      true` (and purge protection with it).",
        frameworks: &[cis("8.5")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    key_vault_findings(cx, &RULE.meta, |v| !v.soft_delete_enabled())
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
    fn fires_when_soft_delete_is_off() {
        assert!(fires(|v| v.enable_soft_delete = Some(false)));
    }

    #[test]
    fn passes_when_secure() {
        assert!(!fires(|_| {}));
        assert!(!fires(|v| v.enable_soft_delete = None));
    }
}
