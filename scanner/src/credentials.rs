//! Cloud credentials handed to a scan. Secrets are `secrecy` types: never printed, zeroized
//! on drop.

use secrecy::{ExposeSecret, SecretString};

/// How a scan authenticates to AWS.
#[derive(Default)]
pub enum AwsCredentials {
    /// The SDK's standard chain: environment, shared config/credentials files (profiles, SSO,
    /// credential_process), web identity, ECS/EC2 instance roles.
    #[default]
    DefaultChain,
    /// Static keys (e.g. decrypted from the credential vault).
    Static {
        access_key_id: String,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
    },
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AwsCredentials::DefaultChain => f.write_str("DefaultChain"),
            AwsCredentials::Static { access_key_id, .. } => {
                // Only a prefix of the key id; the secret never.
                let prefix: String = access_key_id.chars().take(4).collect();
                write!(
                    f,
                    "Static {{ access_key_id: {prefix}…, secret_access_key: [redacted] }}"
                )
            }
        }
    }
}

impl AwsCredentials {
    pub(crate) fn provider(&self) -> Option<aws_sdk_ec2::config::Credentials> {
        match self {
            AwsCredentials::DefaultChain => None,
            AwsCredentials::Static {
                access_key_id,
                secret_access_key,
                session_token,
            } => Some(aws_sdk_ec2::config::Credentials::new(
                access_key_id.clone(),
                secret_access_key.expose_secret().to_string(),
                session_token
                    .as_ref()
                    .map(|t| t.expose_secret().to_string()),
                None,
                "skywarden-static",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = AwsCredentials::Static {
            access_key_id: "AKIAEXAMPLE123".into(),
            secret_access_key: SecretString::from("CANARY-SECRET-VALUE"),
            session_token: Some(SecretString::from("CANARY-TOKEN")),
        };
        let s = format!("{c:?}");
        assert!(!s.contains("CANARY") && !s.contains("EXAMPLE123"), "{s}");
    }
}
