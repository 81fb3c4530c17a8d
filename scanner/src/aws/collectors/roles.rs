//! `iam:GetAccountAuthorizationDetails` (roles) and `iam:ListRoles` (max session duration) ->
//! `aws_iam_role` with its trust policy parsed.

use std::collections::HashMap;

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::{PolicyDocument, Role};
use skywarden_graph::Resource;

use super::iam::{arn_id, attached, authorization_details, inline, tags};
use crate::aws::{classify, datetime, required, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut max_session = HashMap::new();
    let mut list = cx.iam.list_roles().into_paginator().send();
    while let Some(page) = cx.call(Service::Iam, list.next()).await {
        for r in page.map_err(classify)?.roles() {
            max_session.insert(r.arn().to_string(), r.max_session_duration());
        }
    }
    let pages = authorization_details(cx, &[sdk::EntityType::Role]).await?;
    for d in pages.iter().flat_map(|p| p.role_detail_list()) {
        let max = d.arn().and_then(|a| max_session.get(a).copied().flatten());
        out.push(map(&cx.map, d, max)?).await;
    }
    Ok(())
}

pub(crate) fn document(raw: Option<&str>, what: &str) -> Result<Option<PolicyDocument>, CollectError> {
    raw.map(|d| PolicyDocument::parse(d).map_err(|e| CollectError::decode(format!("{what}: {e}"))))
        .transpose()
}

pub fn map(cx: &MapCx, d: &sdk::RoleDetail, max_session_duration_s: Option<i32>) -> Result<Resource, CollectError> {
    let id = arn_id(d.arn(), "role Arn")?;
    let name = required(d.role_name(), "RoleName")?;
    let model = Role {
        role_name: name.to_string(),
        role_id: d.role_id().unwrap_or_default().to_string(),
        path: d.path().unwrap_or("/").to_string(),
        create_date: datetime(d.create_date()),
        max_session_duration_s,
        trust_policy: document(d.assume_role_policy_document(), &format!("trust policy of role {name}"))?,
        attached_policies: attached(d.attached_managed_policies()),
        inline_policies: inline(d.role_policy_list()),
        last_used: d.role_last_used().and_then(|l| datetime(l.last_used_date())),
        last_used_region: d.role_last_used().and_then(|l| l.region()).map(str::to_string),
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), tags(d.tags()), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    #[test]
    fn maps_role_with_encoded_trust_policy() {
        // As IAM returns it: percent-encoded JSON.
        let trust = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
        let d = sdk::RoleDetail::builder()
            .role_name("app")
            .arn("arn:aws:iam::123456789012:role/svc/app")
            .assume_role_policy_document(trust)
            .attached_managed_policies(sdk::AttachedPolicy::builder().policy_name("p").policy_arn("arn:aws:iam::123456789012:policy/p").build())
            .role_last_used(sdk::RoleLastUsed::builder().region("us-east-1").build())
            .build();
        let r = map(&global_cx(), &d, Some(3600)).unwrap();
        let m = r.model::<Role>().unwrap();
        let t = m.trust_policy.as_ref().unwrap();
        assert_eq!(t.statements[0].principal.as_ref().unwrap().service, ["ec2.amazonaws.com"]);
        assert_eq!((m.max_session_duration_s, m.last_used_region.as_deref()), (Some(3600), Some("us-east-1")));
        assert_eq!(m.references().len(), 1);
    }

    #[test]
    fn an_unparseable_trust_policy_is_a_decode_error() {
        let d = sdk::RoleDetail::builder().role_name("x").arn("arn:aws:iam::123456789012:role/x").assume_role_policy_document("%ZZ").build();
        assert!(map(&global_cx(), &d, None).is_err());
    }
}
