//! Loading the vendored JSON Schemas (`rules/testdata/schemas/`) into validators; shared by
//! `rules/tests/export.rs` and the end-to-end `tests/policy_emulator.rs` (via `#[path]`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::Value;

pub fn load_schema(dir: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    // Every `$ref` must be local: the validator resolves no remote documents.
    fn walk(v: &Value, refs: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if let ("$ref", Value::String(r)) = (k.as_str(), v) {
                        refs.push(r.clone());
                    }
                    walk(v, refs);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let mut refs = Vec::new();
    walk(&schema, &mut refs);
    assert!(refs.len() > 10, "{file}: expected a schema with references");
    let remote: Vec<&String> = refs.iter().filter(|r| !r.starts_with("#/")).collect();
    assert!(remote.is_empty(), "{file}: non-local $refs {remote:?}");
    schema
}

/// The official SARIF 2.1.0 schema's `language` pattern has a stray `]`
/// (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`). ECMA-262, the regex dialect JSON Schema
/// specifies, reads a lone `]` as a literal, but the Rust regex engine rejects it. Escaping it
/// (`\]`) is the same expression in ECMA-262; the vendored file stays byte-for-byte official
/// and this is the only change, applied in memory.
const SARIF_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
const SARIF_LANGUAGE_PATTERN_ESCAPED: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$";

fn fix_stray_bracket(v: &mut Value) -> usize {
    match v {
        Value::String(s) if s == SARIF_LANGUAGE_PATTERN => {
            *s = SARIF_LANGUAGE_PATTERN_ESCAPED.to_string();
            1
        }
        Value::Object(m) => m.values_mut().map(fix_stray_bracket).sum(),
        Value::Array(a) => a.iter_mut().map(fix_stray_bracket).sum(),
        _ => 0,
    }
}

pub fn validator(dir: &Path, file: &str) -> jsonschema::Validator {
    let mut schema = load_schema(dir, file);
    if file == SARIF_SCHEMA {
        // `run.language` and `toolComponent.language`.
        assert_eq!(fix_stray_bracket(&mut schema), 2);
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

pub fn schema_errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

pub const OCSF_SCHEMA: &str = "ocsf-1.8.0-detection_finding-cloud.json";
pub const SARIF_SCHEMA: &str = "sarif-schema-2.1.0.json";
