//! One inventoried resource: identity, placement, tags and typed properties.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Region, ResourceId};
use crate::kind::ResourceKind;
use crate::model::{Model, Properties};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: ResourceId,
    pub account_id: AccountId,
    pub region: Region,
    pub name: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Serialised as `"kind": "...", "properties": {...}`.
    #[serde(flatten)]
    pub properties: Properties,
}

impl Resource {
    pub fn new<M: Model>(
        id: ResourceId,
        account_id: AccountId,
        region: Region,
        tags: BTreeMap<String, String>,
        model: M,
    ) -> Self {
        let name = tags.get("Name").cloned();
        Resource {
            id,
            account_id,
            region,
            name,
            tags,
            properties: model.into_properties(),
        }
    }
    /// The same resource with `name` (Azure resources carry their ARM `name`, not a tag).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    pub fn kind(&self) -> ResourceKind {
        self.properties.kind()
    }
    /// The typed model if this resource is of kind `M`.
    pub fn model<M: Model>(&self) -> Option<&M> {
        M::from_properties(&self.properties)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Vpc;

    #[test]
    fn document_round_trips_with_kind_tag() {
        let r = Resource::new(
            "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1"
                .parse()
                .unwrap(),
            "123456789012".parse().unwrap(),
            "us-east-1".parse().unwrap(),
            BTreeMap::from([("Name".to_string(), "gov-vpc".to_string())]),
            Vpc {
                vpc_id: "vpc-1".into(),
                cidr_block: Some("10.0.0.0/16".into()),
                is_default: false,
                state: None,
            },
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["kind"], "aws_ec2_vpc");
        assert_eq!(v["properties"]["vpc_id"], "vpc-1");
        assert_eq!(v["name"], "gov-vpc");
        let back: Resource = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.model::<Vpc>().unwrap().vpc_id, "vpc-1");
    }

    #[test]
    fn document_with_wrong_shape_is_an_error() {
        let bad = serde_json::json!({"id": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1",
            "account_id": "123456789012", "region": "us-east-1", "name": null, "tags": {},
            "kind": "aws_ec2_vpc", "properties": {"vpc_id": 5}});
        assert!(serde_json::from_value::<Resource>(bad).is_err());
    }
}
