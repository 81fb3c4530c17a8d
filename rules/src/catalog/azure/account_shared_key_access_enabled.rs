//! `azure.storage.account_shared_key_access_enabled`: a storage account that accepts account-key
//! (shared key) authorization (`allowSharedKeyAccess` not false).

use skywarden_graph::model::AzureStorageAccount;
use skywarden_graph::ResourceKind;

use super::common::{storage_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.storage.account_shared_key_access_enabled",
        title: "Storage account allows shared key authorization",
        description: "`allowSharedKeyAccess` is not false (absent is read as true, the API default): \
                      requests signed with the account keys, and SAS tokens derived from them, \
                      are accepted. Account keys grant full access and are hard to audit or \
                      revoke; Microsoft Entra ID authorization can be required instead.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AzureStorageAccount],
        remediation: "Move clients to Microsoft Entra ID (RBAC) or user delegation SAS, then \
                      `az storage account update -n <account> -g <rg> --allow-shared-key-access \
                      false`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    storage_findings(cx, &RULE.meta, AzureStorageAccount::shared_key_access_enabled)
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
    fn fires_when_shared_key_is_allowed() {
        assert!(fires(|s| s.allow_shared_key_access = Some(true)));
        assert!(fires(|s| s.allow_shared_key_access = None));
    }

    #[test]
    fn passes_when_secure() {
        assert!(!fires(|_| {}));
    }
}
