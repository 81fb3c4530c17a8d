//! Findings exports: one file per format, one registry line per format.
//!
//! [`write()`] streams an [`ExportInput`] (stored [`FindingRecord`]s plus the [`RuleInfo`] of
//! the rules they reference) to any [`std::io::Write`] in one [`ExportFormat`]. Output is
//! deterministic: findings in the order given, fixed key order (typed structs, never
//! `serde_json::Value` maps whose order depends on cargo features), no clock reads: the
//! export time is `generated_at`. Each finding is written as it is visited; only JUnit groups
//! findings by rule first (its suite counts come before its test cases), by index.
//!
//! A finding whose rule is not in `rules` (a user rule pack that was removed, say) still
//! exports: its title comes from the finding, remediation and compliance are empty.
//!
//! # Formats and mapping choices
//!
//! * `json`: a JSON array of [`FindingRecord`] exactly as its serde form (the documented
//!   schema of `skywarden findings list --format json`), one record per line.
//! * `ndjson`: the same records, one JSON object per line.
//! * `csv`: a header and one row per finding with the fixed [`csv::COLUMNS`]. Tags are
//!   `k=v;k=v` sorted by key, compliance `framework:version:control;...`; inside them `\`,
//!   `;`, `=` and `:` are backslash-escaped. Against CSV/formula injection (OWASP), every cell
//!   that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`.
//! * `ocsf`: a JSON array of OCSF [`ocsf::OCSF_VERSION`] Detection Findings (class_uid 2004,
//!   category_uid 2, `type_uid = class_uid * 100 + activity_id`) with the `cloud` profile,
//!   validated in tests against the JSON Schema generated from the published OCSF schema.
//!   - `activity_id`: open and regressed -> 1 Create, suppressed -> 2 Update,
//!     resolved -> 3 Close (an export is a snapshot; Create means "this finding is active").
//!   - `status_id`: open -> 1 New; regressed -> 1 New with `status_detail` saying it
//!     regressed (OCSF has no "reopened"; 99 Other would hide from consumers that the
//!     finding is active); suppressed -> 3 Suppressed (reason in `comment`, suppression id
//!     in `status_detail`); resolved -> 4 Resolved.
//!   - `severity_id`: info 1 Informational, low 2, medium 3, high 4, critical 5.
//!   - `time` is `resolved_at` for resolved findings, else `last_seen`; all OCSF times are
//!     milliseconds since the epoch. `is_alert` is true for active findings.
//!   - The rule is `finding_info.analytic` (type Rule, uid = rule id); the evidence is
//!     `evidences[0].data`; remediation text is `remediation.desc` (omitted when unknown).
//!   - Detection Finding has no compliance attribute (that is the Compliance Finding class)
//!     and no cost attribute: compliance refs, cost and pricing basis, scan ids and the
//!     suppression go to `unmapped`, which OCSF reserves for source-specific data.
//! * `sarif`: a SARIF 2.1.0 log with one run. `tool.driver.rules` holds one
//!   reportingDescriptor per rule referenced by a finding, in order of first reference;
//!   `ruleIndex` points into it.
//!   - `level`: critical and high -> `error`, medium -> `warning`, low and info -> `note`.
//!   - `baselineState`: resolved -> `absent`; otherwise `new` when the finding was first
//!     seen in its last scan (`first_scan_id == last_scan_id`), else `unchanged`.
//!   - No physical location: one logicalLocation (fullyQualifiedName = resource id,
//!     name = its short id, kind = resource kind). `partialFingerprints` carries the stable
//!     key as `skywardenFindingKey/v1`. Suppressed findings carry one suppression
//!     `{kind: external, status: accepted, justification: reason}`; the others an empty
//!     `suppressions` array (suppressions were evaluated, none applies).
//!   - Cost, status, account, region and lifecycle times are in the result's `properties`.
//! * `junit`: JUnit XML for CI gates. `<testsuites>` holds one `<testsuite>` per rule that
//!   has findings (name = rule id, in order of first reference; rules without findings are
//!   not listed: `rules` is a metadata lookup, not the list of evaluated rules), and one
//!   `<testcase classname=rule_id name=resource_id>` per finding. Open and regressed
//!   findings are `<failure message=title type=severity>` with details as text; suppressed
//!   ones `<skipped message=...>`; resolved ones pass. Each test case has `<properties>`
//!   with the finding key and status. Characters that XML 1.0 forbids (control characters
//!   other than tab, newline and carriage return; U+FFFE, U+FFFF) are removed; the rest is
//!   escaped by quick-xml.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::finding::FindingRecord;
use crate::meta::RuleInfo;

/// What an export writes: the findings, the metadata of their rules, and the run context.
#[derive(Debug, Clone, Copy)]
pub struct ExportInput<'a> {
    /// Exported in this order.
    pub findings: &'a [FindingRecord],
    /// Metadata looked up by rule id (first entry wins on duplicates); may list rules that
    /// have no finding and may miss rules that have one.
    pub rules: &'a [RuleInfo],
    /// When the export was produced (the only timestamp not taken from the findings).
    pub generated_at: DateTime<Utc>,
    /// Skywarden's version, e.g. `0.1.0`.
    pub tool_version: &'a str,
}

/// Errors of an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("unknown export format {0:?} (expected one of: {names})", names = ExportFormat::names())]
    UnknownFormat(String),
    #[error("writing the export: {0}")]
    Io(#[from] io::Error),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("encoding CSV: {0}")]
    Csv(#[from] ::csv::Error),
}

/// The signature every format module exports as `write`.
type WriteFn = fn(&ExportInput<'_>, &mut dyn Write) -> Result<(), ExportError>;

macro_rules! registry {
    ($( $module:ident => $variant:ident, $slug:literal, $ext:literal, $media:literal; )*) => {
        $( pub mod $module; )*

        /// Every export format. Closed: adding one is a file plus a registry line.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ExportFormat {
            $( #[serde(rename = $slug)] $variant, )*
        }

        impl ExportFormat {
            pub const ALL: &'static [ExportFormat] = &[ $( ExportFormat::$variant ),* ];

            /// The wire name (`snake_case`), also used by `--format`.
            pub fn as_str(self) -> &'static str {
                match self { $( ExportFormat::$variant => $slug, )* }
            }
            /// File name extension without the dot (`ocsf` -> `json`).
            pub fn extension(self) -> &'static str {
                match self { $( ExportFormat::$variant => $ext, )* }
            }
            /// HTTP media type.
            pub fn media_type(self) -> &'static str {
                match self { $( ExportFormat::$variant => $media, )* }
            }
            /// The module (file) name, checked against the wire name by a test.
            pub fn module(self) -> &'static str {
                match self { $( ExportFormat::$variant => stringify!($module), )* }
            }
            fn writer(self) -> WriteFn {
                match self { $( ExportFormat::$variant => $module::write, )* }
            }
        }
    };
}

registry! {
    json => Json, "json", "json", "application/json";
    ndjson => Ndjson, "ndjson", "ndjson", "application/x-ndjson";
    csv => Csv, "csv", "csv", "text/csv";
    ocsf => Ocsf, "ocsf", "json", "application/json";
    sarif => Sarif, "sarif", "sarif", "application/sarif+json";
    junit => Junit, "junit", "xml", "application/xml";
}

impl ExportFormat {
    fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
        names.join(", ")
    }
}

impl FromStr for ExportFormat {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Self, ExportError> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| ExportError::UnknownFormat(s.chars().take(50).collect()))
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Streams `input` to `out` in `format`. `out` is buffered internally and flushed at the end.
pub fn write<W: Write>(
    format: ExportFormat,
    input: &ExportInput<'_>,
    out: W,
) -> Result<(), ExportError> {
    let mut out = BufWriter::new(out);
    (format.writer())(input, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Rule metadata by id, built once per export.
struct RuleIndex<'a>(BTreeMap<&'a str, &'a RuleInfo>);

impl<'a> RuleIndex<'a> {
    fn new(rules: &'a [RuleInfo]) -> Self {
        let mut map = BTreeMap::new();
        for r in rules {
            map.entry(r.id.as_str()).or_insert(r);
        }
        RuleIndex(map)
    }
    fn get(&self, rule_id: &str) -> Option<&'a RuleInfo> {
        self.0.get(rule_id).copied()
    }
}

/// Writes `items` as a JSON array, one compact item per line: `[\n{..},\n{..}\n]\n`.
fn write_json_array<T, I>(out: &mut dyn Write, items: I) -> Result<(), ExportError>
where
    T: Serialize,
    I: IntoIterator<Item = T>,
{
    let mut first = true;
    out.write_all(b"[")?;
    for item in items {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *out, &item)?;
    }
    out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
    Ok(())
}

/// RFC 3339 in UTC with `Z`, as the serde form of `DateTime<Utc>` prints it.
fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_match_their_modules() {
        for f in ExportFormat::ALL {
            assert_eq!(f.as_str().parse::<ExportFormat>().unwrap(), *f);
            assert_eq!(
                f.module(),
                f.as_str(),
                "module file name must equal the wire name"
            );
            assert_eq!(
                serde_json::to_string(f).unwrap(),
                format!("\"{}\"", f.as_str())
            );
        }
        let err = "xlsx".parse::<ExportFormat>().unwrap_err();
        assert!(matches!(&err, ExportError::UnknownFormat(s) if s == "xlsx"));
        assert!(err
            .to_string()
            .contains("json, ndjson, csv, ocsf, sarif, junit"));
    }

    #[test]
    fn empty_json_array() {
        let mut out = Vec::new();
        write_json_array::<u8, _>(&mut out, []).unwrap();
        assert_eq!(out, b"[]\n");
        let mut out = Vec::new();
        write_json_array(&mut out, [1, 2]).unwrap();
        assert_eq!(out, b"[\n1,\n2\n]\n");
    }
}
