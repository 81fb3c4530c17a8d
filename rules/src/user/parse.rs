//! Reading one pack file: the YAML schema (serde, `deny_unknown_fields`, with serde_norway's
//! error locations) and the positions of keys (saphyr's markers) that rule-level errors
//! point at.

use std::collections::HashMap;

use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};
use serde::Deserialize;

pub(crate) const SCHEMA: &str = "skywarden.rules/v1";

/// A CEL expression in YAML: a string, or a bare number or boolean (a constant).
#[derive(Debug, Clone)]
pub(crate) struct ExprText(pub String);

impl<'de> Deserialize<'de> for ExprText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
            F(f64),
            B(bool),
        }
        Raw::deserialize(d)
            .map(|r| {
                ExprText(match r {
                    Raw::S(s) => s,
                    Raw::I(i) => i.to_string(),
                    // `{:?}` keeps the decimal point: CEL reads `5.0` as a double.
                    Raw::F(f) => format!("{f:?}"),
                    Raw::B(b) => b.to_string(),
                })
            })
            .map_err(|_| {
                serde::de::Error::custom("expected a CEL expression (a string, number or boolean)")
            })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPack {
    pub schema: String,
    pub pack: String,
    #[serde(default)]
    pub params: Option<serde_json::Value>,
    pub rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub severity: String,
    pub category: String,
    pub kinds: Vec<String>,
    pub remediation: String,
    #[serde(default)]
    pub compliance: Vec<RawCompliance>,
    #[serde(rename = "match")]
    pub match_expr: ExprText,
    #[serde(default)]
    pub estimate: Option<RawEstimate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCompliance {
    pub framework: String,
    pub version: String,
    pub control: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEstimate {
    pub monthly_usd: ExprText,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    const START: Pos = Pos { line: 1, column: 1 };

    fn of(node: &MarkedYaml<'_>) -> Pos {
        Pos {
            line: node.span.start.line().max(1),
            column: node.span.start.col() + 1,
        }
    }
}

/// Where the keys of one rule are.
#[derive(Debug, Clone, Default)]
pub(crate) struct RulePositions {
    pub start: Pos,
    pub id: Option<String>,
    pub keys: HashMap<String, Pos>,
    pub monthly_usd: Option<Pos>,
}

impl RulePositions {
    /// The position of `key` in the rule (`estimate.monthly_usd` for the estimate
    /// expression), else the rule's start.
    pub(crate) fn key(&self, key: &str) -> Pos {
        if key == "estimate.monthly_usd" {
            if let Some(p) = self.monthly_usd {
                return p;
            }
            return self.key("estimate");
        }
        self.keys.get(key).copied().unwrap_or(self.start)
    }
}

/// Where the top-level keys and the rules of a file are. Empty when saphyr cannot read the
/// file (serde_norway then reports the error).
#[derive(Debug, Clone, Default)]
pub(crate) struct FilePositions {
    keys: HashMap<String, Pos>,
    pub rules: Vec<RulePositions>,
}

impl FilePositions {
    pub(crate) fn key(&self, key: &str) -> Pos {
        self.keys.get(key).copied().unwrap_or(Pos::START)
    }

    /// The rule the position `p` falls in (the last rule starting at or before it).
    pub(crate) fn rule_at(&self, p: Pos) -> Option<&RulePositions> {
        self.rules
            .iter()
            .rev()
            .find(|r| (r.start.line, r.start.column) <= (p.line, p.column))
    }
}

fn mapping_keys<'a>(
    node: &'a MarkedYaml<'a>,
) -> impl Iterator<Item = (&'a str, &'a MarkedYaml<'a>, &'a MarkedYaml<'a>)> {
    let entries = match &node.data {
        YamlData::Mapping(m) => Some(m.iter()),
        _ => None,
    };
    entries
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| k.data.as_str().map(|s| (s, k, v)))
}

pub(crate) fn positions(text: &str) -> FilePositions {
    let Ok(docs) = MarkedYaml::load_from_str(text) else {
        return FilePositions::default();
    };
    let Some(root) = docs.first() else {
        return FilePositions::default();
    };
    let mut out = FilePositions::default();
    for (key, k, v) in mapping_keys(root) {
        out.keys.insert(key.to_string(), Pos::of(k));
        if key != "rules" {
            continue;
        }
        let YamlData::Sequence(rules) = &v.data else {
            continue;
        };
        for rule in rules {
            let mut rp = RulePositions {
                start: Pos::of(rule),
                ..RulePositions::default()
            };
            for (rk, rkn, rv) in mapping_keys(rule) {
                rp.keys.insert(rk.to_string(), Pos::of(rkn));
                if rk == "id" {
                    rp.id = rv.data.as_str().map(str::to_string);
                }
                if rk == "estimate" {
                    rp.monthly_usd = mapping_keys(rv)
                        .find(|(ek, _, _)| *ek == "monthly_usd")
                        .map(|(_, ekn, _)| Pos::of(ekn));
                }
            }
            out.rules.push(rp);
        }
    }
    out
}

/// A serde_norway error's message without its trailing ` at line N column M`.
pub(crate) fn yaml_reason(e: &serde_norway::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) if e.location().is_some() => msg[..i].to_string(),
        _ => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_rules_and_keys() {
        let text = "schema: x\npack: p\nrules:\n  - id: a.b\n    match: >-\n      true\n    estimate:\n      monthly_usd: 1\n  - id: c.d\n    kinds: [a]\n";
        let p = positions(text);
        assert_eq!(p.key("pack"), Pos { line: 2, column: 1 });
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.rules[0].id.as_deref(), Some("a.b"));
        assert_eq!(p.rules[0].start, Pos { line: 4, column: 5 });
        assert_eq!(p.rules[0].key("match"), Pos { line: 5, column: 5 });
        assert_eq!(
            p.rules[0].key("estimate.monthly_usd"),
            Pos { line: 8, column: 7 }
        );
        assert_eq!(
            p.rules[1].key("kinds"),
            Pos {
                line: 10,
                column: 5
            }
        );
        assert_eq!(p.rules[1].key("estimate.monthly_usd"), p.rules[1].start);
        assert_eq!(
            p.rule_at(Pos {
                line: 10,
                column: 12
            })
            .unwrap()
            .id
            .as_deref(),
            Some("c.d")
        );
        assert!(p.rule_at(Pos { line: 2, column: 1 }).is_none());
    }

    #[test]
    fn expression_text_accepts_constants() {
        #[derive(Deserialize)]
        struct T {
            a: ExprText,
            b: ExprText,
            c: ExprText,
        }
        let t: T = serde_norway::from_str("a: 5\nb: 2.5\nc: x > 1\n").unwrap();
        assert_eq!(
            (t.a.0.as_str(), t.b.0.as_str(), t.c.0.as_str()),
            ("5", "2.5", "x > 1")
        );
    }
}
