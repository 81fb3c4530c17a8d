//! `cloudtrail:DescribeTrails` (includeShadowTrails=false) + `cloudtrail:GetTrailStatus` and
//! `cloudtrail:GetEventSelectors` per trail -> `aws_cloudtrail_trail`.
//!
//! A multi-region trail is visible from every region; with `includeShadowTrails=false` AWS
//! returns it only in its home region, and the collector also drops any trail whose
//! `HomeRegion` is not the scanned region, so each trail is recorded exactly once. The event
//! selectors (basic or advanced) are reduced to which management events the trail records
//! ([`management_events`]). Tags are not collected yet.

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types as sdk;
use skywarden_graph::model::{ManagementEvents, Trail};
use skywarden_graph::{Region, Resource};

use crate::aws::{arn_id, classify, required, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let listed = cx
        .call(Service::Cloudtrail, cx.cloudtrail.describe_trails().include_shadow_trails(false).send())
        .await
        .map_err(classify)?;
    for t in listed.trail_list().iter().filter(|t| is_home(&cx.map, t)) {
        let name = t.trail_arn().or(t.name()).unwrap_or_default();
        let status = cx
            .call(Service::Cloudtrail, cx.cloudtrail.get_trail_status().name(name).send())
            .await
            .map_err(classify)?;
        let selectors = cx
            .call(Service::Cloudtrail, cx.cloudtrail.get_event_selectors().trail_name(name).send())
            .await
            .map_err(classify)?;
        let events = management_events(selectors.event_selectors(), selectors.advanced_event_selectors());
        out.push(map(&cx.map, t, status.is_logging().unwrap_or(false), Some(events))?).await;
    }
    Ok(())
}

/// Which management events the selectors record. Basic selectors: `IncludeManagementEvents`
/// (default true) with `ReadWriteType` (default `All`) and no `ExcludeManagementEventSources`.
/// Advanced selectors: `eventCategory` equals `Management`, optionally `readOnly` narrowing
/// to read or write events; any other field (event source, event name, ...) narrows it to
/// some events and does not count. No selectors at all record nothing.
pub fn management_events(basic: &[sdk::EventSelector], advanced: &[sdk::AdvancedEventSelector]) -> ManagementEvents {
    let mut out = ManagementEvents { read: false, write: false, advanced: !advanced.is_empty() };
    for s in basic {
        if !s.include_management_events().unwrap_or(true) || !s.exclude_management_event_sources().is_empty() {
            continue;
        }
        let rw = s.read_write_type().cloned().unwrap_or(sdk::ReadWriteType::All);
        out.read |= matches!(rw, sdk::ReadWriteType::All | sdk::ReadWriteType::ReadOnly);
        out.write |= matches!(rw, sdk::ReadWriteType::All | sdk::ReadWriteType::WriteOnly);
    }
    for s in advanced {
        let fields = s.field_selectors();
        let management = fields.iter().any(|f| {
            f.field() == "eventCategory"
                && f.equals().iter().any(|v| v == "Management")
                && f.not_equals().is_empty()
                && f.starts_with().is_empty()
                && f.ends_with().is_empty()
                && f.not_starts_with().is_empty()
                && f.not_ends_with().is_empty()
        });
        if !management || fields.iter().any(|f| f.field() != "eventCategory" && f.field() != "readOnly") {
            continue;
        }
        let (mut read, mut write) = (true, true);
        for f in fields.iter().filter(|f| f.field() == "readOnly") {
            let only = |v: &[String], want: &str| !v.is_empty() && v.iter().all(|x| x == want);
            if only(f.equals(), "true") || only(f.not_equals(), "false") {
                write = false;
            } else if only(f.equals(), "false") || only(f.not_equals(), "true") {
                read = false;
            } else {
                // Any other readOnly filter: not one the collector understands.
                read = false;
                write = false;
            }
        }
        out.read |= read;
        out.write |= write;
    }
    out
}

/// Whether the trail belongs to the scanned region (a trail without `HomeRegion` does).
fn is_home(cx: &MapCx, t: &sdk::Trail) -> bool {
    t.home_region().is_none_or(|r| r == cx.region.as_str())
}

pub fn map(
    cx: &MapCx,
    t: &sdk::Trail,
    is_logging: bool,
    management_events: Option<ManagementEvents>,
) -> Result<Resource, CollectError> {
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
        management_events,
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
        let r = map(&cx(), &t, true, None).unwrap();
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
        let r = map(&cx(), &sdk::Trail::builder().name("local").build(), false, None).unwrap();
        let m = r.model::<Trail>().unwrap();
        assert_eq!(m.home_region.as_str(), "eu-west-1");
        assert!(!m.multi_region && !m.log_file_validation && m.s3_bucket.is_none());
    }

    fn field(name: &str, equals: &[&str], not_equals: &[&str]) -> sdk::AdvancedFieldSelector {
        let mut b = sdk::AdvancedFieldSelector::builder().field(name);
        for v in equals {
            b = b.equals(*v);
        }
        for v in not_equals {
            b = b.not_equals(*v);
        }
        b.build().unwrap()
    }

    fn advanced(fields: Vec<sdk::AdvancedFieldSelector>) -> sdk::AdvancedEventSelector {
        sdk::AdvancedEventSelector::builder().set_field_selectors(Some(fields)).build().unwrap()
    }

    #[test]
    fn basic_selectors_record_all_read_or_write_management_events() {
        let all = sdk::EventSelector::builder().read_write_type(sdk::ReadWriteType::All).include_management_events(true).build();
        let m = management_events(&[all], &[]);
        assert_eq!(m, ManagementEvents { read: true, write: true, advanced: false });
        assert!(m.all());
        // Defaults (no ReadWriteType, no IncludeManagementEvents) are All / true.
        assert!(management_events(&[sdk::EventSelector::builder().build()], &[]).all());
        let read = sdk::EventSelector::builder().read_write_type(sdk::ReadWriteType::ReadOnly).build();
        let write = sdk::EventSelector::builder().read_write_type(sdk::ReadWriteType::WriteOnly).build();
        assert_eq!(management_events(std::slice::from_ref(&read), &[]), ManagementEvents { read: true, write: false, advanced: false });
        assert!(management_events(&[read, write], &[]).all(), "read + write selectors cover all");
        let data_only = sdk::EventSelector::builder().include_management_events(false).build();
        let excluding = sdk::EventSelector::builder().exclude_management_event_sources("kms.amazonaws.com").build();
        let m = management_events(&[data_only, excluding], &[]);
        assert!(!m.read && !m.write);
        assert!(!management_events(&[], &[]).all(), "no selectors record nothing");
    }

    #[test]
    fn advanced_selectors_count_only_unnarrowed_management_selectors() {
        let all = advanced(vec![field("eventCategory", &["Management"], &[])]);
        assert_eq!(management_events(&[], &[all]), ManagementEvents { read: true, write: true, advanced: true });
        let write = advanced(vec![field("eventCategory", &["Management"], &[]), field("readOnly", &["false"], &[])]);
        let m = management_events(&[], &[write]);
        assert!(!m.read && m.write && m.advanced);
        let read = advanced(vec![field("eventCategory", &["Management"], &[]), field("readOnly", &[], &["false"])]);
        let m = management_events(&[], &[read]);
        assert!(m.read && !m.write);
        let narrowed = advanced(vec![field("eventCategory", &["Management"], &[]), field("eventSource", &[], &["kms.amazonaws.com"])]);
        let data = advanced(vec![field("eventCategory", &["Data"], &[]), field("resources.type", &["AWS::S3::Object"], &[])]);
        let m = management_events(&[], &[narrowed, data]);
        assert!(!m.read && !m.write);
    }
}
