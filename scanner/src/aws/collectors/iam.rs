//! Shared by the IAM collectors: `GetAccountAuthorizationDetails` paged to the end, tags,
//! ids of IAM entities and attached-policy mapping.

use std::collections::BTreeMap;

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::AttachedPolicy;
use skywarden_graph::ResourceId;

use crate::aws::{classify, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::limits::Service;

/// Every page of `GetAccountAuthorizationDetails` for `filter`, merged.
pub(crate) async fn authorization_details(
    cx: &GlobalCx,
    filter: &[sdk::EntityType],
) -> Result<Vec<aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput>, CollectError>{
    let mut req = cx.iam.get_account_authorization_details();
    for f in filter {
        req = req.filter(f.clone());
    }
    let mut pages = req.into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = cx.call(Service::Iam, pages.next()).await {
        out.push(page.map_err(classify)?);
    }
    Ok(out)
}

pub(crate) fn tags(t: &[sdk::Tag]) -> BTreeMap<String, String> {
    t.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// Parses an ARN IAM returned into a resource id.
pub(crate) fn arn_id(arn: Option<&str>, what: &str) -> Result<ResourceId, CollectError> {
    let arn = crate::aws::required(arn, what)?;
    arn.parse()
        .map_err(|e| CollectError::decode(format!("unusable {what} {arn:?}: {e}")))
}

/// A synthetic id for an account-level IAM singleton, e.g. `account-password-policy`.
pub(crate) fn singleton_id(cx: &MapCx, name: &str) -> Result<ResourceId, CollectError> {
    format!(
        "arn:{}:iam::{}:{name}",
        cx.region.partition().as_str(),
        cx.account
    )
    .parse()
    .map_err(|e| CollectError::decode(format!("unusable id for {name}: {e}")))
}

pub(crate) fn attached(p: &[sdk::AttachedPolicy]) -> Vec<AttachedPolicy> {
    p.iter()
        .filter_map(|p| {
            let arn = p.policy_arn()?.to_string();
            // Customer-managed policy ARNs parse (12-digit account); AWS-managed ones
            // (`arn:aws:iam::aws:policy/...`) do not and stay plain strings.
            let local = arn.parse::<ResourceId>().ok();
            Some(AttachedPolicy {
                name: p.policy_name().unwrap_or_default().to_string(),
                arn,
                local,
            })
        })
        .collect()
}

pub(crate) fn inline(p: &[sdk::PolicyDetail]) -> Vec<String> {
    p.iter()
        .filter_map(|p| p.policy_name().map(str::to_string))
        .collect()
}
