//! `azure.storage.account_tls_below_1_2`: a storage account that accepts TLS 1.0 or 1.1
//! (`minimumTlsVersion` TLS1_0, TLS1_1 or absent).

use skywarden_graph::model::AzureStorageAccount;
use skywarden_graph::ResourceKind;

use super::common::{cis, storage_findings};
use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.storage.account_tls_below_1_2",
        title: "Storage account accepts TLS below 1.2",
        description: "`minimumTlsVersion` is `TLS1_0` or `TLS1_1`, or absent, which the API reads as \
                      `TLS1_0` (accounts created outside the portal). TLS 1.0 and 1.1 have known \
                      weaknesses. A value this version does not know is not reported.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AzureStorageAccount],
        remediation: "Set the minimum to TLS 1.2: `az storage account update -n <account> -g <rg> \
                      --min-tls-version TLS1_2` (clients still on TLS 1.0/1.1 will fail).",
        frameworks: &[cis("3.15")],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    storage_findings(cx, &RULE.meta, AzureStorageAccount::tls_below_1_2)
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
    fn fires_when_tls_1_0_1_1_or_absent() {
        use skywarden_graph::model::TlsVersion;
        assert!(fires(|s| s.minimum_tls_version = Some(TlsVersion::Tls1_0)));
        assert!(fires(|s| s.minimum_tls_version = Some(TlsVersion::Tls1_1)));
        assert!(fires(|s| s.minimum_tls_version = None));
    }

    #[test]
    fn passes_when_secure() {
        use skywarden_graph::model::TlsVersion;
        assert!(!fires(|_| {}));
        assert!(!fires(|s| s.minimum_tls_version = Some(TlsVersion::Tls1_3)));
    }
}
