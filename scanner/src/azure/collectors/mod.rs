//! Azure collectors: one file per ARM list operation, one registry line per collector.
//!
//! Each file has `fetch` (list the subscription-wide collection, following `nextLink`; push
//! every mapped item into the scope's [`Emit`]; no retries: [`super::arm::Arm::get`] owns
//! retry and throttling) and a pure `map` from the ARM JSON shape (private serde structs) to
//! the typed model, unit-tested against Microsoft's published response examples.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use serde::Deserialize;
use skywarden_graph::model::Model;
use skywarden_graph::{AccountId, Region, Resource, ResourceId, ResourceKind};

use super::SubscriptionCx;
use crate::error::CollectError;
use crate::sink::Emit;

/// The future a collector returns (see the AWS collectors).
pub type CollectFuture<'a> = BoxFuture<'a, Result<(), CollectError>>;

/// One collector: the kinds it fills (coverage is recorded for each), the ARM operations it
/// calls, and its fetch.
#[derive(Clone, Copy)]
pub struct Collector {
    pub kinds: &'static [ResourceKind],
    pub operations: &'static [&'static str],
    pub run: for<'a> fn(&'a SubscriptionCx, &'a mut Emit) -> CollectFuture<'a>,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("kinds", &self.kinds)
            .field("operations", &self.operations)
            .finish()
    }
}

macro_rules! registry {
    ( $( $module:ident => [$($kind:ident),+], [$($op:literal),+ $(,)?]; )* ) => {
        $( pub mod $module; )*
        /// Every Azure collector (the subscription itself comes from the tenant listing).
        pub static ALL: &[Collector] = &[
            $( Collector {
                kinds: &[$(ResourceKind::$kind),+],
                operations: &[$($op),+],
                run: |cx, out| Box::pin($module::fetch(cx, out)),
            }, )*
        ];
    };
}

registry! {
    resource_groups => [AzureResourcesResourceGroup], ["ResourceGroups_List"];
    virtual_machines => [AzureComputeVirtualMachine], ["VirtualMachines_ListAll", "VirtualMachines_ListAll(statusOnly)"];
    disks => [AzureComputeDisk], ["Disks_List"];
    snapshots => [AzureComputeSnapshot], ["Snapshots_List"];
    network_interfaces => [AzureNetworkInterface], ["NetworkInterfaces_ListAll"];
    public_ip_addresses => [AzureNetworkPublicIpAddress], ["PublicIPAddresses_ListAll"];
    virtual_networks => [AzureNetworkVirtualNetwork, AzureNetworkSubnet], ["VirtualNetworks_ListAll"];
    network_security_groups => [AzureNetworkSecurityGroup], ["NetworkSecurityGroups_ListAll"];
    load_balancers => [AzureNetworkLoadBalancer], ["LoadBalancers_ListAll"];
    storage_accounts => [AzureStorageAccount], ["StorageAccounts_List"];
    vaults => [AzureKeyvaultVault], ["Vaults_ListBySubscription"];
    sql_servers => [AzureSqlServer], ["Servers_List", "FirewallRules_ListByServer"];
}

/// Every Azure kind the scanner fills, the subscription included.
pub fn kinds() -> impl Iterator<Item = ResourceKind> {
    std::iter::once(ResourceKind::AzureResourcesSubscription)
        .chain(ALL.iter().flat_map(|c| c.kinds.iter().copied()))
}

/// The fields every tracked ARM resource has.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Common {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
}

/// `{"id": "..."}` references.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SubResource {
    #[serde(default)]
    pub id: Option<String>,
}

/// `sku: {name, tier}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Sku {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
}

/// Parses an ARM id the API returned; a malformed id fails the scope (never a silent skip,
/// which would later look like a deletion).
pub(crate) fn arm_id(s: &str) -> Result<ResourceId, CollectError> {
    ResourceId::azure(s).map_err(|e| CollectError::decode(format!("resource id {s:?}: {e}")))
}

/// An optional reference.
pub(crate) fn sub_id(r: &Option<SubResource>) -> Result<Option<ResourceId>, CollectError> {
    match r.as_ref().and_then(|r| r.id.as_deref()) {
        Some(s) if !s.trim().is_empty() => arm_id(s).map(Some),
        _ => Ok(None),
    }
}

/// A list of references.
pub(crate) fn sub_ids(rs: &Option<Vec<SubResource>>) -> Result<Vec<ResourceId>, CollectError> {
    let mut out = Vec::new();
    for r in rs.iter().flatten() {
        if let Some(s) = r.id.as_deref().filter(|s| !s.trim().is_empty()) {
            out.push(arm_id(s)?);
        }
    }
    Ok(out)
}

/// An ARM location as a region (`West Europe` -> `westeurope`); `global` when absent.
pub(crate) fn location(loc: Option<&str>) -> Result<Region, CollectError> {
    // ARM spells locations `westeurope`; display names (`West Europe`) and staging names
    // (`eastus2(stage)`) are reduced to letters and digits.
    let norm = |l: &str| -> String {
        l.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    match loc.map(norm) {
        None => Ok(Region::global()),
        Some(l) if l.is_empty() => Ok(Region::global()),
        Some(l) => l
            .parse()
            .map_err(|e| CollectError::decode(format!("location {l:?}: {e}"))),
    }
}

/// The resource of an ARM item: id, subscription, location, tags and name.
pub(crate) fn resource<M: Model>(
    subscription: &AccountId,
    common: &Common,
    model: M,
) -> Result<Resource, CollectError> {
    let id = arm_id(&common.id)?;
    let r = Resource::new(
        id,
        subscription.clone(),
        location(common.location.as_deref())?,
        common.tags.clone().unwrap_or_default(),
        model,
    );
    Ok(match &common.name {
        Some(n) => r.named(n.clone()),
        None => r,
    })
}

/// ARM timestamps (`2024-01-01T10:00:00.1234567+00:00`).
pub(crate) fn time(s: &Option<String>) -> Option<chrono::DateTime<chrono::Utc>> {
    s.as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
pub(crate) mod testdata {
    //! Microsoft's published response examples (Azure/azure-rest-api-specs, MIT), the
    //! `responses.200.body` of each; the README beside them says where each comes from.
    use super::*;

    pub fn subscription() -> AccountId {
        "00000000-0000-4000-8000-000000000001".parse().unwrap()
    }

    /// Every item of a fixture mapped into a resource (panics on a map error).
    pub fn mapped<T: serde::de::DeserializeOwned>(
        json: &str,
        map: fn(&AccountId, T) -> Result<Resource, CollectError>,
    ) -> Vec<Resource> {
        items::<T>(json)
            .into_iter()
            .map(|i| map(&subscription(), i).unwrap())
            .collect()
    }

    /// Every item of a fixture's `value`, decoded as `T`.
    pub fn items<T: serde::de::DeserializeOwned>(json: &str) -> Vec<T> {
        #[derive(Deserialize)]
        struct Page<T> {
            value: Vec<T>,
        }
        serde_json::from_str::<Page<T>>(json).unwrap().value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_covers_every_azure_kind_once() {
        let mut seen = std::collections::BTreeSet::new();
        for k in kinds() {
            assert!(seen.insert(k), "{k} registered twice");
        }
        for k in ResourceKind::ALL {
            if k.provider() == skywarden_graph::Provider::Azure {
                assert!(seen.contains(k), "no collector fills {k}");
            }
        }
    }

    #[test]
    fn locations_and_ids_parse_leniently_but_never_silently() {
        assert_eq!(
            location(Some("West Europe")).unwrap().as_str(),
            "westeurope"
        );
        assert_eq!(location(None).unwrap(), Region::global());
        assert!(arm_id("not an id").is_err());
        assert_eq!(
            arm_id("Subscriptions/X/resourceGroups/RG/providers/Microsoft.Compute/disks/D")
                .unwrap()
                .as_str(),
            "/subscriptions/x/resourcegroups/rg/providers/microsoft.compute/disks/d"
        );
    }
}
