//! `sarif`: a SARIF 2.1.0 log with one run, for code-scanning dashboards. The mapping
//! (levels, baselineState, logical locations, suppressions) is documented in [`super`];
//! tests validate the output against the official SARIF 2.1.0 JSON Schema.
//!
//! The envelope is written by hand around streamed results: `tool` (with the rules, which
//! are known after one pass over the findings' rule ids) first, then one result per line.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{rfc3339, ExportError, ExportInput, RuleIndex};
use crate::finding::{FindingRecord, FindingStatus};
use crate::meta::{Category, ComplianceRef, RuleInfo, Severity};

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The `$schema` URI of the log: the OASIS-published SARIF 2.1.0 schema.
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// `tool.driver.informationUri`: the project's repository (workspace `package.repository`).
pub const INFORMATION_URI: &str = "https://example.invalid/skywarden";
/// The `partialFingerprints` key carrying the stable finding key.
pub const FINGERPRINT_KEY: &str = "skywardenFindingKey/v1";

/// SARIF `level` of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// SARIF `baselineState` of a stored finding.
pub fn baseline_state(r: &FindingRecord) -> &'static str {
    if r.status == FindingStatus::Resolved {
        "absent"
    } else if r.first_scan_id == r.last_scan_id {
        "new"
    } else {
        "unchanged"
    }
}

/// GitHub code scanning's `security-severity` (a CVSS-like score) for security rules.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

pub(super) fn write(input: &ExportInput<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    let rules = RuleIndex::new(input.rules);

    // One descriptor per referenced rule, in order of first reference.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut descriptors = Vec::new();
    for r in input.findings {
        let id = r.finding.rule_id.as_str();
        if !index.contains_key(id) {
            index.insert(id, descriptors.len());
            descriptors.push(descriptor(r, rules.get(id)));
        }
    }

    let tool = Tool {
        driver: Driver {
            name: "Skywarden",
            version: input.tool_version,
            information_uri: INFORMATION_URI,
            rules: descriptors,
        },
    };
    write!(
        out,
        "{{\"$schema\":\"{SARIF_SCHEMA_URI}\",\"version\":\"{SARIF_VERSION}\",\"runs\":[{{\"tool\":"
    )?;
    serde_json::to_writer(&mut *out, &tool)?;
    out.write_all(b",\"properties\":")?;
    serde_json::to_writer(
        &mut *out,
        &RunProperties {
            generated_at: rfc3339(&input.generated_at),
        },
    )?;
    out.write_all(b",\"results\":[")?;
    for (i, r) in input.findings.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        let rule_index = index.get(r.finding.rule_id.as_str()).copied().unwrap_or(0);
        serde_json::to_writer(&mut *out, &result(r, rule_index))?;
    }
    out.write_all(if input.findings.is_empty() {
        b"]}]}\n"
    } else {
        b"\n]}]}\n"
    })?;
    Ok(())
}

fn descriptor<'a>(first: &'a FindingRecord, rule: Option<&'a RuleInfo>) -> Descriptor<'a> {
    let f = &first.finding;
    let severity = rule.map_or(f.severity, |r| r.severity);
    let category = rule.map_or(f.category, |r| r.category);
    let compliance = rule.map(|r| r.compliance.as_slice()).unwrap_or_default();
    let mut tags = vec![category.as_str().to_string()];
    tags.extend(
        compliance
            .iter()
            .map(|c| format!("{}:{}:{}", c.framework, c.version, c.control)),
    );
    let non_empty = |s: &'a str| (!s.is_empty()).then_some(Text { text: s });
    Descriptor {
        id: &f.rule_id,
        name: f.rule_id.rsplit('.').next().unwrap_or(&f.rule_id),
        short_description: Text {
            text: rule.map_or(f.title.as_str(), |r| r.title.as_str()),
        },
        full_description: rule.and_then(|r| non_empty(&r.description)),
        help: rule.and_then(|r| non_empty(&r.remediation)),
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: DescriptorProperties {
            tags,
            severity,
            category,
            compliance,
            security_severity: (category == Category::Security)
                .then(|| security_severity(severity)),
        },
    }
}

fn result(r: &FindingRecord, rule_index: usize) -> SarifResult<'_> {
    let f = &r.finding;
    let suppressions = r
        .suppression
        .as_ref()
        .filter(|_| r.status == FindingStatus::Suppressed)
        .map(|s| SarifSuppression {
            kind: "external",
            status: "accepted",
            justification: &s.reason,
            properties: SuppressionProperties {
                id: &s.id,
                owner: &s.owner,
                ticket: s.ticket.as_deref(),
                expires_at: s.expires_at.as_ref().map(rfc3339),
            },
        })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: &f.rule_id,
        rule_index,
        level: level(f.severity),
        message: Text { text: &f.title },
        locations: [Location {
            logical_locations: [LogicalLocation {
                fully_qualified_name: f.resource_id.as_str(),
                name: f.resource_id.short_id(),
                kind: f.resource_kind.as_str(),
            }],
        }],
        partial_fingerprints: Fingerprints {
            key: f.key.as_str(),
        },
        baseline_state: baseline_state(r),
        suppressions,
        properties: ResultProperties {
            status: r.status.as_str(),
            severity: f.severity,
            category: f.category,
            connection_id: r.connection_id.as_str(),
            account_id: f.account_id.as_str(),
            region: f.region.as_str(),
            first_seen: rfc3339(&r.first_seen),
            last_seen: rfc3339(&r.last_seen),
            resolved_at: r.resolved_at.as_ref().map(rfc3339),
            regression_count: r.regression_count,
            monthly_cost_usd: f.monthly_cost_usd,
            pricing_basis: f.pricing_basis.as_ref(),
            resource_tags: &f.resource_tags,
        },
    }
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
struct RunProperties {
    generated_at: String,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Text<'a>>,
    default_configuration: Configuration,
    properties: DescriptorProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties<'a> {
    /// SARIF's conventional tag list: the category, then `framework:version:control`.
    tags: Vec<String>,
    severity: Severity,
    category: Category,
    #[serde(skip_serializing_if = "<[ComplianceRef]>::is_empty")]
    compliance: &'a [ComplianceRef],
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints<'a>,
    baseline_state: &'static str,
    suppressions: Vec<SarifSuppression<'a>>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "skywardenFindingKey/v1")]
    key: &'a str,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    status: &'static str,
    justification: &'a str,
    properties: SuppressionProperties<'a>,
}

#[derive(Serialize)]
struct SuppressionProperties<'a> {
    id: &'a str,
    owner: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    status: &'static str,
    severity: Severity,
    category: Category,
    connection_id: &'a str,
    account_id: &'a str,
    region: &'a str,
    first_seen: String,
    last_seen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved_at: Option<String>,
    regression_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    monthly_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pricing_basis: Option<&'a crate::finding::PricingBasis>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    resource_tags: &'a BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }
}
