//! `ec2:DescribeFlowLogs` -> `aws_ec2_flow_log`.

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{
    s3_destination_bucket, DeliverLogsStatus, FlowLog, FlowLogResourceType, FlowLogStatus, LogDestinationType,
    TrafficType,
};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.ec2.describe_flow_logs().max_results(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Ec2, pages.next()).await {
        for item in page.map_err(classify)?.flow_logs() {
            out.push(map(&cx.map, item)?).await;
        }
    }
    Ok(())
}

pub fn map(cx: &MapCx, f: &sdk::FlowLog) -> Result<Resource, CollectError> {
    let id = required(f.flow_log_id(), "FlowLogId")?;
    let resource_id = f.resource_id().unwrap_or_default();
    let resource_type = FlowLogResourceType::of_id(resource_id);
    let resource = match resource_type.arn_type() {
        Some(t) if !resource_id.is_empty() => Some(cx.ec2_id(t, resource_id)?),
        _ => None,
    };
    let destination_type = f.log_destination_type().map_or(
        // Before S3 delivery existed every flow log went to CloudWatch Logs.
        if f.log_group_name().is_some() { LogDestinationType::CloudWatchLogs } else { LogDestinationType::Other },
        |t| LogDestinationType::parse(t.as_str()),
    );
    let log_destination = f.log_destination().filter(|d| !d.is_empty()).map(str::to_string);
    let destination_bucket = match destination_type {
        LogDestinationType::S3 => log_destination.as_deref().and_then(s3_destination_bucket),
        _ => None,
    };
    let model = FlowLog {
        flow_log_id: id.to_string(),
        resource_id: resource_id.to_string(),
        resource_type,
        resource,
        traffic_type: f.traffic_type().map(|t| TrafficType::parse(t.as_str())),
        log_destination_type: destination_type,
        log_destination,
        log_group_name: f.log_group_name().map(str::to_string),
        destination_bucket,
        deliver_logs_status: DeliverLogsStatus::parse(f.deliver_logs_status()),
        deliver_logs_error_message: f.deliver_logs_error_message().map(str::to_string),
        flow_log_status: FlowLogStatus::parse(f.flow_log_status()),
        log_format: f.log_format().map(str::to_string),
        max_aggregation_interval: f.max_aggregation_interval(),
        creation_time: datetime(f.creation_time()),
    };
    Ok(Resource::new(cx.ec2_id("vpc-flow-log", id)?, cx.account.clone(), cx.region.clone(), tags(f.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_an_s3_flow_log_of_a_vpc() {
        let f = sdk::FlowLog::builder()
            .flow_log_id("fl-1")
            .resource_id("vpc-1")
            .traffic_type(sdk::TrafficType::Reject)
            .log_destination_type(sdk::LogDestinationType::S3)
            .log_destination("arn:aws:s3:::gov-flow-logs/vpc/")
            .deliver_logs_status("SUCCESS")
            .flow_log_status("ACTIVE")
            .log_format("${version} ${srcaddr}")
            .max_aggregation_interval(600)
            .build();
        let r = map(&cx(), &f).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/fl-1");
        let m = r.model::<FlowLog>().unwrap();
        assert_eq!(m.resource.as_ref().unwrap().as_str(), "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1");
        assert_eq!((m.resource_type, m.traffic_type), (FlowLogResourceType::Vpc, Some(TrafficType::Reject)));
        assert_eq!(m.destination_bucket.as_ref().unwrap().as_str(), "arn:aws:s3:::gov-flow-logs");
        assert_eq!((m.deliver_logs_status, m.flow_log_status), (DeliverLogsStatus::Success, FlowLogStatus::Active));
        assert!(m.is_active());
    }

    #[test]
    fn maps_a_cloudwatch_flow_log_of_an_interface_with_missing_fields() {
        let f = sdk::FlowLog::builder().flow_log_id("fl-2").resource_id("eni-9").log_group_name("flows").build();
        let m = map(&cx(), &f).unwrap().model::<FlowLog>().cloned().unwrap();
        assert_eq!(m.resource_type, FlowLogResourceType::NetworkInterface);
        assert_eq!(m.log_destination_type, LogDestinationType::CloudWatchLogs);
        assert_eq!((m.deliver_logs_status, m.flow_log_status), (DeliverLogsStatus::Unknown, FlowLogStatus::Unknown));
        assert!(m.destination_bucket.is_none() && m.traffic_type.is_none() && !m.is_active());
        let bare = map(&cx(), &sdk::FlowLog::builder().flow_log_id("fl-3").build()).unwrap();
        assert!(bare.model::<FlowLog>().unwrap().resource.is_none());
        assert!(map(&cx(), &sdk::FlowLog::builder().build()).is_err());
    }
}
