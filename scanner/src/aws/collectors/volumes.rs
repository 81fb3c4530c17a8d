//! `ec2:DescribeVolumes` -> `aws_ebs_volume`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{Volume, VolumeAttachment, VolumeState, VolumeType};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_volumes().max_results(500).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.volumes() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

fn state(s: Option<&sdk::VolumeState>) -> VolumeState {
    match s {
        Some(sdk::VolumeState::Creating) => VolumeState::Creating,
        Some(sdk::VolumeState::Available) => VolumeState::Available,
        Some(sdk::VolumeState::InUse) => VolumeState::InUse,
        Some(sdk::VolumeState::Deleting) => VolumeState::Deleting,
        Some(sdk::VolumeState::Deleted) => VolumeState::Deleted,
        Some(sdk::VolumeState::Error) => VolumeState::Error,
        _ => VolumeState::Unknown,
    }
}

pub fn map(cx: &MapCx, v: &sdk::Volume) -> Result<Resource, CollectError> {
    let id = required(v.volume_id(), "VolumeId")?;
    let attachments = v
        .attachments()
        .iter()
        .filter(|a| !matches!(a.state(), Some(sdk::VolumeAttachmentState::Detached)))
        .filter_map(|a| {
            a.instance_id().map(|i| {
                Ok(VolumeAttachment {
                    instance: cx.ec2_id("instance", i)?,
                    device: a.device().map(str::to_string),
                    delete_on_termination: a.delete_on_termination().unwrap_or(false),
                })
            })
        })
        .collect::<Result<Vec<_>, CollectError>>()?;
    let model = Volume {
        volume_id: id.to_string(),
        volume_type: VolumeType::parse(v.volume_type().map(|t| t.as_str()).unwrap_or_default()),
        size_gib: v.size().unwrap_or(0),
        iops: v.iops(),
        throughput_mibps: v.throughput(),
        encrypted: v.encrypted().unwrap_or(false),
        kms_key_id: v.kms_key_id().map(str::to_string),
        state: state(v.state()),
        availability_zone: v.availability_zone().map(str::to_string),
        snapshot_id: v.snapshot_id().filter(|s| !s.is_empty()).map(str::to_string),
        create_time: datetime(v.create_time()),
        attachments,
    };
    Ok(Resource::new(cx.ec2_id("volume", id)?, cx.account.clone(), cx.region.clone(), tags(v.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_attached_and_unattached_volumes() {
        let attached = sdk::Volume::builder()
            .volume_id("vol-1")
            .volume_type(sdk::VolumeType::Gp3)
            .size(100)
            .iops(3000)
            .throughput(125)
            .encrypted(true)
            .state(sdk::VolumeState::InUse)
            .attachments(
                sdk::VolumeAttachment::builder()
                    .instance_id("i-1")
                    .device("/dev/xvda")
                    .state(sdk::VolumeAttachmentState::Attached)
                    .delete_on_termination(true)
                    .build(),
            )
            .build();
        let r = map(&cx(), &attached).unwrap();
        let m = r.model::<Volume>().unwrap();
        assert_eq!((m.volume_type, m.size_gib, m.encrypted, m.state), (VolumeType::Gp3, 100, true, VolumeState::InUse));
        assert_eq!(m.attachments[0].instance.short_id(), "i-1");
        assert!(m.attachments[0].delete_on_termination);

        let loose = sdk::Volume::builder()
            .volume_id("vol-2")
            .volume_type(sdk::VolumeType::St1)
            .size(500)
            .state(sdk::VolumeState::Available)
            .build();
        let m2 = map(&cx(), &loose).unwrap();
        let m2 = m2.model::<Volume>().unwrap();
        assert_eq!((m2.volume_type, m2.state, m2.encrypted), (VolumeType::St1, VolumeState::Available, false));
        assert!(m2.attachments.is_empty());
    }
}
