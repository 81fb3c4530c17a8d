//! `azure.storage.account_public_blob_access_allowed`: a storage account that lets containers be made
//! public (`allowBlobPublicAccess` true).

use skywarden_graph::model::AzureStorageAccount;
use skywarden_graph::ResourceKind;

use super::common::{cis, storage_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.storage.account_public_blob_access_allowed",
        title: "Storage account allows anonymous (public) blob access",
        description: "`allowBlobPublicAccess` is true: any container of the account can be set to \
                      public read access, and its blobs read anonymously. An absent property is \
                      read as false, the documented default since api-version 2023-01-01 (older \
                      api-versions documented true).",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AzureStorageAccount],
        remediation: "Disallow it: `az storage account update -n <account> -g <rg> \
                      --allow-blob-public-access false` (containers set to public stop serving \
                      anonymous requests).",
        frameworks: &[cis("3.17")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    storage_findings(cx, &RULE.meta, AzureStorageAccount::blob_public_access_allowed)
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
    fn fires_when_blob_public_access_is_allowed() {
        assert!(fires(|s| s.allow_blob_public_access = Some(true)));
    }

    #[test]
    fn passes_when_secure() {
        assert!(!fires(|_| {}));
        assert!(!fires(|s| s.allow_blob_public_access = None));
    }
}
