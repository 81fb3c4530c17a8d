//! `iam:GetAccountPasswordPolicy` -> `aws_iam_password_policy` (always one per account;
//! `NoSuchEntity` becomes `configured: false`).

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::PasswordPolicy;
use skywarden_graph::Resource;

use super::iam::singleton_id;
use crate::aws::{classify, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let policy = match cx.call(Service::Iam, cx.iam.get_account_password_policy().send()).await {
        Ok(o) => o.password_policy().cloned(),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_entity_exception()) => None,
        Err(e) => return Err(classify(e)),
    };
    out.push(map(&cx.map, policy.as_ref())?).await;
    Ok(())
}

pub fn map(cx: &MapCx, p: Option<&sdk::PasswordPolicy>) -> Result<Resource, CollectError> {
    let model = match p {
        None => PasswordPolicy::default(),
        Some(p) => PasswordPolicy {
            configured: true,
            minimum_length: p.minimum_password_length(),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase: p.require_uppercase_characters(),
            require_lowercase: p.require_lowercase_characters(),
            allow_users_to_change: p.allow_users_to_change_password(),
            expire_passwords: p.expire_passwords(),
            max_age_days: p.max_password_age(),
            reuse_prevention: p.password_reuse_prevention(),
            hard_expiry: p.hard_expiry().unwrap_or(false),
        },
    };
    let id = singleton_id(cx, "account-password-policy")?;
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), Default::default(), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    #[test]
    fn maps_configured_and_missing_policies() {
        let p = sdk::PasswordPolicy::builder().minimum_password_length(14).password_reuse_prevention(24).require_symbols(true).build();
        let r = map(&global_cx(), Some(&p)).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:iam::123456789012:account-password-policy");
        let m = r.model::<PasswordPolicy>().unwrap();
        assert!(m.configured && m.require_symbols && !m.require_numbers);
        assert_eq!((m.minimum_length, m.reuse_prevention), (Some(14), Some(24)));
        let none = map(&global_cx(), None).unwrap();
        assert!(!none.model::<PasswordPolicy>().unwrap().configured);
    }
}
