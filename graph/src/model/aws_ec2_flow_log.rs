//! `aws_ec2_flow_log`: a VPC flow log (`DescribeFlowLogs`) on a VPC, subnet, network interface
//! or transit gateway (attachment).
//!
//! Edges (`logs_to`, "log source -> where it delivers"): the logged resource `logs_to` its flow
//! log, and the flow log `logs_to` its destination S3 bucket when it delivers to S3 (CloudWatch
//! Logs groups and Firehose streams are not inventoried). So `vpc -> flow log -> bucket` reads
//! the way the traffic records travel.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{Arn, ResourceId};
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowLog {
    pub flow_log_id: String,
    /// The logged resource's id as EC2 returns it (`vpc-...`, `subnet-...`, `eni-...`).
    pub resource_id: String,
    pub resource_type: FlowLogResourceType,
    /// The logged resource's ARN (this account and region), for the edge; `None` when the
    /// id's kind is not recognised.
    pub resource: Option<ResourceId>,
    /// `None` for transit-gateway flow logs, which have no traffic type.
    pub traffic_type: Option<TrafficType>,
    pub log_destination_type: LogDestinationType,
    /// The destination ARN (S3 bucket with optional prefix, log group, Firehose stream).
    pub log_destination: Option<String>,
    /// CloudWatch Logs group name (cloud-watch-logs destinations).
    pub log_group_name: Option<String>,
    /// The destination bucket (`arn:aws:s3:::<bucket>`) of an S3 flow log, for the edge.
    pub destination_bucket: Option<ResourceId>,
    pub deliver_logs_status: DeliverLogsStatus,
    pub deliver_logs_error_message: Option<String>,
    /// `FlowLogStatus`: only `ACTIVE` flow logs record traffic.
    pub flow_log_status: FlowLogStatus,
    pub log_format: Option<String>,
    /// Seconds: 60 or 600.
    pub max_aggregation_interval: Option<i32>,
    pub creation_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowLogResourceType {
    Vpc,
    Subnet,
    NetworkInterface,
    TransitGateway,
    TransitGatewayAttachment,
    #[serde(other)]
    Other,
}

impl FlowLogResourceType {
    /// From the resource id's prefix (DescribeFlowLogs returns only the id).
    pub fn of_id(id: &str) -> Self {
        match id.split('-').next() {
            Some("vpc") => Self::Vpc,
            Some("subnet") => Self::Subnet,
            Some("eni") => Self::NetworkInterface,
            _ if id.starts_with("tgw-attach-") => Self::TransitGatewayAttachment,
            Some("tgw") => Self::TransitGateway,
            _ => Self::Other,
        }
    }
    /// The EC2 ARN resource type of the logged resource.
    pub fn arn_type(self) -> Option<&'static str> {
        Some(match self {
            Self::Vpc => "vpc",
            Self::Subnet => "subnet",
            Self::NetworkInterface => "network-interface",
            Self::TransitGateway => "transit-gateway",
            Self::TransitGatewayAttachment => "transit-gateway-attachment",
            Self::Other => return None,
        })
    }
}

/// `TrafficType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficType {
    Accept,
    Reject,
    All,
    #[serde(other)]
    Unknown,
}

impl TrafficType {
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "ACCEPT" => Self::Accept,
            "REJECT" => Self::Reject,
            "ALL" => Self::All,
            _ => Self::Unknown,
        }
    }
}

/// `LogDestinationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogDestinationType {
    CloudWatchLogs,
    S3,
    KinesisDataFirehose,
    #[serde(other)]
    Other,
}

impl LogDestinationType {
    pub fn parse(s: &str) -> Self {
        match s {
            "cloud-watch-logs" => Self::CloudWatchLogs,
            "s3" => Self::S3,
            "kinesis-data-firehose" => Self::KinesisDataFirehose,
            _ => Self::Other,
        }
    }
}

/// `DeliverLogsStatus`: whether the last delivery worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverLogsStatus {
    Success,
    Failed,
    /// Not reported (EC2 leaves it out for some destinations).
    #[serde(other)]
    Unknown,
}

impl DeliverLogsStatus {
    pub fn parse(s: Option<&str>) -> Self {
        match s.map(str::to_ascii_uppercase).as_deref() {
            Some("SUCCESS") => Self::Success,
            Some("FAILED") => Self::Failed,
            _ => Self::Unknown,
        }
    }
}

/// `FlowLogStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowLogStatus {
    Active,
    #[serde(other)]
    Unknown,
}

impl FlowLogStatus {
    pub fn parse(s: Option<&str>) -> Self {
        match s.map(str::to_ascii_uppercase).as_deref() {
            Some("ACTIVE") => Self::Active,
            _ => Self::Unknown,
        }
    }
}

/// The bucket of an S3 destination ARN (`arn:aws:s3:::bucket[/prefix/]`).
pub fn s3_destination_bucket(destination: &str) -> Option<ResourceId> {
    let arn = Arn::parse(destination).ok()?;
    if arn.service != "s3" {
        return None;
    }
    let bucket = arn.resource.split('/').next().filter(|b| !b.is_empty())?;
    format!("arn:{}:s3:::{bucket}", arn.partition.as_str()).parse().ok()
}

impl FlowLog {
    pub fn is_active(&self) -> bool {
        self.flow_log_status == FlowLogStatus::Active
    }

    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> =
            self.resource.iter().map(|r| Reference::incoming(EdgeKind::LogsTo, r.clone())).collect();
        refs.extend(self.destination_bucket.iter().map(|b| Reference::outgoing(EdgeKind::LogsTo, b.clone())));
        refs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_ids_and_destinations() {
        assert_eq!(FlowLogResourceType::of_id("vpc-0a1"), FlowLogResourceType::Vpc);
        assert_eq!(FlowLogResourceType::of_id("subnet-0a1"), FlowLogResourceType::Subnet);
        assert_eq!(FlowLogResourceType::of_id("eni-0a1"), FlowLogResourceType::NetworkInterface);
        assert_eq!(FlowLogResourceType::of_id("tgw-attach-0a1"), FlowLogResourceType::TransitGatewayAttachment);
        assert_eq!(FlowLogResourceType::of_id("tgw-0a1"), FlowLogResourceType::TransitGateway);
        assert_eq!(FlowLogResourceType::of_id("x-1"), FlowLogResourceType::Other);
        assert_eq!(
            s3_destination_bucket("arn:aws:s3:::flow-logs/vpc/").map(|b| b.to_string()).as_deref(),
            Some("arn:aws:s3:::flow-logs")
        );
        assert_eq!(
            s3_destination_bucket("arn:aws-cn:s3:::b").map(|b| b.to_string()).as_deref(),
            Some("arn:aws-cn:s3:::b")
        );
        assert!(s3_destination_bucket("arn:aws:logs:us-east-1:123456789012:log-group:x").is_none());
        assert!(s3_destination_bucket("not an arn").is_none());
        assert_eq!(TrafficType::parse("REJECT"), TrafficType::Reject);
        assert_eq!(DeliverLogsStatus::parse(Some("FAILED")), DeliverLogsStatus::Failed);
        assert_eq!(DeliverLogsStatus::parse(None), DeliverLogsStatus::Unknown);
        assert_eq!(FlowLogStatus::parse(Some("ACTIVE")), FlowLogStatus::Active);
        assert_eq!(LogDestinationType::parse("s3"), LogDestinationType::S3);
    }
}
