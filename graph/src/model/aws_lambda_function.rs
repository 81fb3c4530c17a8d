//! `aws_lambda_function`: a Lambda function, its network placement and function URL.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub function_name: String,
    /// `python3.12`, `nodejs20.x`, ...; `None` for container-image functions.
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub role: Option<ResourceId>,
    pub memory_mb: Option<i32>,
    pub timeout_s: Option<i32>,
    pub last_modified: Option<DateTime<Utc>>,
    pub vpc: Option<ResourceId>,
    pub subnets: Vec<ResourceId>,
    pub security_groups: Vec<ResourceId>,
    /// The function URL, when one is configured.
    pub url: Option<FunctionUrl>,
    /// Names of environment variables only: values may be secrets and are never read.
    pub environment_variable_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionUrl {
    pub url: String,
    pub auth_type: FunctionUrlAuth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionUrlAuth {
    /// Anyone on the internet can invoke it (subject to the resource policy).
    None,
    AwsIam,
    #[serde(other)]
    Unknown,
}

impl Function {
    pub fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> =
            self.subnets.iter().map(|s| Reference::incoming(EdgeKind::Contains, s.clone())).collect();
        refs.extend(self.security_groups.iter().map(|g| Reference::outgoing(EdgeKind::SecuredBy, g.clone())));
        refs
    }
}
