//! `skywarden-scanner`: credentials in, typed resources and coverage out.
//!
//! Owns: [`AwsCredentials`], the collector registry (`aws::collectors`, one file per API noun:
//! a dumb paginated fetch plus a pure map into `skywarden-graph` models), error classification
//! ([`CollectError`]), the [`runner`] (regions, concurrency bound, retry policy, timeouts,
//! coverage per (account, region, kind)), the [`sink`] collected resources stream through
//! while a scan runs, and reading one S3 object with a scan's AWS configuration
//! ([`read_s3_object`]: Terraform states of the S3 backend).
//!
//! Depends on `skywarden-graph` and the AWS SDK. Must not depend on the rules or the store:
//! a scanner knows nothing of findings or persistence.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod aws;
pub mod azure;
pub mod credentials;
pub mod error;
pub mod limits;
pub mod runner;
pub mod sink;

pub use aws::object::{read_s3_object, S3Location};
pub use azure::{scan_azure, AzureCredentials, AzureScanConfig};
pub use credentials::AwsCredentials;
pub use error::{CollectError, ScanError};
pub use limits::{Rate, RateLimits, Service, ServiceCalls};
pub use runner::{
    identify_aws, scan_aws, AccountOutcome, AssumeRole, AwsScanConfig, Identity, OrganizationScan,
    RegionSelection, RetryMode, RetryPolicy, ScanOutput,
};
pub use sink::{Emit, ResourceSink, ResourceStream};
