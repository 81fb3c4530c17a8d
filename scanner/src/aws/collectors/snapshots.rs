//! `ec2:DescribeSnapshots` -> `aws_ebs_snapshot`.
//!
//! Two listings per region: the account's snapshots (`OwnerIds=self`), and the ones among
//! them restorable by everyone (`OwnerIds=self, RestorableByUserIds=all`), which marks public
//! snapshots without one `DescribeSnapshotAttribute` call per snapshot. Stock moto ignores
//! both parameters (it would report every snapshot as public); the project's emulator wrapper
//! (`testing/aws-emulator/moto_clock.py`) makes moto honour them as AWS does.

use std::collections::HashSet;

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{Snapshot, SnapshotState, SnapshotStorageTier};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

/// AWS's placeholder source volume of snapshots not taken from a volume of this account
/// (copies, snapshots created by AWS services).
const NO_VOLUME: &str = "vol-ffffffff";

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut public = HashSet::new();
    let mut pages = cx
        .ec2
        .describe_snapshots()
        .owner_ids("self")
        .restorable_by_user_ids("all")
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for s in page.map_err(classify)?.snapshots() {
            if let Some(id) = s.snapshot_id() {
                public.insert(id.to_string());
            }
        }
    }
    let mut pages = cx
        .ec2
        .describe_snapshots()
        .owner_ids("self")
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.snapshots() {
            let is_public = item.snapshot_id().is_some_and(|id| public.contains(id));
            out.push(map(&cx.map, item, is_public)?).await;
        }
    }
    Ok(())
}

fn state(s: Option<&sdk::SnapshotState>) -> SnapshotState {
    match s {
        Some(sdk::SnapshotState::Pending) => SnapshotState::Pending,
        Some(sdk::SnapshotState::Completed) => SnapshotState::Completed,
        Some(sdk::SnapshotState::Error) => SnapshotState::Error,
        Some(sdk::SnapshotState::Recoverable) => SnapshotState::Recoverable,
        Some(sdk::SnapshotState::Recovering) => SnapshotState::Recovering,
        _ => SnapshotState::Unknown,
    }
}

fn tier(t: Option<&sdk::StorageTier>) -> SnapshotStorageTier {
    match t {
        // EC2 omits the tier for snapshots that were never archived.
        Some(sdk::StorageTier::Standard) | None => SnapshotStorageTier::Standard,
        Some(sdk::StorageTier::Archive) => SnapshotStorageTier::Archive,
        Some(_) => SnapshotStorageTier::Unknown,
    }
}

/// Maps one snapshot; `public` comes from the `RestorableByUserIds=all` listing.
pub fn map(cx: &MapCx, s: &sdk::Snapshot, public: bool) -> Result<Resource, CollectError> {
    let id = required(s.snapshot_id(), "SnapshotId")?;
    let volume = match s.volume_id().filter(|v| !v.is_empty() && *v != NO_VOLUME) {
        Some(v) => Some(cx.ec2_id("volume", v)?),
        None => None,
    };
    let model = Snapshot {
        snapshot_id: id.to_string(),
        volume,
        volume_size_gib: s.volume_size().unwrap_or(0),
        encrypted: s.encrypted().unwrap_or(false),
        kms_key_id: s.kms_key_id().map(str::to_string),
        state: state(s.state()),
        start_time: datetime(s.start_time()),
        description: s.description().filter(|d| !d.is_empty()).map(str::to_string),
        storage_tier: tier(s.storage_tier()),
        public,
    };
    Ok(Resource::new(
        cx.ec2_id("snapshot", id)?,
        cx.account.clone(),
        cx.region.clone(),
        tags(s.tags()),
        model,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::{cx, tag};

    #[test]
    fn maps_a_snapshot_with_its_source_volume() {
        let s = sdk::Snapshot::builder()
            .snapshot_id("snap-1")
            .volume_id("vol-1")
            .volume_size(100)
            .encrypted(true)
            .kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/k")
            .state(sdk::SnapshotState::Completed)
            .start_time(aws_sdk_ec2::primitives::DateTime::from_secs(1_700_000_000))
            .description("nightly")
            .storage_tier(sdk::StorageTier::Archive)
            .tags(tag("Name", "db"))
            .build();
        let r = map(&cx(), &s, true).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:snapshot/snap-1");
        assert_eq!(r.tags["Name"], "db");
        let m = r.model::<Snapshot>().unwrap();
        assert_eq!(m.volume.as_ref().unwrap().short_id(), "vol-1");
        assert_eq!(
            (m.volume_size_gib, m.encrypted, m.state, m.storage_tier, m.public),
            (100, true, SnapshotState::Completed, SnapshotStorageTier::Archive, true)
        );
        assert_eq!(m.start_time.unwrap().timestamp(), 1_700_000_000);
        assert_eq!(m.description.as_deref(), Some("nightly"));
        assert_eq!(r.properties.references().len(), 1);
    }

    #[test]
    fn placeholder_volume_and_missing_fields() {
        let s = sdk::Snapshot::builder()
            .snapshot_id("snap-2")
            .volume_id("vol-ffffffff")
            .description("")
            .build();
        let r = map(&cx(), &s, false).unwrap();
        let m = r.model::<Snapshot>().unwrap();
        assert_eq!(m.volume, None);
        assert_eq!(
            (m.encrypted, m.public, m.state, m.storage_tier, m.description.as_deref()),
            (false, false, SnapshotState::Unknown, SnapshotStorageTier::Standard, None)
        );
        assert!(r.properties.references().is_empty());
        assert!(map(&cx(), &sdk::Snapshot::builder().build(), false).is_err());
    }
}
