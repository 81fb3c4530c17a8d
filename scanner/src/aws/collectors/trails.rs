//! `cloudtrail:DescribeTrails` (includeShadowTrails=false) + `cloudtrail:GetTrailStatus` per
//! trail -> `aws_cloudtrail_trail`.
//!
//! A multi-region trail is visible from every region; with `includeShadowTrails=false` AWS
//! returns it only in its home region, and the collector also drops any trail whose
//! `HomeRegion` is not the scanned region, so each trail is recorded exactly once. Event
//! selectors and tags are not collected yet.

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types as sdk;
use skywarden_graph::model::Trail;
use skywarden_graph::{Region, Resource};

use crate::aws::{arn_id, classify, required, MapCx, RegionCx};
use crate::error::CollectError;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx) -> Result<Vec<Resource>, CollectError> {
    let listed = cx
        .call(Service::Cloudtrail, cx.cloudtrail.describe_trails().include_shadow_trails(false).send())
        .await
        .map_err(classify)?;
    let mut out = Vec::new();
    for t in listed.trail_list().iter().filter(|t| is_home(&cx.map, t)) {
        let name = t.trail_arn().or(t.name()).unwrap_or_default();
        let status = cx
            .call(Service::Cloudtrail, cx.cloudtrail.get_trail_status().name(name).send())
            .await
            .map_err(classify)?;
        out.push(map(&cx.map, t, status.is_logging().unwrap_or(false))?);
    }
    Ok(out)
}

/// Whether the trail belongs to the scanned region (a trail without `HomeRegion` does).
fn is_home(cx: &MapCx, t: &sdk::Trail) -> bool {
    t.home_region().is_none_or(|r| r == cx.region.as_str())
}

pub fn map(cx: &MapCx, t: &sdk::Trail, is_logging: bool) -> Result<Resource, CollectError> {
    let name = required(t.name(), "Name")?;
    let id = match t.trail_arn() {
        Some(arn) => arn_id(arn)?,
        None => arn_id(&format!("arn:{}:cloudtrail:{}:{}:trail/{name}", cx.region.partition().as_str(), cx.region, cx.account))?,
    };
    let home_region: Region = match t.home_region() {
        Some(r) => r.parse().map_err(|e| CollectError::decode(format!("HomeRegion {r:?}: {e}")))?,
        None => cx.region.clone(),
    };
    let bucket = t.s3_bucket_name().filter(|b| !b.is_empty());
    let model = Trail {
        name: name.to_string(),
        home_region,
        multi_region: t.is_multi_region_trail().unwrap_or(false),
        organization_trail: t.is_organization_trail().unwrap_or(false),
        log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
        is_logging,
        s3_bucket_name: bucket.map(str::to_string),
        s3_bucket: bucket
            .map(|b| arn_id(&format!("arn:{}:s3:::{b}", cx.region.partition().as_str())))
            .transpose()?,
        // CloudTrail returns the full key ARN.
        kms_key: t.kms_key_id().filter(|k| k.starts_with("arn:")).map(arn_id).transpose()?,
        cloudwatch_logs_log_group: t.cloud_watch_logs_log_group_arn().filter(|s| !s.is_empty()).map(str::to_string),
        include_global_service_events: t.include_global_service_events().unwrap_or(false),
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), BTreeMap::new(), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_a_multi_region_trail_with_bucket_and_key() {
        let t = sdk::Trail::builder()
            .name("org")
            .trail_arn("arn:aws:cloudtrail:eu-west-1:123456789012:trail/org")
            .home_region("eu-west-1")
            .is_multi_region_trail(true)
            .log_file_validation_enabled(true)
            .s3_bucket_name("logs-bucket")
            .kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/k-1")
            .build();
        assert!(is_home(&cx(), &t));
        let r = map(&cx(), &t, true).unwrap();
        let m = r.model::<Trail>().unwrap();
        assert!(m.multi_region && m.log_file_validation && m.is_logging);
        assert_eq!(m.s3_bucket.as_ref().unwrap().as_str(), "arn:aws:s3:::logs-bucket");
        assert_eq!(m.kms_key.as_ref().unwrap().short_id(), "k-1");
        assert_eq!(m.references().len(), 2);
    }

    #[test]
    fn a_shadow_copy_from_another_home_region_is_skipped() {
        let t = sdk::Trail::builder().name("x").home_region("us-east-1").is_multi_region_trail(true).build();
        assert!(!is_home(&cx(), &t));
        let r = map(&cx(), &sdk::Trail::builder().name("local").build(), false).unwrap();
        let m = r.model::<Trail>().unwrap();
        assert_eq!(m.home_region.as_str(), "eu-west-1");
        assert!(!m.multi_region && !m.log_file_validation && m.s3_bucket.is_none());
    }
}
