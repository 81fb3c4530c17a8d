//! `iam:ListUsers`, per user `iam:ListAccessKeys`, per key `iam:GetAccessKeyLastUsed` ->
//! `aws_iam_access_key`. Only metadata: IAM never returns a secret from these calls.

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::{AccessKey, AccessKeyStatus};
use skywarden_graph::{Resource, ResourceId};

use super::iam::arn_id;
use crate::aws::{classify, datetime, required, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

/// Users whose keys are listed at once (the call gate bounds the calls further).
const CONCURRENCY: usize = 8;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut users = Vec::new();
    let mut pages = cx.iam.list_users().into_paginator().send();
    while let Some(page) = cx.call(Service::Iam, pages.next()).await {
        users.extend(page.map_err(classify)?.users().iter().map(|u| (u.user_name().to_string(), u.arn().to_string())));
    }
    for chunk in users.chunks(CONCURRENCY) {
        let done = futures::future::try_join_all(chunk.iter().map(|(name, arn)| of_user(cx, name, arn))).await?;
        out.extend(done.into_iter().flatten()).await;
    }
    Ok(())
}

/// One user's keys, each with its last use.
async fn of_user(cx: &GlobalCx, name: &str, arn: &str) -> Result<Vec<Resource>, CollectError> {
    let user = arn_id(Some(arn), "user Arn")?;
    let mut out = Vec::new();
    let mut keys = cx.iam.list_access_keys().user_name(name).into_paginator().send();
    while let Some(page) = cx.call(Service::Iam, keys.next()).await {
        for k in page.map_err(classify)?.access_key_metadata() {
            let id = required(k.access_key_id(), "AccessKeyId")?;
            let last = cx
                .call(Service::Iam, cx.iam.get_access_key_last_used().access_key_id(id).send())
                .await
                .map_err(classify)?;
            out.push(map(&cx.map, &user, name, k, last.access_key_last_used())?);
        }
    }
    Ok(out)
}

/// IAM reports `N/A` for the service and region of a key never used.
fn known(s: &str) -> Option<String> {
    (!s.is_empty() && s != "N/A").then(|| s.to_string())
}

pub fn map(
    cx: &MapCx,
    user: &ResourceId,
    user_name: &str,
    k: &sdk::AccessKeyMetadata,
    last: Option<&sdk::AccessKeyLastUsed>,
) -> Result<Resource, CollectError> {
    let key_id = required(k.access_key_id(), "AccessKeyId")?;
    let id: ResourceId = format!("{user}/access-key/{key_id}")
        .parse()
        .map_err(|e| CollectError::decode(format!("unusable access key id {key_id:?}: {e}")))?;
    let status = match k.status() {
        Some(sdk::StatusType::Active) => AccessKeyStatus::Active,
        Some(sdk::StatusType::Inactive) => AccessKeyStatus::Inactive,
        Some(sdk::StatusType::Expired) => AccessKeyStatus::Expired,
        _ => AccessKeyStatus::Unknown,
    };
    let model = AccessKey {
        access_key_id: key_id.to_string(),
        user_name: user_name.to_string(),
        user: user.clone(),
        status,
        create_date: datetime(k.create_date()),
        last_used_date: last.and_then(|l| datetime(l.last_used_date())),
        last_used_service: last.and_then(|l| known(l.service_name())),
        last_used_region: last.and_then(|l| known(l.region())),
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), Default::default(), model))
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::primitives::DateTime;

    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    #[test]
    fn maps_used_and_never_used_keys() {
        let user: ResourceId = "arn:aws:iam::123456789012:user/alice".parse().unwrap();
        let k = sdk::AccessKeyMetadata::builder()
            .user_name("alice")
            .access_key_id("AKIAEXAMPLE1")
            .status(sdk::StatusType::Active)
            .create_date(DateTime::from_secs(1_600_000_000))
            .build();
        let used = sdk::AccessKeyLastUsed::builder()
            .last_used_date(DateTime::from_secs(1_700_000_000))
            .service_name("s3")
            .region("eu-west-1")
            .build()
            .unwrap();
        let r = map(&global_cx(), &user, "alice", &k, Some(&used)).unwrap();
        assert_eq!(r.id.as_str(), "arn:aws:iam::123456789012:user/alice/access-key/AKIAEXAMPLE1");
        assert_eq!(r.id.short_id(), "AKIAEXAMPLE1");
        let m = r.model::<AccessKey>().unwrap();
        assert!(m.is_active());
        assert_eq!((m.last_used_service.as_deref(), m.last_used_region.as_deref()), (Some("s3"), Some("eu-west-1")));
        assert_eq!(m.references()[0].target, user);

        let never = sdk::AccessKeyLastUsed::builder().service_name("N/A").region("N/A").build().unwrap();
        let k2 = sdk::AccessKeyMetadata::builder().access_key_id("AKIAEXAMPLE2").status(sdk::StatusType::Inactive).build();
        let m2 = map(&global_cx(), &user, "alice", &k2, Some(&never)).unwrap();
        let m2 = m2.model::<AccessKey>().unwrap();
        assert_eq!(m2.status, AccessKeyStatus::Inactive);
        assert_eq!((m2.last_used_date, m2.last_used_service.as_ref()), (None, None));
        // The serialised resource carries no secret field.
        assert!(!serde_json::to_string(&m2).unwrap().to_lowercase().contains("secret"));
    }
}
