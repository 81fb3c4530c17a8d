//! `azure_compute_virtual_machine`: a virtual machine with its power state (from the
//! instance view), network interfaces and managed disks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};
use crate::model::azure_common::{arm_enum, OsType};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureVirtualMachine {
    /// `properties.vmId`, the VM's unique GUID.
    pub vm_id: Option<String>,
    /// `hardwareProfile.vmSize`, e.g. `Standard_D2s_v5`.
    pub vm_size: Option<String>,
    /// From the instance view's `PowerState/...` status; `None` when the scan did not read it.
    pub power_state: Option<PowerState>,
    /// `storageProfile.osDisk.osType`.
    pub os_type: Option<OsType>,
    /// `networkProfile.networkInterfaces[].id`.
    pub network_interfaces: Vec<ResourceId>,
    /// `storageProfile.osDisk.managedDisk.id`; `None` for an unmanaged (VHD) OS disk.
    pub os_disk: Option<ResourceId>,
    /// `storageProfile.dataDisks[].managedDisk.id`.
    pub data_disks: Vec<ResourceId>,
    pub provisioning_state: Option<String>,
    pub time_created: Option<DateTime<Utc>>,
    /// Availability zones (`zones`).
    pub zones: Vec<String>,
}

arm_enum! {
    /// The `PowerState/<state>` code of a VM's instance view.
    PowerState {
        Starting => "starting",
        Running => "running",
        Stopping => "stopping",
        /// Stopped from inside the guest or without deallocation: compute still bills.
        Stopped => "stopped",
        Deallocating => "deallocating",
        /// Compute released and not billed; disks and public IPs still bill.
        Deallocated => "deallocated",
        Unknown => "unknown",
    }
}

impl PowerState {
    /// From an instance-view status code: `PowerState/running` -> `Running`. `None` for a
    /// status that is not a power state (e.g. `ProvisioningState/succeeded`).
    pub fn from_status_code(code: &str) -> Option<Self> {
        let (kind, state) = code.split_once('/')?;
        kind.eq_ignore_ascii_case("PowerState")
            .then(|| PowerState::parse(state))
    }
}

impl AzureVirtualMachine {
    pub fn references(&self) -> Vec<Reference> {
        // The interfaces and disks also name the VM (`attached_to`); both sides give one edge.
        self.network_interfaces
            .iter()
            .chain(self.disks())
            .map(|t| Reference::incoming(EdgeKind::AttachedTo, t.clone()))
            .collect()
    }

    /// The OS disk (if managed) then the data disks.
    pub fn disks(&self) -> impl Iterator<Item = &ResourceId> {
        self.os_disk.iter().chain(&self.data_disks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_state_from_instance_view_codes() {
        assert_eq!(
            PowerState::from_status_code("PowerState/running"),
            Some(PowerState::Running)
        );
        assert_eq!(
            PowerState::from_status_code("PowerState/deallocated"),
            Some(PowerState::Deallocated)
        );
        assert_eq!(
            PowerState::from_status_code("PowerState/hibernated"),
            Some(PowerState::Other("hibernated".into()))
        );
        assert_eq!(
            PowerState::from_status_code("ProvisioningState/succeeded"),
            None
        );
        assert_eq!(PowerState::from_status_code("running"), None);
    }
}
