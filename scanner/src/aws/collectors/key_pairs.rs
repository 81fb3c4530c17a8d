//! `ec2:DescribeKeyPairs` -> `aws_ec2_key_pair` (not paginated by EC2: one call per region).

use aws_sdk_ec2::types as sdk;
use skywarden_graph::model::{KeyPair, KeyType};
use skywarden_graph::Resource;

use crate::aws::{classify, datetime, required, tags, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let listed = cx
        .call(Service::Ec2, cx.ec2.describe_key_pairs().send())
        .await
        .map_err(classify)?;
    for k in listed.key_pairs() {
        out.push(map(&cx.map, k)?).await;
    }
    Ok(())
}

pub fn map(cx: &MapCx, k: &sdk::KeyPairInfo) -> Result<Resource, CollectError> {
    let id = required(k.key_pair_id(), "KeyPairId")?;
    let model = KeyPair {
        key_pair_id: id.to_string(),
        key_name: required(k.key_name(), "KeyName")?.to_string(),
        fingerprint: k.key_fingerprint().map(str::to_string),
        key_type: match k.key_type() {
            Some(sdk::KeyType::Rsa) => KeyType::Rsa,
            Some(sdk::KeyType::Ed25519) => KeyType::Ed25519,
            _ => KeyType::Unknown,
        },
        create_time: datetime(k.create_time()),
    };
    Ok(Resource::new(
        cx.ec2_id("key-pair", id)?,
        cx.account.clone(),
        cx.region.clone(),
        tags(k.tags()),
        model,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    #[test]
    fn maps_a_key_pair() {
        let k = sdk::KeyPairInfo::builder()
            .key_pair_id("key-1")
            .key_name("deploy")
            .key_fingerprint("ab:cd")
            .key_type(sdk::KeyType::Ed25519)
            .create_time(aws_sdk_ec2::primitives::DateTime::from_secs(1_700_000_000))
            .build();
        let r = map(&cx(), &k).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:ec2:eu-west-1:123456789012:key-pair/key-1");
        let m = r.model::<KeyPair>().unwrap();
        assert_eq!((m.key_name.as_str(), m.key_type, m.fingerprint.as_deref()), ("deploy", KeyType::Ed25519, Some("ab:cd")));
        assert!(m.create_time.is_some());
        let no_id = sdk::KeyPairInfo::builder().key_name("old").build();
        assert!(map(&cx(), &no_id).is_err());
    }
}
