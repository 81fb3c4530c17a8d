//! Errors of the graph crate: parsing typed ids at the boundary.

/// A value from outside the process that does not parse into a typed id or kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidId {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("unknown resource kind {0:?}")]
    UnknownKind(String),
}

impl GraphError {
    pub(crate) fn invalid(what: &'static str, value: &str, reason: &'static str) -> Self {
        // Ids are never secrets, but keep error text bounded for hostile input.
        let value: String = value.chars().take(200).collect();
        Self::InvalidId {
            what,
            value,
            reason,
        }
    }
}
