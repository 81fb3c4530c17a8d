//! `aws_ec2_ebs_encryption_default`: whether new EBS volumes in a region are encrypted by
//! default (`GetEbsEncryptionByDefault`). One synthetic resource per (account, region), id
//! `arn:<partition>:ec2:<region>:<account>:ebs-encryption-by-default`.
//!
//! The default KMS key (`GetEbsDefaultKmsKeyId`) is not collected (see the collector).

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EbsEncryptionDefault {
    pub enabled: bool,
}

impl EbsEncryptionDefault {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
