//! `csv`: a header plus one row per finding, with fixed [`COLUMNS`] (RFC 4180 quoting by
//! the `csv` crate).
//!
//! Spreadsheets execute cells that start with `=`, `+`, `-` or `@` (and tab / carriage
//! return tricks around them), so every such cell gets a leading `'` (OWASP CSV injection
//! advice). Lists inside one cell (`tags`, `compliance`) are `;`-separated with `\`, `;`,
//! `=` and `:` backslash-escaped inside their parts, so they split back unambiguously.

use std::borrow::Cow;
use std::io::Write;

use super::{rfc3339, ExportError, ExportInput, RuleIndex};
use crate::finding::FindingRecord;
use crate::meta::RuleInfo;

/// The header row, in column order.
pub const COLUMNS: [&str; 21] = [
    "key",
    "connection_id",
    "rule_id",
    "severity",
    "category",
    "status",
    "title",
    "resource_id",
    "resource_kind",
    "account_id",
    "region",
    "monthly_cost_usd",
    "first_seen",
    "last_seen",
    "resolved_at",
    "regression_count",
    "suppressed_by",
    "suppression_expires_at",
    "tags",
    "compliance",
    "remediation",
];

pub(super) fn write(input: &ExportInput<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    let rules = RuleIndex::new(input.rules);
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for record in input.findings {
        let row = row(record, rules.get(&record.finding.rule_id));
        w.write_record(row.iter().map(|cell| guard_formula(cell).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

fn row(r: &FindingRecord, rule: Option<&RuleInfo>) -> [String; 21] {
    let f = &r.finding;
    let tags: Vec<String> = f
        .resource_tags
        .iter()
        .map(|(k, v)| format!("{}={}", escape_part(k), escape_part(v)))
        .collect();
    let compliance: Vec<String> = rule
        .map(|rule| {
            rule.compliance
                .iter()
                .map(|c| {
                    format!(
                        "{}:{}:{}",
                        escape_part(&c.framework),
                        escape_part(&c.version),
                        escape_part(&c.control)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    [
        f.key.to_string(),
        r.connection_id.to_string(),
        f.rule_id.clone(),
        f.severity.as_str().to_string(),
        f.category.as_str().to_string(),
        r.status.as_str().to_string(),
        f.title.clone(),
        f.resource_id.to_string(),
        f.resource_kind.as_str().to_string(),
        f.account_id.to_string(),
        f.region.to_string(),
        f.monthly_cost_usd
            .map(|c| c.to_string())
            .unwrap_or_default(),
        rfc3339(&r.first_seen),
        rfc3339(&r.last_seen),
        r.resolved_at.as_ref().map(rfc3339).unwrap_or_default(),
        r.regression_count.to_string(),
        r.suppression
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default(),
        r.suppression
            .as_ref()
            .and_then(|s| s.expires_at.as_ref())
            .map(rfc3339)
            .unwrap_or_default(),
        tags.join(";"),
        compliance.join(";"),
        rule.map(|rule| rule.remediation.clone())
            .unwrap_or_default(),
    ]
}

/// Prefixes `'` to a cell a spreadsheet would read as a formula.
pub fn guard_formula(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Backslash-escapes the list separators inside one part of a list cell.
fn escape_part(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', ';', '=', ':']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if matches!(c, '\\' | ';' | '=' | ':') {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_guarded() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard_formula(bad), format!("'{bad}"));
        }
        for ok in ["", "a=b", "arn:aws:ec2", "1-2", " =x"] {
            assert_eq!(guard_formula(ok), ok);
        }
    }

    #[test]
    fn list_parts_are_escaped() {
        assert_eq!(escape_part("plain"), "plain");
        assert_eq!(escape_part(r"a;b=c:d\e"), r"a\;b\=c\:d\\e");
    }
}
