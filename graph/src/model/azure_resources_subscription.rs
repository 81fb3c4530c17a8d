//! `azure_resources_subscription`: an Azure subscription (`GET /subscriptions`). Region
//! `global`; its resource groups are `contained` in it (see [`crate::inventory`]).

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;
use crate::model::azure_common::arm_enum;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureSubscription {
    /// `subscriptionId`, a lowercase GUID.
    pub subscription_id: String,
    pub display_name: Option<String>,
    pub state: Option<SubscriptionState>,
    pub tenant_id: Option<String>,
}

arm_enum! {
    /// `state` of a subscription.
    SubscriptionState {
        Enabled => "Enabled",
        Warned => "Warned",
        PastDue => "PastDue",
        Disabled => "Disabled",
        Deleted => "Deleted",
    }
}

impl AzureSubscription {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
