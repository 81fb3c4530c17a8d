//! `ocsf`: a JSON array of OCSF Detection Finding events (class 2004, profile `cloud`), one
//! per line. The mapping is documented in [`super`]; tests validate the output against the
//! JSON Schema generated from the published OCSF [`OCSF_VERSION`] schema
//! (`rules/testdata/schemas/`).
//!
//! OCSF forbids `null`: every optional attribute is omitted when absent.

use std::io::Write;

use serde::Serialize;
use skywarden_graph::{Provider, ResourceKind};

use super::{rfc3339, write_json_array, ExportError, ExportInput, RuleIndex};
use crate::finding::{Evidence, FindingRecord, FindingStatus, PricingBasis, SuppressionRef};
use crate::meta::{ComplianceRef, RuleInfo, Severity};

/// The OCSF schema version the events conform to (`metadata.version`).
pub const OCSF_VERSION: &str = "1.8.0";
/// Detection Finding.
pub const CLASS_UID: u32 = 2004;
/// Findings.
pub const CATEGORY_UID: u32 = 2;

pub(super) fn write(input: &ExportInput<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    let rules = RuleIndex::new(input.rules);
    write_json_array(
        out,
        input
            .findings
            .iter()
            .map(|r| event(input, r, rules.get(&r.finding.rule_id))),
    )
}

/// OCSF `activity_id` and its caption.
pub fn activity(status: FindingStatus) -> (u32, &'static str) {
    match status {
        FindingStatus::Open | FindingStatus::Regressed => (1, "Create"),
        FindingStatus::Suppressed => (2, "Update"),
        FindingStatus::Resolved => (3, "Close"),
    }
}

/// OCSF `status_id` and its caption.
pub fn status(status: FindingStatus) -> (u32, &'static str) {
    match status {
        FindingStatus::Open | FindingStatus::Regressed => (1, "New"),
        FindingStatus::Suppressed => (3, "Suppressed"),
        FindingStatus::Resolved => (4, "Resolved"),
    }
}

/// OCSF `severity_id` and its caption.
pub fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

fn provider_name(kind: ResourceKind) -> &'static str {
    match kind.provider() {
        Provider::Aws => "AWS",
        Provider::Azure => "Azure",
    }
}

/// OCSF account `type_id` and caption.
fn account_type(kind: ResourceKind) -> (u32, &'static str) {
    match kind.provider() {
        Provider::Aws => (10, "AWS Account"),
        Provider::Azure => (13, "Azure Subscription"),
    }
}

fn event<'a>(
    input: &ExportInput<'a>,
    r: &'a FindingRecord,
    rule: Option<&'a RuleInfo>,
) -> Event<'a> {
    let f = &r.finding;
    let (activity_id, activity_name) = activity(r.status);
    let (status_id, status_name) = status(r.status);
    let (severity_id, severity_name) = severity(f.severity);
    let (account_type_id, account_type_name) = account_type(f.resource_kind);
    let partition = f.resource_id.arn().map(|a| a.partition.as_str());
    let status_detail = match r.status {
        FindingStatus::Regressed => Some(format!(
            "regressed: detected again after being resolved ({} regressions)",
            r.regression_count
        )),
        FindingStatus::Suppressed => r
            .suppression
            .as_ref()
            .map(|s| format!("suppressed by {} (owner {})", s.id, s.owner)),
        FindingStatus::Open | FindingStatus::Resolved => None,
    };
    let time = r
        .resolved_at
        .filter(|_| r.status == FindingStatus::Resolved);
    Event {
        activity_id,
        activity_name,
        category_uid: CATEGORY_UID,
        category_name: "Findings",
        class_uid: CLASS_UID,
        class_name: "Detection Finding",
        type_uid: CLASS_UID * 100 + activity_id,
        type_name: format!("Detection Finding: {activity_name}"),
        severity_id,
        severity: severity_name,
        status_id,
        status: status_name,
        status_detail,
        comment: r.suppression.as_ref().map(|s| s.reason.as_str()),
        is_alert: r.status.is_active(),
        time: time.unwrap_or(r.last_seen).timestamp_millis(),
        message: &f.title,
        metadata: Metadata {
            version: OCSF_VERSION,
            profiles: ["cloud"],
            processed_time: input.generated_at.timestamp_millis(),
            product: Product {
                name: "Skywarden",
                vendor_name: "Skywarden",
                version: input.tool_version,
            },
        },
        finding_info: FindingInfo {
            uid: f.key.as_str(),
            title: &f.title,
            desc: rule
                .map(|r| r.description.as_str())
                .filter(|d| !d.is_empty()),
            types: [f.category.as_str()],
            analytic: Analytic {
                uid: &f.rule_id,
                name: rule.map_or(f.title.as_str(), |r| r.title.as_str()),
                type_id: 1,
                r#type: "Rule",
            },
            created_time: r.first_seen.timestamp_millis(),
            first_seen_time: r.first_seen.timestamp_millis(),
            last_seen_time: r.last_seen.timestamp_millis(),
        },
        cloud: Cloud {
            provider: provider_name(f.resource_kind),
            account: Account {
                uid: f.account_id.as_str(),
                type_id: account_type_id,
                r#type: account_type_name,
            },
            region: f.region.as_str(),
            cloud_partition: partition,
        },
        resources: [Resource {
            uid: f.resource_id.as_str(),
            name: f.resource_id.short_id(),
            r#type: f.resource_kind.as_str(),
            region: f.region.as_str(),
            cloud_partition: partition,
            tags: f
                .resource_tags
                .iter()
                .map(|(name, value)| KeyValue { name, value })
                .collect(),
        }],
        evidences: [Evidences { data: &f.evidence }],
        remediation: rule
            .map(|r| r.remediation.as_str())
            .filter(|d| !d.is_empty())
            .map(|desc| Remediation { desc }),
        unmapped: Unmapped {
            connection_id: r.connection_id.as_str(),
            skywarden_status: r.status.as_str(),
            first_scan_id: r.first_scan_id.to_string(),
            last_scan_id: r.last_scan_id.to_string(),
            regression_count: r.regression_count,
            resolved_at: r.resolved_at.as_ref().map(rfc3339),
            monthly_cost_usd: f.monthly_cost_usd,
            pricing_basis: f.pricing_basis.as_ref(),
            compliance: rule.map(|r| r.compliance.as_slice()).unwrap_or_default(),
            suppression: r.suppression.as_ref().map(Suppression::from),
        },
    }
}

#[derive(Serialize)]
struct Event<'a> {
    activity_id: u32,
    activity_name: &'static str,
    category_uid: u32,
    category_name: &'static str,
    class_uid: u32,
    class_name: &'static str,
    type_uid: u32,
    type_name: String,
    severity_id: u32,
    severity: &'static str,
    status_id: u32,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    is_alert: bool,
    time: i64,
    message: &'a str,
    metadata: Metadata<'a>,
    finding_info: FindingInfo<'a>,
    cloud: Cloud<'a>,
    resources: [Resource<'a>; 1],
    evidences: [Evidences<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<Remediation<'a>>,
    unmapped: Unmapped<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    version: &'static str,
    profiles: [&'static str; 1],
    processed_time: i64,
    product: Product<'a>,
}

#[derive(Serialize)]
struct Product<'a> {
    name: &'static str,
    vendor_name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<&'a str>,
    types: [&'static str; 1],
    analytic: Analytic<'a>,
    created_time: i64,
    first_seen_time: i64,
    last_seen_time: i64,
}

#[derive(Serialize)]
struct Analytic<'a> {
    uid: &'a str,
    name: &'a str,
    type_id: u32,
    r#type: &'static str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    provider: &'static str,
    account: Account<'a>,
    region: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_partition: Option<&'static str>,
}

#[derive(Serialize)]
struct Account<'a> {
    uid: &'a str,
    type_id: u32,
    r#type: &'static str,
}

#[derive(Serialize)]
struct Resource<'a> {
    uid: &'a str,
    name: &'a str,
    r#type: &'static str,
    region: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_partition: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<KeyValue<'a>>,
}

#[derive(Serialize)]
struct KeyValue<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Evidences<'a> {
    data: &'a Evidence,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
}

/// Skywarden data without an OCSF attribute in Detection Finding.
#[derive(Serialize)]
struct Unmapped<'a> {
    connection_id: &'a str,
    skywarden_status: &'static str,
    first_scan_id: String,
    last_scan_id: String,
    regression_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    monthly_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pricing_basis: Option<&'a PricingBasis>,
    #[serde(skip_serializing_if = "<[ComplianceRef]>::is_empty")]
    compliance: &'a [ComplianceRef],
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<Suppression<'a>>,
}

/// [`SuppressionRef`] without `null`s.
#[derive(Serialize)]
struct Suppression<'a> {
    id: &'a str,
    owner: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

impl<'a> From<&'a SuppressionRef> for Suppression<'a> {
    fn from(s: &'a SuppressionRef) -> Self {
        Suppression {
            id: &s.id,
            owner: &s.owner,
            reason: &s.reason,
            ticket: s.ticket.as_deref(),
            expires_at: s.expires_at.as_ref().map(rfc3339),
        }
    }
}
