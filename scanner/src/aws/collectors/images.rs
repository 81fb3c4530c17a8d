//! `ec2:DescribeImages` (`Owners=self`) -> `aws_ec2_image`.

use aws_sdk_ec2::types as sdk;
use chrono::{DateTime, Utc};
use skywarden_graph::model::{Image, ImageBlockDevice, ImageState, RootDeviceType, VolumeType};
use skywarden_graph::Resource;

use crate::aws::{classify, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx
        .ec2
        .describe_images()
        .owners("self")
        .include_deprecated(true)
        .include_disabled(true)
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.images() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

/// EC2 returns AMI times as ISO 8601 strings (`2024-05-01T12:00:00.000Z`).
fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn state(s: Option<&sdk::ImageState>) -> ImageState {
    match s {
        Some(sdk::ImageState::Pending) => ImageState::Pending,
        Some(sdk::ImageState::Available) => ImageState::Available,
        Some(sdk::ImageState::Invalid) => ImageState::Invalid,
        Some(sdk::ImageState::Deregistered) => ImageState::Deregistered,
        Some(sdk::ImageState::Transient) => ImageState::Transient,
        Some(sdk::ImageState::Failed) => ImageState::Failed,
        Some(sdk::ImageState::Error) => ImageState::Error,
        Some(sdk::ImageState::Disabled) => ImageState::Disabled,
        _ => ImageState::Unknown,
    }
}

pub fn map(cx: &MapCx, i: &sdk::Image) -> Result<Resource, CollectError> {
    let id = required(i.image_id(), "ImageId")?;
    let block_devices = i
        .block_device_mappings()
        .iter()
        .map(|b| {
            let ebs = b.ebs();
            Ok(ImageBlockDevice {
                device_name: b.device_name().map(str::to_string),
                snapshot: match ebs.and_then(|e| e.snapshot_id()).filter(|s| !s.is_empty()) {
                    Some(s) => Some(cx.ec2_id("snapshot", s)?),
                    None => None,
                },
                volume_size_gib: ebs.and_then(|e| e.volume_size()),
                volume_type: ebs
                    .and_then(|e| e.volume_type())
                    .map(|t| VolumeType::parse(t.as_str())),
                encrypted: ebs.and_then(|e| e.encrypted()),
            })
        })
        .collect::<Result<Vec<_>, CollectError>>()?;
    let model = Image {
        image_id: id.to_string(),
        name: i.name().map(str::to_string),
        state: state(i.state()),
        public: i.public().unwrap_or(false),
        creation_date: time(i.creation_date()),
        root_device_type: match i.root_device_type() {
            Some(sdk::DeviceType::Ebs) => Some(RootDeviceType::Ebs),
            Some(sdk::DeviceType::InstanceStore) => Some(RootDeviceType::InstanceStore),
            _ => None,
        },
        root_device_name: i.root_device_name().map(str::to_string),
        block_devices,
        deprecation_time: time(i.deprecation_time()),
    };
    Ok(Resource::new(
        cx.ec2_id("image", id)?,
        cx.account.clone(),
        cx.region.clone(),
        tags(i.tags()),
        model,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_a_public_ebs_backed_image() {
        let i = sdk::Image::builder()
            .image_id("ami-1")
            .name("golden")
            .state(sdk::ImageState::Available)
            .public(true)
            .creation_date("2024-05-01T12:00:00.000Z")
            .deprecation_time("2026-05-01T12:00:00Z")
            .root_device_type(sdk::DeviceType::Ebs)
            .root_device_name("/dev/xvda")
            .block_device_mappings(
                sdk::BlockDeviceMapping::builder()
                    .device_name("/dev/xvda")
                    .ebs(
                        sdk::EbsBlockDevice::builder()
                            .snapshot_id("snap-1")
                            .volume_size(8)
                            .volume_type(sdk::VolumeType::Gp3)
                            .encrypted(false)
                            .build(),
                    )
                    .build(),
            )
            .block_device_mappings(
                sdk::BlockDeviceMapping::builder()
                    .device_name("/dev/sdb")
                    .virtual_name("ephemeral0")
                    .build(),
            )
            .build();
        let r = map(&cx(), &i).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:image/ami-1");
        let m = r.model::<Image>().unwrap();
        assert!(m.public);
        assert_eq!((m.state, m.root_device_type), (ImageState::Available, Some(RootDeviceType::Ebs)));
        assert_eq!(m.creation_date.unwrap().to_rfc3339(), "2024-05-01T12:00:00+00:00");
        assert!(m.deprecation_time.is_some());
        assert_eq!(m.block_devices.len(), 2);
        let root = &m.block_devices[0];
        assert_eq!(root.snapshot.as_ref().unwrap().short_id(), "snap-1");
        assert_eq!((root.volume_size_gib, root.volume_type, root.encrypted), (Some(8), Some(VolumeType::Gp3), Some(false)));
        assert_eq!(m.block_devices[1].snapshot, None);
        assert_eq!(r.properties.references().len(), 1, "only the EBS mapping has a snapshot");
    }

    #[test]
    fn private_image_with_unparseable_dates() {
        let i = sdk::Image::builder().image_id("ami-2").creation_date("yesterday").build();
        let m = map(&cx(), &i).unwrap();
        let m = m.model::<Image>().unwrap();
        assert!(!m.public);
        assert_eq!((m.creation_date, m.state, m.root_device_type), (None, ImageState::Unknown, None));
    }
}
