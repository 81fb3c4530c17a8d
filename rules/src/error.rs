//! Errors of the rules crate.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("unknown severity {0:?} (expected info, low, medium, high or critical)")]
    UnknownSeverity(String),
    #[error("unknown finding status {0:?} (expected open, regressed, resolved or suppressed)")]
    UnknownStatus(String),
    #[error("unknown category {0:?} (expected security, cost or drift)")]
    UnknownCategory(String),
    #[error("invalid finding key {0:?}")]
    InvalidKey(String),
    #[error("unknown rule id {0:?} in the rule settings (see `skywarden rules list`)")]
    UnknownRule(String),
    #[error("invalid suppression: {0}")]
    InvalidSuppression(String),
    #[error("invalid tag selector {value:?}: {reason}")]
    InvalidSelector { value: String, reason: String },
    #[error("invalid [rules.tag_policy]: {0}")]
    InvalidTagPolicy(String),
    #[error("inconsistent baseline: {0}")]
    Baseline(String),
}
