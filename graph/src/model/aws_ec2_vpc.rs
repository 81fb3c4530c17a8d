//! `aws_ec2_vpc`: a VPC.

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    pub vpc_id: String,
    pub cidr_block: Option<String>,
    pub is_default: bool,
    pub state: Option<String>,
}

impl Vpc {
    /// A VPC references nothing; subnets, route tables and groups point at it.
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
