//! Typed attribute values on both sides of the comparison, and the reader of a state
//! instance's attributes with precise errors.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorKind, TerraformError};

/// A compared attribute value. Both sides are normalised into the Terraform vocabulary
/// (e.g. a volume type is `"gp3"`, a load balancer's scheme is `internal: true`), so equality
/// is plain equality. Sets compare as sets; maps (tags) as maps.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Set(BTreeSet<String>),
    Map(BTreeMap<String, String>),
}

impl AttrValue {
    pub fn str(s: impl Into<String>) -> Self {
        AttrValue::Str(s.into())
    }
    pub fn opt_str(s: Option<impl Into<String>>) -> Self {
        s.map_or(AttrValue::Null, |s| AttrValue::Str(s.into()))
    }
    pub fn set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Self {
        AttrValue::Set(items.into_iter().map(Into::into).collect())
    }
    /// Union of two sets (a set-valued attribute declared by a resource and its separate rule
    /// resources); any other pair keeps `other`, the more specific declaration.
    pub(crate) fn merge(&mut self, other: AttrValue) {
        match (self, other) {
            (AttrValue::Set(a), AttrValue::Set(b)) => a.extend(b),
            (me, other) => *me = other,
        }
    }
}

/// Compared attributes by name (a Terraform attribute path such as `instance_type`,
/// `metadata_options.http_tokens` or `versioning_configuration.status`).
pub type AttrMap = BTreeMap<&'static str, AttrValue>;

/// Tag keys AWS and Azure set themselves (`aws:cloudformation:stack-name`, ...): Terraform
/// cannot manage them, so neither side compares them.
pub(crate) fn user_tags<'a>(
    tags: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> BTreeMap<String, String> {
    tags.into_iter()
        .filter(|(k, _)| !k.starts_with("aws:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The attributes of one state instance, read with errors naming file, address and field.
/// Never quotes a value in an error (state attributes hold secrets).
#[derive(Debug, Clone, Copy)]
pub struct Attrs<'a> {
    pub file: &'a str,
    pub address: &'a str,
    pub map: &'a Map<String, Value>,
}

impl<'a> Attrs<'a> {
    pub fn error(&self, kind: ErrorKind) -> TerraformError {
        TerraformError::at(self.file, self.address, kind)
    }
    fn invalid(&self, field: &str, expected: &'static str) -> TerraformError {
        self.error(ErrorKind::InvalidField {
            field: field.to_string(),
            expected,
        })
    }
    fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k).filter(|v| !v.is_null())
    }

    /// The instance's `id`: required, a non-empty string.
    pub fn id(&self) -> Result<&'a str, TerraformError> {
        match self.get("id") {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            Some(Value::String(_)) | None => Err(self.error(ErrorKind::MissingId)),
            Some(_) => Err(self.invalid("id", "a string")),
        }
    }

    /// A string attribute; absent, null and `""` (the SDK's "unset") are `None`.
    pub fn opt_str(&self, k: &str) -> Result<Option<&'a str>, TerraformError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.invalid(k, "a string")),
        }
    }

    pub fn opt_bool(&self, k: &str) -> Result<Option<bool>, TerraformError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(k, "a boolean")),
        }
    }

    pub fn opt_int(&self, k: &str) -> Result<Option<i64>, TerraformError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                // Terraform numbers are arbitrary precision; whole floats are integers.
                None => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                    _ => Err(self.invalid(k, "an integer")),
                },
            },
            Some(_) => Err(self.invalid(k, "an integer")),
        }
    }

    /// A list or set of strings (empty strings dropped).
    pub fn opt_strings(&self, k: &str) -> Result<Option<BTreeSet<String>>, TerraformError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(self.invalid(k, "a list of strings")),
                })
                .filter(|s| s.as_ref().map_or(true, |s| !s.is_empty()))
                .collect::<Result<BTreeSet<_>, _>>()
                .map(Some),
            Some(_) => Err(self.invalid(k, "a list of strings")),
        }
    }

    /// A map of strings (tags).
    pub fn opt_string_map(
        &self,
        k: &str,
    ) -> Result<Option<BTreeMap<String, String>>, TerraformError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(key, v)| match v {
                    Value::String(s) => Ok((key.clone(), s.clone())),
                    _ => Err(self.invalid(k, "a map of strings")),
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
                .map(Some),
            Some(_) => Err(self.invalid(k, "a map of strings")),
        }
    }

    /// Tags as the provider applies them: `tags_all` (with provider default tags), else
    /// `tags`; system keys (`aws:`) dropped.
    pub fn tags(&self) -> Result<Option<BTreeMap<String, String>>, TerraformError> {
        let tags = match self.opt_string_map("tags_all")? {
            Some(t) => Some(t),
            None => self.opt_string_map("tags")?,
        };
        Ok(tags.map(|t| user_tags(&t)))
    }

    /// The nested blocks `k` (a list of objects), each readable as [`Attrs`] whose errors
    /// name `k`. Absent or null: empty.
    pub fn blocks(&self, k: &str) -> Result<Vec<Attrs<'a>>, TerraformError> {
        match self.get(k) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(Attrs {
                        file: self.file,
                        address: self.address,
                        map: m,
                    }),
                    _ => Err(self.invalid(k, "a list of objects")),
                })
                .collect(),
            Some(_) => Err(self.invalid(k, "a list of objects")),
        }
    }

    /// The first block `k` (blocks with at most one item), if any.
    pub fn block(&self, k: &str) -> Result<Option<Attrs<'a>>, TerraformError> {
        Ok(self.blocks(k)?.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(v: &Value) -> Attrs<'_> {
        Attrs {
            file: "f",
            address: "aws_instance.a",
            map: v.as_object().unwrap(),
        }
    }

    #[test]
    fn reads_typed_attributes() {
        let v = serde_json::json!({"id": "i-1", "n": 8, "f": 8.0, "b": true, "s": "", "l": ["a", "", "b"],
            "tags": {"Name": "x", "aws:cloudformation:stack-name": "y"}, "tags_all": null,
            "blk": [{"k": "v"}]});
        let a = attrs(&v);
        assert_eq!(a.id().unwrap(), "i-1");
        assert_eq!(a.opt_int("n").unwrap(), Some(8));
        assert_eq!(a.opt_int("f").unwrap(), Some(8));
        assert_eq!(a.opt_bool("b").unwrap(), Some(true));
        assert_eq!(a.opt_str("s").unwrap(), None);
        assert_eq!(a.opt_strings("l").unwrap().unwrap().len(), 2);
        assert_eq!(
            a.tags().unwrap().unwrap(),
            BTreeMap::from([("Name".to_string(), "x".to_string())])
        );
        assert_eq!(
            a.block("blk").unwrap().unwrap().opt_str("k").unwrap(),
            Some("v")
        );
        assert!(a.block("missing").unwrap().is_none());
    }

    #[test]
    fn wrong_types_are_errors_naming_the_field_not_the_value() {
        let v = serde_json::json!({"id": 5, "n": "secret-value", "blk": "x"});
        let a = attrs(&v);
        assert!(matches!(
            a.id().unwrap_err().kind,
            ErrorKind::InvalidField { .. }
        ));
        let e = a.opt_int("n").unwrap_err();
        assert_eq!(e.address.as_deref(), Some("aws_instance.a"));
        assert!(!e.to_string().contains("secret-value"));
        assert!(a.blocks("blk").is_err());
        let v = serde_json::json!({"id": ""});
        assert_eq!(attrs(&v).id().unwrap_err().kind, ErrorKind::MissingId);
    }

    #[test]
    fn set_values_merge_by_union() {
        let mut a = AttrValue::set(["a"]);
        a.merge(AttrValue::set(["b"]));
        assert_eq!(a, AttrValue::set(["a", "b"]));
        let mut s = AttrValue::str("x");
        s.merge(AttrValue::str("y"));
        assert_eq!(s, AttrValue::str("y"));
        assert_eq!(serde_json::to_value(AttrValue::Null).unwrap(), Value::Null);
        let back: AttrValue = serde_json::from_value(serde_json::json!(["a"])).unwrap();
        assert_eq!(back, AttrValue::set(["a"]));
    }
}
