//! `azure.storage.account_https_only_disabled`: a storage account that accepts plain HTTP
//! (`supportsHttpsTrafficOnly` false).

use skywarden_graph::model::AzureStorageAccount;
use skywarden_graph::ResourceKind;

use super::common::{cis, storage_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.storage.account_https_only_disabled",
        title: "Storage account accepts HTTP (secure transfer not required)",
        description: "`supportsHttpsTrafficOnly` is false: requests over plain HTTP (and SMB without \
                      encryption) are accepted, so data and shared access signatures travel in \
                      clear text. An absent property is read as true, the default since \
                      api-version 2019-04-01.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AzureStorageAccount],
        remediation: "Require secure transfer: `az storage account update -n <account> -g <rg> \
                      --https-only true`.",
        frameworks: &[cis("3.1")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    storage_findings(cx, &RULE.meta, AzureStorageAccount::http_allowed)
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
    fn fires_when_https_is_not_required() {
        assert!(fires(|s| s.supports_https_traffic_only = Some(false)));
    }

    #[test]
    fn passes_when_secure() {
        assert!(!fires(|_| {}));
        assert!(!fires(|s| s.supports_https_traffic_only = None));
    }
}
