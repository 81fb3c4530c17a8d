//! `iam:GetAccountSummary` -> `aws_iam_account_summary` (one per account).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_iam::types::SummaryKeyType;
use skywarden_graph::model::AccountSummary;
use skywarden_graph::Resource;

use super::iam::singleton_id;
use crate::aws::{classify, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let got = cx.call(Service::Iam, cx.iam.get_account_summary().send()).await.map_err(classify)?;
    let empty = HashMap::new();
    out.push(map(&cx.map, got.summary_map().unwrap_or(&empty))?).await;
    Ok(())
}

pub fn map(cx: &MapCx, m: &HashMap<SummaryKeyType, i32>) -> Result<Resource, CollectError> {
    let get = |k: SummaryKeyType| i64::from(m.get(&k).copied().unwrap_or(0));
    let model = AccountSummary {
        root_mfa_enabled: get(SummaryKeyType::AccountMfaEnabled) > 0,
        root_access_keys_present: get(SummaryKeyType::AccountAccessKeysPresent) > 0,
        root_signing_certificates_present: get(SummaryKeyType::AccountSigningCertificatesPresent) > 0,
        users: get(SummaryKeyType::Users),
        groups: get(SummaryKeyType::Groups),
        roles: get(SummaryKeyType::Roles),
        policies: get(SummaryKeyType::Policies),
        mfa_devices: get(SummaryKeyType::MfaDevices),
        mfa_devices_in_use: get(SummaryKeyType::MfaDevicesInUse),
        summary: m.iter().map(|(k, v)| (k.as_str().to_string(), i64::from(*v))).collect::<BTreeMap<_, _>>(),
    };
    let id = singleton_id(cx, "account-summary")?;
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), Default::default(), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    #[test]
    fn maps_root_flags_and_counts() {
        let m = HashMap::from([
            (SummaryKeyType::AccountMfaEnabled, 0),
            (SummaryKeyType::AccountAccessKeysPresent, 1),
            (SummaryKeyType::Users, 8),
        ]);
        let r = map(&global_cx(), &m).unwrap();
        let s = r.model::<AccountSummary>().unwrap();
        assert!(!s.root_mfa_enabled && s.root_access_keys_present);
        assert_eq!((s.users, s.summary["AccountMFAEnabled"]), (8, 0));
    }
}
