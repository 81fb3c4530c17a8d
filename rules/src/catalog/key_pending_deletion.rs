//! `aws.kms.key_pending_deletion`: a customer-managed KMS key scheduled for deletion
//! (hygiene: whatever it still encrypts becomes unreadable when the waiting period ends).

use skywarden_graph::model::{KeyManager, KeyState, KmsKey};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.kms.key_pending_deletion",
        title: "KMS customer-managed key is scheduled for deletion",
        description: "The key's state is `PendingDeletion`: at the end of the waiting period \
                      (7-30 days) the key and every ciphertext encrypted under it are lost for \
                      good. Confirm nothing still uses it.",
        severity: Severity::Low,
        category: Category::Security,
        kinds: &[ResourceKind::AwsKmsKey],
        remediation: "If the key is still needed: `aws kms cancel-key-deletion --key-id <key-id>` \
                      then `aws kms enable-key --key-id <key-id>`.",
        frameworks: &[],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<KmsKey>()
        .filter(|(_, k)| k.manager == KeyManager::Customer && k.state == KeyState::PendingDeletion)
        .map(|(r, k)| {
            let evidence = Evidence::KmsKeyPendingDeletion {
                manager: k.manager,
                aliases: k.aliases.clone(),
                description: k.description.clone(),
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::KeyUsage;
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{eval_rule, resource};

    fn key(id: &str, state: KeyState) -> Resource {
        let k = KmsKey {
            key_id: id.into(),
            manager: KeyManager::Customer,
            state,
            key_spec: KmsKey::SYMMETRIC_DEFAULT.into(),
            usage: KeyUsage::EncryptDecrypt,
            rotation_enabled: Some(true),
            description: Some("old".into()),
            creation_date: None,
            aliases: vec!["alias/old".into()],
        };
        resource(format!("arn:aws:kms:us-east-1:123456789012:key/{id}").parse().unwrap(), k)
    }

    #[test]
    fn fires_on_keys_pending_deletion_only() {
        let f = eval_rule(&RULE, vec![key("doomed", KeyState::PendingDeletion), key("live", KeyState::Enabled)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.short_id(), "doomed");
        assert_eq!(
            f[0].evidence,
            Evidence::KmsKeyPendingDeletion {
                manager: KeyManager::Customer,
                aliases: vec!["alias/old".into()],
                description: Some("old".into()),
            }
        );
        assert!(eval_rule(&RULE, vec![key("live", KeyState::Enabled), key("off", KeyState::Disabled)]).is_empty());
    }
}
