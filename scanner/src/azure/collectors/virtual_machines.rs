//! `VirtualMachines_ListAll` (`GET /subscriptions/{id}/providers/Microsoft.Compute/virtualMachines`,
//! api-version 2025-04-01) for the model, and the same listing with `statusOnly=true` for
//! the power states (the instance view's `PowerState/...` status), joined by id.

use std::collections::HashMap;

use serde::Deserialize;
use skywarden_graph::model::{AzureVirtualMachine, OsType, PowerState};
use skywarden_graph::{AccountId, Resource, ResourceId};

use super::{arm_id, resource, sub_id, time, Common, SubResource};
use crate::azure::SubscriptionCx;
use crate::error::CollectError;
use crate::limits::Service;
use crate::sink::Emit;

const PATH: &str = "providers/Microsoft.Compute/virtualMachines";
const API: &str = "2025-04-01";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    #[serde(flatten)]
    common: Common,
    #[serde(default)]
    zones: Option<Vec<String>>,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default)]
    vm_id: Option<String>,
    #[serde(default)]
    hardware_profile: Option<HardwareProfile>,
    #[serde(default)]
    storage_profile: Option<StorageProfile>,
    #[serde(default)]
    network_profile: Option<NetworkProfile>,
    #[serde(default)]
    provisioning_state: Option<String>,
    #[serde(default)]
    time_created: Option<String>,
    #[serde(default)]
    instance_view: Option<InstanceView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HardwareProfile {
    #[serde(default)]
    vm_size: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StorageProfile {
    #[serde(default)]
    os_disk: Option<OsDisk>,
    #[serde(default)]
    data_disks: Option<Vec<DataDisk>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OsDisk {
    #[serde(default)]
    os_type: Option<String>,
    #[serde(default)]
    managed_disk: Option<SubResource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataDisk {
    #[serde(default)]
    managed_disk: Option<SubResource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NetworkProfile {
    #[serde(default)]
    network_interfaces: Option<Vec<SubResource>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstanceView {
    #[serde(default)]
    statuses: Option<Vec<Status>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    #[serde(default)]
    code: Option<String>,
}

/// A `statusOnly=true` item: the id and the instance view.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusItem {
    id: String,
    #[serde(default)]
    properties: Option<StatusProps>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusProps {
    #[serde(default)]
    instance_view: Option<InstanceView>,
}

fn power_state(view: Option<&InstanceView>) -> Option<PowerState> {
    view?
        .statuses
        .iter()
        .flatten()
        .filter_map(|s| s.code.as_deref())
        .find_map(PowerState::from_status_code)
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    let sub = cx.subscription.clone();
    let statuses: Vec<StatusItem> = cx
        .list_all(
            Service::ArmCompute,
            &format!("/subscriptions/{sub}/{PATH}"),
            API,
            &[("statusOnly", "true")],
        )
        .await?;
    let mut power: HashMap<ResourceId, PowerState> = HashMap::new();
    for s in statuses {
        let view = s.properties.as_ref().and_then(|p| p.instance_view.as_ref());
        if let Some(state) = power_state(view) {
            power.insert(arm_id(&s.id)?, state);
        }
    }
    cx.list_into(Service::ArmCompute, PATH, API, &[], out, |i: Item| {
        map(&sub, i, &power).map(Some)
    })
    .await
}

pub(crate) fn map(
    sub: &AccountId,
    i: Item,
    power: &HashMap<ResourceId, PowerState>,
) -> Result<Resource, CollectError> {
    let id = arm_id(&i.common.id)?;
    let p = i.properties;
    let storage = p.storage_profile.unwrap_or_default();
    let os = storage.os_disk.unwrap_or_default();
    let mut data_disks = Vec::new();
    for d in storage.data_disks.iter().flatten() {
        if let Some(id) = sub_id(&d.managed_disk)? {
            data_disks.push(id);
        }
    }
    let nics = super::sub_ids(&p.network_profile.unwrap_or_default().network_interfaces)?;
    let model = AzureVirtualMachine {
        vm_id: p.vm_id,
        vm_size: p.hardware_profile.and_then(|h| h.vm_size),
        power_state: power
            .get(&id)
            .cloned()
            .or_else(|| power_state(p.instance_view.as_ref())),
        os_type: os.os_type.as_deref().map(OsType::parse),
        network_interfaces: nics,
        os_disk: sub_id(&os.managed_disk)?,
        data_disks,
        provisioning_state: p.provisioning_state,
        time_created: time(&p.time_created),
        zones: i.zones.unwrap_or_default(),
    };
    resource(sub, &i.common, model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::{items, subscription};

    #[test]
    fn maps_the_published_example_with_its_interfaces() {
        let items = items::<Item>(include_str!("testdata/VirtualMachines_ListByLocation.json"));
        let vm = map(&subscription(), items.into_iter().next().unwrap(), &HashMap::new()).unwrap();
        let m = vm.model::<AzureVirtualMachine>().unwrap();
        assert_eq!(m.vm_size.as_deref(), Some("Standard_A0"));
        assert_eq!(m.os_type, Some(OsType::Windows));
        assert_eq!(m.network_interfaces.len(), 1);
        // An unmanaged (VHD) OS disk has no managed disk id.
        assert_eq!(m.os_disk, None);
        assert_eq!(m.power_state, None);
        assert_eq!(vm.region.as_str(), "eastus");
    }

    #[test]
    fn the_minimal_item_maps_and_power_state_comes_from_the_status_listing() {
        let items = items::<Item>(include_str!("testdata/VirtualMachines_ListAll.json"));
        let first = items.into_iter().next().unwrap();
        let id = arm_id(&first.common.id).unwrap();
        let power = HashMap::from([(id, PowerState::Deallocated)]);
        let vm = map(&subscription(), first, &power).unwrap();
        let m = vm.model::<AzureVirtualMachine>().unwrap();
        assert_eq!(m.power_state, Some(PowerState::Deallocated));
        assert!(m.network_interfaces.is_empty());
    }

    #[test]
    fn power_state_is_read_from_instance_view_codes() {
        let s: StatusItem = serde_json::from_str(
            r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v",
                "properties":{"instanceView":{"statuses":[{"code":"ProvisioningState/succeeded"},{"code":"PowerState/running"}]}}}"#,
        )
        .unwrap();
        let view = s.properties.as_ref().and_then(|p| p.instance_view.as_ref());
        assert_eq!(power_state(view), Some(PowerState::Running));
        assert_eq!(power_state(None), None);
    }
}
