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
}

impl Trail {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> =
            self.s3_bucket.iter().map(|b| Reference::outgoing(EdgeKind::LogsTo, b.clone())).collect();
        refs.extend(self.kms_key.iter().map(|k| Reference::outgoing(EdgeKind::EncryptedWith, k.clone())));
        refs
    }
}
