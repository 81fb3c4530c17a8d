//! `ec2:DescribeLaunchTemplates` + `ec2:DescribeLaunchTemplateVersions` ->
//! `aws_ec2_launch_template`.
//!
//! The default versions of all templates come from ONE paginated
//! `DescribeLaunchTemplateVersions(Versions=["$Default"])` listing without a template id (the
//! account-wide form EC2 documents for `$Latest`/`$Default`), joined by template id: the number
//! of calls does not grow with the number of templates. moto 5.2.5 supports that form.

use std::collections::HashMap;

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{
    HttpTokens, LaunchTemplate, LaunchTemplateBlockDevice, LaunchTemplateData, VolumeType,
};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut templates = Vec::new();
    let mut pages = cx
        .ec2
        .describe_launch_templates()
        .max_results(200)
        .into_paginator()
        .send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        templates.extend(page.map_err(classify)?.launch_templates().iter().cloned());
    }
    if templates.is_empty() {
        return Ok(());
    }
    let mut defaults: HashMap<String, sdk::LaunchTemplateVersion> = HashMap::new();
    let mut pages = cx
        .ec2
        .describe_launch_template_versions()
        .versions("$Default")
        .max_results(200)
        .into_paginator()
        .send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for v in page.map_err(classify)?.launch_template_versions() {
            if let Some(id) = v.launch_template_id() {
                defaults.insert(id.to_string(), v.clone());
            }
        }
    }
    for t in &templates {
        let default = t.launch_template_id().and_then(|id| defaults.get(id));
        out.push(map(&cx.map, t, default)?).await;
    }
    Ok(())
}

fn data(
    cx: &MapCx,
    version: Option<i64>,
    d: &sdk::ResponseLaunchTemplateData,
) -> Result<LaunchTemplateData, CollectError> {
    let image_id = d.image_id().filter(|s| !s.is_empty());
    let image = match image_id.filter(|s| s.starts_with("ami-")) {
        Some(ami) => Some(cx.ec2_id("image", ami)?),
        None => None,
    };
    let mut group_ids: Vec<&str> = d.security_group_ids().iter().map(String::as_str).collect();
    for ni in d.network_interfaces() {
        group_ids.extend(ni.groups().iter().map(String::as_str));
    }
    group_ids.sort_unstable();
    group_ids.dedup();
    let security_groups = group_ids
        .into_iter()
        .map(|g| cx.ec2_id("security-group", g))
        .collect::<Result<Vec<_>, _>>()?;
    let public_ip_flags: Vec<bool> = d
        .network_interfaces()
        .iter()
        .filter_map(|n| n.associate_public_ip_address())
        .collect();
    let associate_public_ip =
        (!public_ip_flags.is_empty()).then(|| public_ip_flags.contains(&true));
    let metadata = d.metadata_options();
    Ok(LaunchTemplateData {
        version,
        image_id: image_id.map(str::to_string),
        image,
        instance_type: d.instance_type().map(|t| t.as_str().to_string()),
        http_tokens: match metadata.and_then(|m| m.http_tokens()) {
            Some(sdk::LaunchTemplateHttpTokensState::Required) => Some(HttpTokens::Required),
            Some(sdk::LaunchTemplateHttpTokensState::Optional) => Some(HttpTokens::Optional),
            _ => None,
        },
        http_endpoint_enabled: match metadata.and_then(|m| m.http_endpoint()) {
            Some(sdk::LaunchTemplateInstanceMetadataEndpointState::Disabled) => Some(false),
            Some(sdk::LaunchTemplateInstanceMetadataEndpointState::Enabled) => Some(true),
            _ => None,
        },
        security_groups,
        associate_public_ip,
        block_devices: d
            .block_device_mappings()
            .iter()
            .filter(|b| b.ebs().is_some())
            .map(|b| {
                let ebs = b.ebs();
                LaunchTemplateBlockDevice {
                    device_name: b.device_name().map(str::to_string),
                    encrypted: ebs.and_then(|e| e.encrypted()),
                    volume_type: ebs
                        .and_then(|e| e.volume_type())
                        .map(|t| VolumeType::parse(t.as_str())),
                    volume_size_gib: ebs.and_then(|e| e.volume_size()),
                }
            })
            .collect(),
    })
}

/// Maps one template and (if EC2 returned it) its default version.
pub fn map(
    cx: &MapCx,
    t: &sdk::LaunchTemplate,
    default: Option<&sdk::LaunchTemplateVersion>,
) -> Result<Resource, CollectError> {
    let id = required(t.launch_template_id(), "LaunchTemplateId")?;
    let default = match default.and_then(|v| v.launch_template_data().map(|d| (v, d))) {
        Some((v, d)) => Some(data(cx, v.version_number(), d)?),
        None => None,
    };
    let model = LaunchTemplate {
        launch_template_id: id.to_string(),
        name: t.launch_template_name().map(str::to_string),
        create_time: datetime(t.create_time()),
        default_version: t.default_version_number(),
        latest_version: t.latest_version_number(),
        default,
    };
    Ok(Resource::new(
        cx.ec2_id("launch-template", id)?,
        cx.account.clone(),
        cx.region.clone(),
        tags(t.tags()),
        model,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::{cx, tag};

    fn template() -> sdk::LaunchTemplate {
        sdk::LaunchTemplate::builder()
            .launch_template_id("lt-1")
            .launch_template_name("web")
            .default_version_number(2)
            .latest_version_number(3)
            .tags(tag("Name", "web"))
            .build()
    }

    #[test]
    fn maps_the_default_version() {
        let data = sdk::ResponseLaunchTemplateData::builder()
            .image_id("ami-1")
            .instance_type(sdk::InstanceType::T3Micro)
            .metadata_options(
                sdk::LaunchTemplateInstanceMetadataOptions::builder()
                    .http_tokens(sdk::LaunchTemplateHttpTokensState::Optional)
                    .http_endpoint(sdk::LaunchTemplateInstanceMetadataEndpointState::Enabled)
                    .build(),
            )
            .security_group_ids("sg-2")
            .network_interfaces(
                sdk::LaunchTemplateInstanceNetworkInterfaceSpecification::builder()
                    .associate_public_ip_address(true)
                    .groups("sg-1")
                    .groups("sg-2")
                    .build(),
            )
            .block_device_mappings(
                sdk::LaunchTemplateBlockDeviceMapping::builder()
                    .device_name("/dev/xvda")
                    .ebs(
                        sdk::LaunchTemplateEbsBlockDevice::builder()
                            .encrypted(false)
                            .volume_type(sdk::VolumeType::Gp2)
                            .volume_size(20)
                            .build(),
                    )
                    .build(),
            )
            .block_device_mappings(
                sdk::LaunchTemplateBlockDeviceMapping::builder()
                    .device_name("/dev/sdb")
                    .virtual_name("ephemeral0")
                    .build(),
            )
            .build();
        let v = sdk::LaunchTemplateVersion::builder()
            .launch_template_id("lt-1")
            .version_number(2)
            .launch_template_data(data)
            .build();
        let r = map(&cx(), &template(), Some(&v)).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:launch-template/lt-1");
        let m = r.model::<LaunchTemplate>().unwrap();
        assert_eq!((m.default_version, m.latest_version, m.name.as_deref()), (Some(2), Some(3), Some("web")));
        let d = m.default.as_ref().unwrap();
        assert_eq!(d.version, Some(2));
        assert_eq!(d.image.as_ref().unwrap().short_id(), "ami-1");
        assert_eq!(d.instance_type.as_deref(), Some("t3.micro"));
        assert_eq!((d.http_tokens, d.http_endpoint_enabled), (Some(HttpTokens::Optional), Some(true)));
        assert!(d.allows_imdsv1());
        let groups: Vec<&str> = d.security_groups.iter().map(|g| g.short_id()).collect();
        assert_eq!(groups, ["sg-1", "sg-2"], "deduplicated");
        assert_eq!(d.associate_public_ip, Some(true));
        assert_eq!(d.block_devices.len(), 1, "instance-store mappings are left out");
        assert_eq!(
            (d.block_devices[0].encrypted, d.block_devices[0].volume_type, d.block_devices[0].volume_size_gib),
            (Some(false), Some(VolumeType::Gp2), Some(20))
        );
        // two security groups and the AMI
        assert_eq!(r.properties.references().len(), 3);
    }

    #[test]
    fn ssm_image_unset_fields_and_no_default_version() {
        let data = sdk::ResponseLaunchTemplateData::builder()
            .image_id("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
            .build();
        let v = sdk::LaunchTemplateVersion::builder().version_number(1).launch_template_data(data).build();
        let r = map(&cx(), &template(), Some(&v)).unwrap();
        let d = r.model::<LaunchTemplate>().unwrap().default.clone().unwrap();
        assert!(d.image_id.unwrap().starts_with("resolve:ssm:"));
        assert_eq!((d.image, d.http_tokens, d.http_endpoint_enabled, d.associate_public_ip), (None, None, None, None));
        assert!(r.properties.references().is_empty());

        let r = map(&cx(), &template(), None).unwrap();
        assert_eq!(r.model::<LaunchTemplate>().unwrap().default, None);
    }
}
