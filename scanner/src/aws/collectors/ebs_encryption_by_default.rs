//! `ec2:GetEbsEncryptionByDefault` -> `aws_ec2_ebs_encryption_default`: one synthetic
//! resource per (account, region).
//!
//! The default KMS key (`ec2:GetEbsDefaultKmsKeyId`) is not read: moto 5.2.5 does not
//! implement it (invalid XML), and the encryption rule needs only the flag.

use skywarden_graph::model::EbsEncryptionDefault;
use skywarden_graph::{Resource, ResourceId};

use crate::aws::{classify, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let got = cx
        .call(Service::Ec2, cx.ec2.get_ebs_encryption_by_default().send())
        .await
        .map_err(classify)?;
    out.push(map(&cx.map, got.ebs_encryption_by_default())?).await;
    Ok(())
}

/// `arn:<partition>:ec2:<region>:<account>:ebs-encryption-by-default`.
pub fn id(cx: &MapCx) -> Result<ResourceId, CollectError> {
    let arn = format!(
        "arn:{}:ec2:{}:{}:ebs-encryption-by-default",
        cx.region.partition().as_str(),
        cx.region,
        cx.account
    );
    arn.parse()
        .map_err(|e| CollectError::decode(format!("unusable id {arn:?}: {e}")))
}

/// `enabled` is the response's `EbsEncryptionByDefault`; absent means off (EC2's default).
pub fn map(cx: &MapCx, enabled: Option<bool>) -> Result<Resource, CollectError> {
    Ok(Resource::new(
        id(cx)?,
        cx.account.clone(),
        cx.region.clone(),
        Default::default(),
        EbsEncryptionDefault {
            enabled: enabled.unwrap_or(false),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn one_resource_per_region_with_a_parseable_arn() {
        let r = map(&cx(), Some(true)).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:ebs-encryption-by-default");
        let arn = r.id.arn().unwrap();
        assert_eq!((arn.service.as_str(), arn.resource.as_str()), ("ec2", "ebs-encryption-by-default"));
        assert!(r.model::<EbsEncryptionDefault>().unwrap().enabled);
        assert!(!map(&cx(), None).unwrap().model::<EbsEncryptionDefault>().unwrap().enabled);
    }
}
