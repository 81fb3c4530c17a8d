//! `aws_ec2_key_pair`: an EC2 key pair (public key registered with EC2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::inventory::Reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPair {
    pub key_pair_id: String,
    pub key_name: String,
    pub fingerprint: Option<String>,
    pub key_type: KeyType,
    pub create_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    Rsa,
    Ed25519,
    #[serde(other)]
    Unknown,
}

impl KeyPair {
    pub fn references(&self) -> Vec<Reference> {
        // The instance model does not carry its key name yet, so no instance -> key pair edge.
        Vec::new()
    }
}
