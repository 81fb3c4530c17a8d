//! `aws_cloudtrail_trail`: a CloudTrail trail, recorded once, in its home region.

use serde::{Deserialize, Serialize};

use crate::ids::{Region, ResourceId};
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    pub name: String,
    pub home_region: Region,
    pub multi_region: bool,
    pub organization_trail: bool,
    pub log_file_validation: bool,
    /// `GetTrailStatus.IsLogging`.
    pub is_logging: bool,
    pub s3_bucket_name: Option<String>,
    /// `arn:aws:s3:::<bucket>`, for the edge to the bucket.
    pub s3_bucket: Option<ResourceId>,
    pub kms_key: Option<ResourceId>,
    pub cloudwatch_logs_log_group: Option<String>,
    pub include_global_service_events: bool,
    /// Which management events the trail records (`GetEventSelectors`); `None` when not read
    /// (stored before the selectors were collected).
    #[serde(default)]
    pub management_events: Option<ManagementEvents>,
}

/// The management events a trail's event selectors (basic or advanced) record. `read` /
/// `write`: some selector records every read-only / every write management event, from every
/// event source (a selector that excludes event sources or filters on event names or sources
/// does not count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagementEvents {
    pub read: bool,
    pub write: bool,
    /// The trail uses advanced event selectors (basic ones otherwise).
    pub advanced: bool,
}

impl ManagementEvents {
    /// Every management event, read and write (CIS 3.1: `ReadWriteType` `All`).
    pub fn all(&self) -> bool {
        self.read && self.write
    }
}

impl Trail {
    /// CIS AWS Foundations 3.1: a multi-region trail that is logging and records every
    /// management event (read and write). Unknown selectors do not qualify.
    pub fn logs_all_regions_management_events(&self) -> bool {
        self.multi_region && self.is_logging && self.management_events.is_some_and(|m| m.all())
    }

    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> =
            self.s3_bucket.iter().map(|b| Reference::outgoing(EdgeKind::LogsTo, b.clone())).collect();
        refs.extend(self.kms_key.iter().map(|k| Reference::outgoing(EdgeKind::EncryptedWith, k.clone())));
        refs
    }
}
