//! `aws.kms.key_rotation_disabled`: a customer-managed symmetric key without automatic rotation.

use skywarden_graph::model::{KeyState, KmsKey};
use skywarden_graph::ResourceKind;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::{Category, Framework, FrameworkRef, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws.kms.key_rotation_disabled",
        title: "KMS customer-managed key does not rotate automatically",
        description: "An enabled customer-managed symmetric KMS key has automatic key rotation \
                      off. AWS-managed keys (rotated by AWS), asymmetric and HMAC keys (which \
                      cannot rotate) and disabled or pending-deletion keys are not reported.",
        severity: Severity::Medium,
        category: Category::Security,
        kinds: &[ResourceKind::AwsKmsKey],
        remediation: "`aws kms enable-key-rotation --key-id <key-id>`.",
        frameworks: &[FrameworkRef { framework: Framework::CisAwsFoundations, version: "3.0.0", control: "3.6" }],
    },
    eval,
};

fn eval(cx: &EvalCx<'_>) -> Vec<Finding> {
    cx.inventory
        .of_kind::<KmsKey>()
        .filter(|(_, k)| k.is_customer_symmetric() && k.state == KeyState::Enabled && k.rotation_enabled == Some(false))
        .map(|(r, k)| {
            let evidence = Evidence::KmsKeyRotation {
                key_spec: k.key_spec.clone(),
                state: k.state,
                rotation_enabled: k.rotation_enabled,
            };
            Finding::new(&RULE.meta, r, "", evidence)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use skywarden_graph::model::{KeyManager, KeyUsage};
    use skywarden_graph::Resource;

    use super::*;
    use crate::catalog::testkit::{eval_rule, resource};

    fn key(id: &str, f: impl FnOnce(&mut KmsKey)) -> Resource {
        let mut k = KmsKey {
            key_id: id.into(),
            manager: KeyManager::Customer,
            state: KeyState::Enabled,
            key_spec: KmsKey::SYMMETRIC_DEFAULT.into(),
            usage: KeyUsage::EncryptDecrypt,
            rotation_enabled: Some(false),
            description: None,
            creation_date: None,
            aliases: vec![],
        };
        f(&mut k);
        resource(format!("arn:aws:kms:us-east-1:123456789012:key/{id}").parse().unwrap(), k)
    }

    #[test]
    fn fires_on_an_enabled_customer_key_without_rotation() {
        let f = eval_rule(&RULE, vec![key("k-1", |_| {})]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource_id.short_id(), "k-1");
    }

    #[test]
    fn passes_rotating_aws_managed_asymmetric_and_disabled_keys() {
        let f = eval_rule(&RULE, vec![
            key("rotating", |k| k.rotation_enabled = Some(true)),
            key("aws", |k| {
                k.manager = KeyManager::Aws;
                k.rotation_enabled = None;
            }),
            key("rsa", |k| {
                k.key_spec = "RSA_2048".into();
                k.usage = KeyUsage::SignVerify;
            }),
            key("off", |k| k.state = KeyState::Disabled),
        ]);
        assert!(f.is_empty(), "{f:?}");
    }
}
