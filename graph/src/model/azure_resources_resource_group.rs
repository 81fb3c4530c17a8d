//! `azure_resources_resource_group`: a resource group (`GET /subscriptions/{id}/resourcegroups`).
//! Its subscription `contains` it and it `contains` its top-level resources; both edges come
//! from the ids (see [`crate::inventory`]), not from fields.

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureResourceGroup {
    /// `properties.provisioningState`, e.g. `Succeeded`, `Deleting`.
    pub provisioning_state: Option<String>,
    /// `managedBy`: the resource that manages the group (managed applications, AKS node
    /// resource groups), as ARM sent it.
    pub managed_by: Option<String>,
}

impl AzureResourceGroup {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
