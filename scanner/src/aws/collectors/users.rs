//! `iam:GetAccountAuthorizationDetails` (users and groups), `iam:ListUsers` (password last
//! used) and per user `iam:ListMFADevices` and `iam:GetLoginProfile` -> `aws_iam_user`.

use std::collections::HashMap;

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::{LoginProfile, MfaDevice, User};
use skywarden_graph::{Resource, ResourceId};

use super::iam::{arn_id, attached, authorization_details, inline, tags};
use crate::aws::{classify, datetime, required, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

/// Users whose calls are in flight at once (the call gate bounds them further).
const CONCURRENCY: usize = 8;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let pages = authorization_details(cx, &[sdk::EntityType::User, sdk::EntityType::Group]).await?;
    let groups: HashMap<String, String> = pages
        .iter()
        .flat_map(|p| p.group_detail_list())
        .filter_map(|g| Some((g.group_name()?.to_string(), g.arn()?.to_string())))
        .collect();
    let mut password_last_used = HashMap::new();
    let mut list = cx.iam.list_users().into_paginator().send();
    while let Some(page) = cx.call(Service::Iam, list.next()).await {
        for u in page.map_err(classify)?.users() {
            password_last_used.insert(u.arn().to_string(), datetime(u.password_last_used()));
        }
    }
    let details: Vec<&sdk::UserDetail> = pages.iter().flat_map(|p| p.user_detail_list()).collect();
    for chunk in details.chunks(CONCURRENCY) {
        let done = futures::future::try_join_all(chunk.iter().map(|d| one(cx, d, &groups, &password_last_used))).await?;
        out.extend(done).await;
    }
    Ok(())
}

/// The per-user calls, then [`map`].
async fn one(
    cx: &GlobalCx,
    d: &sdk::UserDetail,
    groups: &HashMap<String, String>,
    password_last_used: &HashMap<String, Option<chrono::DateTime<chrono::Utc>>>,
) -> Result<Resource, CollectError> {
    let name = required(d.user_name(), "UserName")?;
    let mfa = cx.call(Service::Iam, cx.iam.list_mfa_devices().user_name(name).send()).await.map_err(classify)?;
    let profile = match cx.call(Service::Iam, cx.iam.get_login_profile().user_name(name).send()).await {
        Ok(o) => o.login_profile().cloned(),
        // No console password.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_entity_exception()) => None,
        Err(e) => return Err(classify(e)),
    };
    let pwd = d.arn().and_then(|a| password_last_used.get(a).copied().flatten());
    map(&cx.map, d, groups, pwd, mfa.mfa_devices(), profile.as_ref())
}

pub fn map(
    cx: &MapCx,
    d: &sdk::UserDetail,
    group_arns: &HashMap<String, String>,
    password_last_used: Option<chrono::DateTime<chrono::Utc>>,
    mfa: &[sdk::MfaDevice],
    profile: Option<&sdk::LoginProfile>,
) -> Result<Resource, CollectError> {
    let id = arn_id(d.arn(), "user Arn")?;
    let groups = d
        .group_list()
        .iter()
        .map(|g| {
            // A group created after the listing: its path is unknown, assume `/`.
            let fallback = format!("arn:{}:iam::{}:group/{g}", cx.region.partition().as_str(), cx.account);
            let arn = group_arns.get(g).cloned().unwrap_or(fallback);
            arn.parse::<ResourceId>().map_err(|e| CollectError::decode(format!("unusable group ARN {arn:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let model = User {
        user_name: required(d.user_name(), "UserName")?.to_string(),
        user_id: d.user_id().unwrap_or_default().to_string(),
        path: d.path().unwrap_or("/").to_string(),
        create_date: datetime(d.create_date()),
        password_last_used,
        login_profile: profile.map(|p| LoginProfile {
            created: datetime(Some(p.create_date())),
            password_reset_required: p.password_reset_required(),
        }),
        mfa_devices: mfa
            .iter()
            .map(|m| MfaDevice { serial_number: m.serial_number().to_string(), enable_date: datetime(Some(m.enable_date())) })
            .collect(),
        attached_policies: attached(d.attached_managed_policies()),
        inline_policies: inline(d.user_policy_list()),
        groups,
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), tags(d.tags()), model))
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::primitives::DateTime;

    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    #[test]
    fn maps_a_console_user_with_policies_groups_and_mfa() {
        let d = sdk::UserDetail::builder()
            .user_name("alice")
            .user_id("AIDA1")
            .path("/")
            .arn("arn:aws:iam::123456789012:user/alice")
            .group_list("admins")
            .group_list("late")
            .attached_managed_policies(sdk::AttachedPolicy::builder().policy_name("gov-admin").policy_arn("arn:aws:iam::123456789012:policy/gov-admin").build())
            .attached_managed_policies(sdk::AttachedPolicy::builder().policy_name("ReadOnlyAccess").policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess").build())
            .user_policy_list(sdk::PolicyDetail::builder().policy_name("inline1").policy_document("%7B%7D").build())
            .tags(sdk::Tag::builder().key("owner").value("me").build().unwrap())
            .build();
        let groups = HashMap::from([("admins".to_string(), "arn:aws:iam::123456789012:group/ops/admins".to_string())]);
        let mfa = sdk::MfaDevice::builder().user_name("alice").serial_number("arn:aws:iam::123456789012:mfa/alice").enable_date(DateTime::from_secs(1_700_000_000)).build().unwrap();
        let lp = sdk::LoginProfile::builder().user_name("alice").create_date(DateTime::from_secs(1_600_000_000)).build().unwrap();
        let r = map(&global_cx(), &d, &groups, None, &[mfa], Some(&lp)).unwrap();
        assert!(r.region.is_global());
        assert_eq!(r.tags["owner"], "me");
        let u = r.model::<User>().unwrap();
        assert!(u.has_console_password());
        assert_eq!(u.mfa_devices.len(), 1);
        assert_eq!(u.groups[0].as_str(), "arn:aws:iam::123456789012:group/ops/admins");
        assert_eq!(u.groups[1].as_str(), "arn:aws:iam::123456789012:group/late");
        assert!(u.attached_policies[0].local.is_some() && u.attached_policies[1].local.is_none());
        assert_eq!(u.inline_policies, ["inline1"]);
        // Edges: the customer-managed policy and both groups.
        assert_eq!(u.references().len(), 3);
    }

    #[test]
    fn a_user_without_login_profile_has_no_console_password() {
        let d = sdk::UserDetail::builder().user_name("bot").arn("arn:aws:iam::123456789012:user/bots/bot").build();
        let r = map(&global_cx(), &d, &HashMap::new(), None, &[], None).unwrap();
        let u = r.model::<User>().unwrap();
        assert!(!u.has_console_password() && u.mfa_devices.is_empty() && u.groups.is_empty());
    }
}
