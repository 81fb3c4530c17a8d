//! `iam:ListVirtualMFADevices` -> `aws_iam_virtual_mfa_device` (assigned and unassigned).

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::VirtualMfaDevice;
use skywarden_graph::Resource;

use super::iam::{arn_id, tags};
use crate::aws::{classify, datetime, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let mut pages = cx.iam.list_virtual_mfa_devices().into_paginator().send();
    while let Some(page) = cx.call(Service::Iam, pages.next()).await {
        for d in page.map_err(classify)?.virtual_mfa_devices() {
            out.push(map(&cx.map, d)?).await;
        }
    }
    Ok(())
}

pub fn map(cx: &MapCx, d: &sdk::VirtualMfaDevice) -> Result<Resource, CollectError> {
    let id = arn_id(Some(d.serial_number()), "SerialNumber")?;
    // The root user's ARN is `arn:aws:iam::<account>:root`.
    let root = d.user().is_some_and(|u| u.arn().ends_with(":root"));
    let user = match d.user() {
        Some(u) if !root => Some(arn_id(Some(u.arn()), "user Arn")?),
        _ => None,
    };
    let model = VirtualMfaDevice {
        serial_number: d.serial_number().to_string(),
        user_name: d.user().filter(|_| !root).map(|u| u.user_name().to_string()),
        user,
        assigned_to_root: root,
        enable_date: datetime(d.enable_date()),
    };
    Ok(Resource::new(id, cx.account.clone(), cx.region.clone(), tags(d.tags()), model))
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::primitives::DateTime;

    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    fn user(arn: &str, name: &str) -> sdk::User {
        sdk::User::builder().path("/").user_name(name).user_id("AID").arn(arn).create_date(DateTime::from_secs(0)).build().unwrap()
    }

    #[test]
    fn maps_user_root_and_unassigned_devices() {
        let d = sdk::VirtualMfaDevice::builder()
            .serial_number("arn:aws:iam::123456789012:mfa/alice")
            .user(user("arn:aws:iam::123456789012:user/alice", "alice"))
            .enable_date(DateTime::from_secs(1_700_000_000))
            .build()
            .unwrap();
        let r = map(&global_cx(), &d).unwrap();
        let m = r.model::<VirtualMfaDevice>().unwrap();
        assert!(m.assigned() && !m.assigned_to_root);
        assert_eq!(m.references().len(), 1);

        let root = sdk::VirtualMfaDevice::builder()
            .serial_number("arn:aws:iam::123456789012:mfa/root-account-mfa-device")
            .user(user("arn:aws:iam::123456789012:root", "root"))
            .build()
            .unwrap();
        let m = map(&global_cx(), &root).unwrap();
        let m = m.model::<VirtualMfaDevice>().unwrap();
        assert!(m.assigned_to_root && m.user.is_none() && m.references().is_empty());

        let free = sdk::VirtualMfaDevice::builder().serial_number("arn:aws:iam::123456789012:mfa/spare").build().unwrap();
        assert!(!map(&global_cx(), &free).unwrap().model::<VirtualMfaDevice>().unwrap().assigned());
    }
}
