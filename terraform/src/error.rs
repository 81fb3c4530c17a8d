//! The crate's one error type: which file, which resource address, what is wrong.
//!
//! Messages never quote attribute values: a Terraform state holds secrets (passwords,
//! private keys) in attributes, so an error names the attribute, never its content. Ids
//! (which are not secret) are quoted bounded.

use std::fmt;

/// A state file that cannot be read or compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TerraformError {
    /// The file name or `s3://bucket/key` the state came from.
    pub file: String,
    /// The offending resource address (`module.x.aws_instance.web[0]`), or the JSON location
    /// (`resources[3]`) when the address itself is unreadable; `None` for file-level problems.
    pub address: Option<String>,
    pub kind: ErrorKind,
}

/// What is wrong, typed so callers and tests can tell problems apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unsupported state format version {found} (only version 4, written by Terraform 0.12 and later, is read)")]
    UnsupportedVersion { found: String },
    #[error("missing field `{field}`")]
    MissingField { field: String },
    #[error("field `{field}` is not {expected}")]
    InvalidField {
        field: String,
        expected: &'static str,
    },
    #[error("the instance's attributes have no `id`")]
    MissingId,
    #[error("`{field}` {value:?} is not a valid {what}")]
    InvalidId {
        field: String,
        value: String,
        what: &'static str,
    },
    #[error("cannot tell the resource's {missing}: no `arn`/`region`/`owner_id` attribute, the other resources of its provider configuration do not name exactly one, and no default was given (--{missing})")]
    Unplaceable { missing: &'static str },
    #[error("{resource_id} is also managed by {other_address} in {other_file}")]
    ManagedTwice {
        resource_id: String,
        other_file: String,
        other_address: String,
    },
    #[error("larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
}

impl fmt::Display for TerraformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.address {
            Some(a) => write!(f, "{}: {a}: {}", self.file, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

impl TerraformError {
    pub fn file(file: &str, kind: ErrorKind) -> Self {
        TerraformError {
            file: file.to_string(),
            address: None,
            kind,
        }
    }
    pub fn at(file: &str, address: &str, kind: ErrorKind) -> Self {
        TerraformError {
            file: file.to_string(),
            address: Some(address.to_string()),
            kind,
        }
    }
}

/// Bounded, control-character-free text for error messages about hostile input.
pub(crate) fn bounded(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}
