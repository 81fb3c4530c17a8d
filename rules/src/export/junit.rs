//! `junit`: JUnit XML for CI gates (GitLab, Jenkins, GitHub test reporters): a rule is a
//! test suite, a finding a test case that fails while the finding is active. Layout in
//! [`super`].
//!
//! Escaping is quick-xml's (attribute values also escape tab, newline and carriage return so
//! they survive attribute-value normalisation); characters XML 1.0 cannot carry at all are
//! removed first by [`xml_safe`].

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::{rfc3339, ExportError, ExportInput, RuleIndex};
use crate::finding::{FindingRecord, FindingStatus};
use crate::meta::RuleInfo;

/// The `<property>` name carrying the stable finding key.
pub const KEY_PROPERTY: &str = "skywarden.finding_key";
/// The `<property>` name carrying the finding status.
pub const STATUS_PROPERTY: &str = "skywarden.status";

pub(super) fn write(input: &ExportInput<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    let rules = RuleIndex::new(input.rules);

    // Suites in order of first reference, test cases in input order (by index).
    let mut suites: Vec<(&str, Vec<&FindingRecord>)> = Vec::new();
    for r in input.findings {
        let id = r.finding.rule_id.as_str();
        match suites.iter_mut().find(|(s, _)| *s == id) {
            Some((_, cases)) => cases.push(r),
            None => suites.push((id, vec![r])),
        }
    }

    let timestamp = input.generated_at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let count = |rs: &[&FindingRecord], pred: fn(FindingStatus) -> bool| {
        rs.iter().filter(|r| pred(r.status)).count().to_string()
    };
    let all: Vec<&FindingRecord> = input.findings.iter().collect();

    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    start(
        &mut w,
        "testsuites",
        &[
            ("name", "Skywarden"),
            ("tests", &all.len().to_string()),
            ("failures", &count(&all, FindingStatus::is_active)),
            ("errors", "0"),
            ("skipped", &count(&all, is_suppressed)),
            ("time", "0"),
            ("timestamp", &timestamp),
        ],
    )?;
    for (rule_id, cases) in &suites {
        start(
            &mut w,
            "testsuite",
            &[
                ("name", rule_id),
                ("tests", &cases.len().to_string()),
                ("failures", &count(cases, FindingStatus::is_active)),
                ("errors", "0"),
                ("skipped", &count(cases, is_suppressed)),
                ("time", "0"),
                ("timestamp", &timestamp),
            ],
        )?;
        let rule = rules.get(rule_id);
        for r in cases {
            testcase(&mut w, r, rule)?;
        }
        end(&mut w, "testsuite")?;
    }
    end(&mut w, "testsuites")?;
    w.get_mut().write_all(b"\n")?;
    Ok(())
}

fn is_suppressed(s: FindingStatus) -> bool {
    s == FindingStatus::Suppressed
}

fn testcase<W: Write>(
    w: &mut Writer<W>,
    r: &FindingRecord,
    rule: Option<&RuleInfo>,
) -> io::Result<()> {
    let f = &r.finding;
    start(
        w,
        "testcase",
        &[
            ("classname", &f.rule_id),
            ("name", f.resource_id.as_str()),
            ("time", "0"),
        ],
    )?;
    start(w, "properties", &[])?;
    empty(
        w,
        "property",
        &[("name", KEY_PROPERTY), ("value", f.key.as_str())],
    )?;
    empty(
        w,
        "property",
        &[("name", STATUS_PROPERTY), ("value", r.status.as_str())],
    )?;
    end(w, "properties")?;
    match r.status {
        FindingStatus::Open | FindingStatus::Regressed => {
            start(
                w,
                "failure",
                &[("message", &f.title), ("type", f.severity.as_str())],
            )?;
            w.write_event(Event::Text(BytesText::new(&xml_safe(&details(r, rule)))))?;
            end(w, "failure")?;
        }
        FindingStatus::Suppressed => {
            let message = match &r.suppression {
                Some(s) => format!("suppressed by {} ({}): {}", s.id, s.owner, s.reason),
                None => "suppressed".to_string(),
            };
            empty(w, "skipped", &[("message", &message)])?;
        }
        FindingStatus::Resolved => {}
    }
    end(w, "testcase")
}

/// The failure text: what, where, since when, how much, how to fix.
fn details(r: &FindingRecord, rule: Option<&RuleInfo>) -> String {
    let f = &r.finding;
    let mut s = format!(
        "severity: {}\nstatus: {}\nresource: {} ({})\naccount: {}\nregion: {}\nfinding key: {}\nfirst seen: {}\nlast seen: {}\n",
        f.severity,
        r.status,
        f.resource_id,
        f.resource_kind,
        f.account_id,
        f.region,
        f.key,
        rfc3339(&r.first_seen),
        rfc3339(&r.last_seen),
    );
    if r.regression_count > 0 {
        s.push_str(&format!("regressions: {}\n", r.regression_count));
    }
    if let Some(usd) = f.monthly_cost_usd {
        s.push_str(&format!("monthly cost (USD): {usd}\n"));
    }
    if let Some(remediation) = rule
        .map(|r| r.remediation.as_str())
        .filter(|s| !s.is_empty())
    {
        s.push_str(&format!("remediation: {remediation}\n"));
    }
    s
}

fn start<W: Write>(w: &mut Writer<W>, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    w.write_event(Event::Start(element(name, attrs)))
}

fn empty<W: Write>(w: &mut Writer<W>, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
    w.write_event(Event::Empty(element(name, attrs)))
}

fn end<W: Write>(w: &mut Writer<W>, name: &str) -> io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn element<'a>(name: &'a str, attrs: &[(&'a str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (key, value) in attrs {
        // `(&str, &str)` escapes the value.
        e.push_attribute((*key, xml_safe(value).as_ref()));
    }
    e
}

/// `s` without the characters XML 1.0 does not allow (`Char` production): C0 controls other
/// than tab, newline and carriage return, and U+FFFE / U+FFFF (Rust strings hold no
/// surrogates).
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| allowed(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_characters_xml_forbids() {
        assert_eq!(xml_safe("a\u{0}b\u{1}c\u{1b}d\u{FFFE}\u{FFFF}"), "abcd");
        assert_eq!(
            xml_safe("tab\tnl\ncr\r ok <&>\u{1F600}"),
            "tab\tnl\ncr\r ok <&>\u{1F600}"
        );
        assert!(matches!(xml_safe("plain"), Cow::Borrowed(_)));
    }
}
