//! Errors of the rules crate.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("unknown severity {0:?} (expected info, low, medium, high or critical)")]
    UnknownSeverity(String),
    #[error("unknown finding status {0:?} (expected open or resolved)")]
    UnknownStatus(String),
    #[error("unknown category {0:?} (expected security, cost or drift)")]
    UnknownCategory(String),
    #[error("invalid finding key {0:?}")]
    InvalidKey(String),
}
