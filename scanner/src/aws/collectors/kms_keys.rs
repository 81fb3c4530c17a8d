//! `kms:ListKeys` + `kms:DescribeKey` + `kms:GetKeyRotationStatus` (customer-managed symmetric
//! keys only) + `kms:ListAliases` (once per region) -> `aws_kms_key`.
//!
//! Tags (`kms:ListResourceTags`) are not collected yet.

use std::collections::BTreeMap;

use aws_sdk_kms::types as sdk;
use skywarden_graph::model::{KeyManager, KeyState, KeyUsage, KmsKey};
use skywarden_graph::Resource;

use crate::aws::{arn_id, classify, datetime, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pages = cx.kms.list_aliases().limit(100).into_paginator().send();
    while let Some(page) = cx.call(Service::Kms, pages.next()).await {
        for a in page.map_err(classify)?.aliases() {
            if let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) {
                aliases.entry(target.to_string()).or_default().push(name.to_string());
            }
        }
    }
    let mut pages = cx.kms.list_keys().limit(1000).into_paginator().send();
    while let Some(page) = cx.call(Service::Kms, pages.next()).await {
        for entry in page.map_err(classify)?.keys() {
            let Some(key_id) = entry.key_id() else { continue };
            let described = cx
                .call(Service::Kms, cx.kms.describe_key().key_id(key_id).send())
                .await
                .map_err(classify)?;
            let Some(meta) = described.key_metadata() else {
                return Err(CollectError::decode(format!("DescribeKey {key_id}: no KeyMetadata")));
            };
            let rotation = if needs_rotation_status(meta) {
                let status = cx
                    .call(Service::Kms, cx.kms.get_key_rotation_status().key_id(key_id).send())
                    .await
                    .map_err(classify)?;
                Some(status.key_rotation_enabled())
            } else {
                None
            };
            let names = aliases.get(meta.key_id()).cloned().unwrap_or_default();
            out.push(map(&cx.map, meta, rotation, names)?).await;
        }
    }
    Ok(())
}

/// Rotation is only asked for where the customer controls it: customer-managed, symmetric,
/// AWS-generated key material, not pending deletion (GetKeyRotationStatus fails on
/// unavailable keys) and not in a custom key store.
fn needs_rotation_status(m: &sdk::KeyMetadata) -> bool {
    matches!(m.key_manager(), Some(sdk::KeyManagerType::Customer))
        && matches!(m.key_spec(), Some(sdk::KeySpec::SymmetricDefault))
        && matches!(m.origin(), Some(sdk::OriginType::AwsKms) | None)
        && matches!(m.key_state(), Some(sdk::KeyState::Enabled | sdk::KeyState::Disabled))
}

fn state(s: Option<&sdk::KeyState>) -> KeyState {
    match s {
        Some(sdk::KeyState::Creating) => KeyState::Creating,
        Some(sdk::KeyState::Enabled) => KeyState::Enabled,
        Some(sdk::KeyState::Disabled) => KeyState::Disabled,
        Some(sdk::KeyState::PendingDeletion) => KeyState::PendingDeletion,
        Some(sdk::KeyState::PendingImport) => KeyState::PendingImport,
        Some(sdk::KeyState::PendingReplicaDeletion) => KeyState::PendingReplicaDeletion,
        Some(sdk::KeyState::Unavailable) => KeyState::Unavailable,
        Some(sdk::KeyState::Updating) => KeyState::Updating,
        _ => KeyState::Unknown,
    }
}

pub fn map(
    cx: &MapCx,
    m: &sdk::KeyMetadata,
    rotation_enabled: Option<bool>,
    mut aliases: Vec<String>,
) -> Result<Resource, CollectError> {
    let id = match m.arn() {
        Some(arn) => arn_id(arn)?,
        None => arn_id(&format!(
            "arn:{}:kms:{}:{}:key/{}",
            cx.region.partition().as_str(),
            cx.region,
            cx.account,
            m.key_id()
        ))?,
    };
    aliases.sort();
    let model = KmsKey {
        key_id: m.key_id().to_string(),
        manager: match m.key_manager() {
            Some(sdk::KeyManagerType::Aws) => KeyManager::Aws,
            Some(sdk::KeyManagerType::Customer) => KeyManager::Customer,
            _ => KeyManager::Unknown,
        },
        state: state(m.key_state()),
        key_spec: m.key_spec().map(|s| s.as_str()).unwrap_or(KmsKey::SYMMETRIC_DEFAULT).to_string(),
        usage: match m.key_usage() {
            Some(sdk::KeyUsageType::EncryptDecrypt) => KeyUsage::EncryptDecrypt,
            Some(sdk::KeyUsageType::SignVerify) => KeyUsage::SignVerify,
            Some(sdk::KeyUsageType::GenerateVerifyMac) => KeyUsage::GenerateVerifyMac,
            Some(sdk::KeyUsageType::KeyAgreement) => KeyUsage::KeyAgreement,
            None => KeyUsage::EncryptDecrypt,
            _ => KeyUsage::Unknown,
        },
        rotation_enabled,
        description: m.description().filter(|d| !d.is_empty()).map(str::to_string),
        creation_date: datetime(m.creation_date()),
        aliases,
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), BTreeMap::new(), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    fn meta(manager: sdk::KeyManagerType, spec: sdk::KeySpec) -> sdk::KeyMetadata {
        sdk::KeyMetadata::builder()
            .key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
            .arn("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
            .key_manager(manager)
            .key_spec(spec)
            .key_usage(sdk::KeyUsageType::EncryptDecrypt)
            .key_state(sdk::KeyState::Enabled)
            .origin(sdk::OriginType::AwsKms)
            .build()
            .unwrap()
    }

    #[test]
    fn maps_a_customer_key_with_aliases_and_rotation() {
        let m = meta(sdk::KeyManagerType::Customer, sdk::KeySpec::SymmetricDefault);
        assert!(needs_rotation_status(&m));
        let r = map(&cx(), &m, Some(false), vec!["alias/b".into(), "alias/a".into()]).unwrap();
        assert_eq!(r.id.short_id(), "1234abcd-12ab-34cd-56ef-1234567890ab");
        let k = r.model::<KmsKey>().unwrap();
        assert_eq!((k.manager, k.state, k.rotation_enabled), (KeyManager::Customer, KeyState::Enabled, Some(false)));
        assert_eq!(k.aliases, ["alias/a", "alias/b"]);
        assert!(k.is_customer_symmetric());
    }

    #[test]
    fn aws_managed_and_asymmetric_keys_skip_the_rotation_call() {
        assert!(!needs_rotation_status(&meta(sdk::KeyManagerType::Aws, sdk::KeySpec::SymmetricDefault)));
        assert!(!needs_rotation_status(&meta(sdk::KeyManagerType::Customer, sdk::KeySpec::Rsa2048)));
        let r = map(&cx(), &meta(sdk::KeyManagerType::Aws, sdk::KeySpec::SymmetricDefault), None, vec![]).unwrap();
        let k = r.model::<KmsKey>().unwrap();
        assert_eq!((k.manager, k.rotation_enabled), (KeyManager::Aws, None));
        assert!(!k.is_customer_symmetric());
    }
}
