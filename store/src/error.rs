//! Errors of the store crate, and redaction of secrets in database URLs.
//!
//! Every message is one line. A database URL never appears with its password: targets are
//! redacted with [`redact_url`] before they are stored in an error, and driver messages
//! produced while connecting are scrubbed of the password with [`Secrets::scrub`].

use std::fmt;

use crate::types::Backend;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is not one the store accepts. `url` is redacted.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// A SQLite database could not be opened, created or written. `target` is the file path.
    #[error("cannot open SQLite database {target}: {reason}")]
    Open { target: String, reason: String },
    /// A Postgres server could not be reached, or refused us, or is read-only.
    /// `target` is the redacted URL.
    #[error("cannot connect to Postgres at {target}: {reason}")]
    Connect { target: String, reason: String },
    /// Applying the embedded migrations failed.
    #[error("{backend} migrations failed: {}", one_line(cause))]
    Migrate {
        backend: Backend,
        cause: sqlx::migrate::MigrateError,
    },
    /// A statement failed. `op` names the repository operation.
    #[error("database query failed ({op}): {}", one_line(cause))]
    Query {
        op: &'static str,
        cause: sqlx::Error,
    },
    /// A stored row no longer parses into its typed form.
    #[error("stored {table} row {key:?} does not parse: column {column}: {reason}")]
    Decode {
        table: &'static str,
        key: String,
        column: &'static str,
        reason: String,
    },
    /// A value could not be turned into its stored form (checked before any write).
    #[error("cannot store {what} {key:?}: {reason}")]
    Encode {
        what: &'static str,
        key: String,
        reason: String,
    },
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// The request contradicts what is stored (e.g. finishing a scan that is not running).
    #[error("{what} {id}: {reason}")]
    Conflict {
        what: &'static str,
        id: String,
        reason: String,
    },
    /// The master key is missing, malformed, unreadable, or not the one the vault was sealed
    /// with. Never contains key material.
    #[error("master key: {0}")]
    MasterKey(String),
    /// A sealed credential does not open (tampered, moved, wrong key) or could not be sealed.
    #[error("credential vault: {0}")]
    Sealing(String),
    /// The operating system's random number generator failed (tokens are not issued).
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// A string that should name one of a closed set of values (`FromStr`).
    #[error("invalid {what} {value:?} (expected {expected})")]
    InvalidValue {
        what: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl StoreError {
    /// The message without the variant's prefix (for re-wrapping master key errors).
    pub(crate) fn reason(&self) -> String {
        match self {
            StoreError::MasterKey(r) | StoreError::Sealing(r) => r.clone(),
            other => other.to_string(),
        }
    }
    /// Whether this is a failed statement that broke a foreign key (a referenced row is missing).
    pub(crate) fn is_foreign_key_violation(&self) -> bool {
        matches!(self, StoreError::Query { cause, .. }
            if cause.as_database_error().is_some_and(|d| d.is_foreign_key_violation()))
    }
    /// `map_err` helper: a failed statement of repository operation `op`.
    pub(crate) fn query(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |cause| StoreError::Query { op, cause }
    }
    pub(crate) fn decode(
        table: &'static str,
        key: &str,
        column: &'static str,
        reason: impl fmt::Display,
    ) -> Self {
        StoreError::Decode {
            table,
            key: bounded(key),
            column,
            reason: one_line(&reason),
        }
    }
}

/// A message on one line: driver errors occasionally carry newlines (hints, details).
pub(crate) fn one_line(e: &impl fmt::Display) -> String {
    let s = e.to_string();
    if s.contains(['\n', '\r']) {
        s.split(['\n', '\r'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s
    }
}

fn bounded(s: &str) -> String {
    s.chars().take(300).collect()
}

const MASK: &str = "***";

/// The URL with every password removed: the userinfo password (`user:PASSWORD@`) and any
/// query parameter whose name contains `password` (`?password=...`, `sslpassword=...`).
///
/// Works on the text as given, valid URL or not, and errs on the side of masking too much:
/// the userinfo is everything up to the *last* `@`, so a password containing `@` or `/` is
/// still masked whole.
pub fn redact_url(url: &str) -> String {
    let (mut out, secrets) = split_secrets(url);
    if secrets.is_empty() {
        out = url.to_string();
    }
    out
}

/// Passwords found in a URL, to scrub them from driver messages.
#[derive(Default)]
pub(crate) struct Secrets {
    url: String,
    redacted: String,
    values: Vec<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("url", &self.redacted)
            .field("values", &self.values.len())
            .finish()
    }
}

impl Secrets {
    pub(crate) fn of(url: &str) -> Self {
        let (redacted, raw) = split_secrets(url);
        let mut values = Vec::new();
        for v in raw {
            let decoded = url::form_urlencoded::parse(format!("x={v}").as_bytes())
                .next()
                .map(|(_, d)| d.into_owned());
            values.push(v);
            if let Some(d) = decoded {
                values.push(d);
            }
        }
        values.retain(|v| !v.is_empty());
        // Longest first, so a secret that contains another is masked whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Secrets {
            url: url.to_string(),
            redacted: if values.is_empty() {
                url.to_string()
            } else {
                redacted
            },
            values,
        }
    }
    pub(crate) fn redacted_url(&self) -> &str {
        &self.redacted
    }
    /// `text` with the URL and every password replaced, on one line.
    pub(crate) fn scrub(&self, text: impl fmt::Display) -> String {
        let mut s = one_line(&text);
        if !self.url.is_empty() && self.url != self.redacted {
            s = s.replace(&self.url, &self.redacted);
        }
        for v in &self.values {
            s = s.replace(v.as_str(), MASK);
        }
        s
    }
}

/// (URL with passwords masked, the raw password strings).
fn split_secrets(url: &str) -> (String, Vec<String>) {
    let mut secrets = Vec::new();
    let mut out = String::with_capacity(url.len());
    let (head, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => (url, ""),
    };
    out.push_str(head);
    let rest = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..=colon]);
                    out.push_str(MASK);
                    secrets.push(userinfo[colon + 1..].to_string());
                }
                None => out.push_str(userinfo),
            }
            out.push('@');
            &rest[at + 1..]
        }
        None => rest,
    };
    // Query parameters named like a password.
    match rest.find('?') {
        Some(q) => {
            out.push_str(&rest[..=q]);
            let (query, fragment) = match rest[q + 1..].find('#') {
                Some(h) => (&rest[q + 1..q + 1 + h], &rest[q + 1 + h..]),
                None => (&rest[q + 1..], ""),
            };
            let parts: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, v)) if k.to_ascii_lowercase().contains("password") => {
                        secrets.push(v.to_string());
                        format!("{k}={MASK}")
                    }
                    _ => pair.to_string(),
                })
                .collect();
            out.push_str(&parts.join("&"));
            out.push_str(fragment);
        }
        None => out.push_str(rest),
    }
    (out, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_userinfo_password() {
        assert_eq!(
            redact_url("postgres://u:SECRET@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        // '@' and '/' inside an unencoded password are still masked.
        assert_eq!(
            redact_url("postgres://u:p@ss/w@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn masks_password_query_parameters() {
        assert_eq!(
            redact_url("postgres://h/db?sslmode=disable&password=SECRET&sslpassword=X#f"),
            "postgres://h/db?sslmode=disable&password=***&sslpassword=***#f"
        );
    }

    #[test]
    fn scrubs_encoded_and_decoded_forms() {
        let s = Secrets::of("postgres://u:S%40CRET@h/db");
        assert_eq!(s.redacted_url(), "postgres://u:***@h/db");
        let msg = s.scrub("bad url postgres://u:S%40CRET@h/db; password S@CRET\nrejected");
        assert!(!msg.contains("CRET"), "{msg}");
        assert!(!msg.contains('\n'));
        assert!(format!("{s:?}").find("CRET").is_none());
    }
}
