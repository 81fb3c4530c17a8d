//! What the estate holds and what Skywarden must conclude from it, written independently of
//! the graph and rules crates (this crate depends on neither).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The tag keys the estate's tagging is planned around: every taggable resource carries both,
/// except those in [`GroundTruth::missing_required_tags`]. The default rule config requires
/// no tags, so `azure.tagging.resource_missing_required_tags` reports nothing by default;
/// with `[rules.tag_policy] required = ["owner", "environment"]` it reports exactly
/// [`GroundTruth::missing_required_tags`].
pub const REQUIRED_TAGS: [&str; 2] = ["owner", "environment"];

/// Ground truth of one estate. Every id is an ARM id in lower case; kinds and edge kinds are
/// Skywarden's snake_case names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub tenant_id: String,
    /// Ids (GUIDs) of the subscriptions `GET /subscriptions` lists.
    pub subscriptions: Vec<String>,
    /// Kind -> ids of that kind (subscriptions, resource groups and subnets included).
    pub resources: BTreeMap<String, BTreeSet<String>>,
    /// (from, edge kind, to), as the graph derives them from the payloads' references and
    /// from the ids (subscription -> group -> top-level resource).
    pub edges: BTreeSet<(String, String, String)>,
    /// Rule id -> the resources it reports under the default rule config. Every Azure rule
    /// has an entry, empty when it reports nothing.
    pub findings: BTreeMap<String, BTreeSet<String>>,
    /// VM id -> the ports open end to end from the internet through the VM's own public IP
    /// (TCP and UDP ports together; in this estate no port is open on both).
    pub exposed: BTreeMap<String, BTreeSet<u16>>,
    /// VM id -> `PowerState/<state>` code of its instance view (`running`, `stopped`,
    /// `deallocated`).
    pub power_states: BTreeMap<String, String>,
    /// Taggable resources lacking one of [`REQUIRED_TAGS`]: what
    /// `azure.tagging.resource_missing_required_tags` reports when the tag policy requires
    /// them (not the default).
    #[serde(default)]
    pub missing_required_tags: BTreeSet<String>,
}

impl GroundTruth {
    pub(crate) fn add_resource(&mut self, kind: &str, id: &str) {
        self.resources
            .entry(kind.to_string())
            .or_default()
            .insert(id.to_ascii_lowercase());
    }

    pub(crate) fn add_finding(&mut self, rule: &str, id: &str) {
        self.findings
            .entry(rule.to_string())
            .or_default()
            .insert(id.to_ascii_lowercase());
    }

    /// Every resource id of the estate, whatever its kind.
    pub fn all_ids(&self) -> BTreeSet<&str> {
        self.resources
            .values()
            .flat_map(|s| s.iter().map(String::as_str))
            .collect()
    }

    /// The kind of `id` (lower case), if it is in the estate.
    pub fn kind_of(&self, id: &str) -> Option<&str> {
        let id = id.to_ascii_lowercase();
        self.resources
            .iter()
            .find(|(_, ids)| ids.contains(&id))
            .map(|(k, _)| k.as_str())
    }

    /// How many resources the estate holds.
    pub fn resource_count(&self) -> usize {
        self.resources.values().map(BTreeSet::len).sum()
    }
}
