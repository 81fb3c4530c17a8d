//! `iam:GetAccountAuthorizationDetails` (customer-managed policies) -> `aws_iam_policy` with
//! the default version's document parsed.

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::Policy;
use skywarden_graph::Resource;

use super::iam::{arn_id, authorization_details};
use super::roles::document;
use crate::aws::{datetime, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let pages = authorization_details(cx, &[sdk::EntityType::LocalManagedPolicy]).await?;
    for p in pages.iter().flat_map(|p| p.policies()) {
        out.push(map(&cx.map, p)?).await;
    }
    Ok(())
}

pub fn map(cx: &MapCx, p: &sdk::ManagedPolicyDetail) -> Result<Resource, CollectError> {
    let id = arn_id(p.arn(), "policy Arn")?;
    // moto 5.2.5 leaves PolicyName out of GetAccountAuthorizationDetails; AWS always sends it.
    // The name is the ARN's last path segment either way.
    let name = p.policy_name().filter(|n| !n.is_empty()).unwrap_or(id.short_id());
    let default = p
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version() || (v.version_id().is_some() && v.version_id() == p.default_version_id()));
    let model = Policy {
        policy_name: name.to_string(),
        policy_id: p.policy_id().unwrap_or_default().to_string(),
        path: p.path().unwrap_or("/").to_string(),
        description: p.description().filter(|d| !d.is_empty()).map(str::to_string),
        default_version_id: p.default_version_id().map(str::to_string),
        attachment_count: p.attachment_count().unwrap_or(0),
        is_attachable: p.is_attachable(),
        create_date: datetime(p.create_date()),
        update_date: datetime(p.update_date()),
        document: document(default.and_then(|v| v.document()), &format!("policy {name}"))?,
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), Default::default(), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    #[test]
    fn maps_the_default_version() {
        let p = sdk::ManagedPolicyDetail::builder()
            .policy_name("gov-admin")
            .arn("arn:aws:iam::123456789012:policy/gov-admin")
            .default_version_id("v2")
            .attachment_count(3)
            .is_attachable(true)
            .policy_version_list(sdk::PolicyVersion::builder().version_id("v1").document(r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#).build())
            .policy_version_list(sdk::PolicyVersion::builder().version_id("v2").is_default_version(true).document("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D").build())
            .build();
        let r = map(&global_cx(), &p).unwrap();
        let m = r.model::<Policy>().unwrap();
        assert_eq!(m.attachment_count, 3);
        assert!(m.document.as_ref().unwrap().allows_full_admin());
    }

    #[test]
    fn the_name_falls_back_to_the_arn() {
        // As moto 5.2.5 returns it: no PolicyName.
        let p = sdk::ManagedPolicyDetail::builder().arn("arn:aws:iam::123456789012:policy/team/gov-admin").build();
        let r = map(&global_cx(), &p).unwrap();
        assert_eq!(r.model::<Policy>().unwrap().policy_name, "gov-admin");
    }
}
