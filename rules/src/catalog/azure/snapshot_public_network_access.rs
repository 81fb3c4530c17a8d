//! `azure.compute.snapshot_public_network_access`: a snapshot that can be exported (through a
//! SAS URI) from any network.

use skywarden_graph::model::AzureSnapshot;
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use super::common::snapshot_evidence;
use crate::finding::Finding;
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure.compute.snapshot_public_network_access",
        title: "Snapshot can be exported from any network",
        description: "The snapshot's `networkAccessPolicy` is `AllowAll` or its \
                      `publicNetworkAccess` is `Enabled`: anyone who obtains a SAS URI for it \
                      (granted by `Microsoft.Compute/snapshots/beginGetAccess`) can download the \
                      whole disk image from the internet. Only explicit values are read; both \
                      absent is not reported.",
        severity: Severity::High,
        category: Category::Security,
        kinds: &[ResourceKind::AzureComputeSnapshot],
        remediation: "Restrict export to a disk access resource (private endpoint) or deny it: \
                      `az snapshot update -g <rg> -n <snapshot> --network-access-policy DenyAll \
                      --public-network-access Disabled`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<AzureSnapshot>()
        .filter(|(_, s)| s.publicly_exportable())
        .map(|(r, s)| Finding::new(&RULE.meta, r, "", snapshot_evidence(cx, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{NetworkAccessPolicy, PublicNetworkAccess};

    use super::*;
    use crate::catalog::testkit::azure::{az_snapshot, snapshot_id};
    use crate::catalog::testkit::eval_rule;

    #[test]
    fn fires_on_allow_all_or_public_access() {
        let f = eval_rule(
            &RULE,
            vec![
                az_snapshot("allow-all", |s| {
                    s.network_access_policy = Some(NetworkAccessPolicy::AllowAll)
                }),
                az_snapshot("public", |s| {
                    s.network_access_policy = Some(NetworkAccessPolicy::DenyAll);
                    s.public_network_access = Some(PublicNetworkAccess::Enabled);
                }),
            ],
        );
        let ids: Vec<_> = f.iter().map(|x| x.resource_id.clone()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&snapshot_id("allow-all")) && ids.contains(&snapshot_id("public")));
    }

    #[test]
    fn passes_on_private_or_unset_snapshots() {
        let f = eval_rule(
            &RULE,
            vec![
                az_snapshot("private", |s| {
                    s.network_access_policy = Some(NetworkAccessPolicy::AllowPrivate);
                    s.public_network_access = Some(PublicNetworkAccess::Disabled);
                }),
                az_snapshot("unset", |_| {}),
            ],
        );
        assert!(f.is_empty());
    }
}
