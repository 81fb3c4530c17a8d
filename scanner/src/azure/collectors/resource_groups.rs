//! `ResourceGroups_List`: `GET /subscriptions/{id}/resourcegroups` (api-version 2021-04-01).

use serde::Deserialize;
use skywarden_graph::model::AzureResourceGroup;
use skywarden_graph::{AccountId, Resource};

use super::{resource, Common};
use crate::azure::SubscriptionCx;
use crate::error::CollectError;
use crate::limits::Service;
use crate::sink::Emit;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    #[serde(flatten)]
    common: Common,
    #[serde(default)]
    managed_by: Option<String>,
    #[serde(default)]
    properties: Props,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    #[serde(default)]
    provisioning_state: Option<String>,
}

pub async fn fetch(cx: &SubscriptionCx, out: &mut Emit) -> Result<(), CollectError> {
    cx.list_each(Service::ArmResources, "resourcegroups", "2021-04-01", out, map).await
}

pub(crate) fn map(sub: &AccountId, i: Item) -> Result<Resource, CollectError> {
    resource(
        sub,
        &i.common,
        AzureResourceGroup {
            provisioning_state: i.properties.provisioning_state,
            managed_by: i.managed_by,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::collectors::testdata::mapped;

    #[test]
    fn maps_the_published_example() {
        let rs = mapped::<Item>(include_str!("testdata/ResourceGroups_List.json"), map);
        assert_eq!(rs.len(), 1);
        let g = rs[0].model::<AzureResourceGroup>().unwrap();
        assert_eq!(g.provisioning_state.as_deref(), Some("Succeeded"));
        assert_eq!(rs[0].name.as_deref(), Some("my-resource-group"));
        assert_eq!(rs[0].region.as_str(), "westus2");
    }
}
