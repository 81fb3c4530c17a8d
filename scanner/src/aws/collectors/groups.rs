//! `iam:GetAccountAuthorizationDetails` (groups) -> `aws_iam_group`.

use aws_sdk_iam::types as sdk;
use skywarden_graph::model::Group;
use skywarden_graph::Resource;

use super::iam::{arn_id, attached, authorization_details, inline};
use crate::aws::{datetime, required, GlobalCx, MapCx};
use crate::error::CollectError;
use crate::sink::Emit;

pub async fn fetch(cx: &GlobalCx, out: &mut Emit) -> Result<(), CollectError> {
    let pages = authorization_details(cx, &[sdk::EntityType::Group]).await?;
    for g in pages.iter().flat_map(|p| p.group_detail_list()) {
        out.push(map(&cx.map, g)?).await;
    }
    Ok(())
}

pub fn map(cx: &MapCx, g: &sdk::GroupDetail) -> Result<Resource, CollectError> {
    let model = Group {
        group_name: required(g.group_name(), "GroupName")?.to_string(),
        group_id: g.group_id().unwrap_or_default().to_string(),
        path: g.path().unwrap_or("/").to_string(),
        create_date: datetime(g.create_date()),
        attached_policies: attached(g.attached_managed_policies()),
        inline_policies: inline(g.group_policy_list()),
    };
    Ok(Resource::new(arn_id(g.arn(), "group Arn")?, cx.account.clone(), cx.region.clone(), Default::default(), model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::global_cx;

    #[test]
    fn maps_group_policies() {
        let g = sdk::GroupDetail::builder()
            .group_name("admins")
            .arn("arn:aws:iam::123456789012:group/admins")
            .attached_managed_policies(sdk::AttachedPolicy::builder().policy_name("AdministratorAccess").policy_arn("arn:aws:iam::aws:policy/AdministratorAccess").build())
            .group_policy_list(sdk::PolicyDetail::builder().policy_name("extra").build())
            .build();
        let m = map(&global_cx(), &g).unwrap();
        let m = m.model::<Group>().unwrap();
        assert_eq!((m.attached_policies.len(), m.inline_policies.len()), (1, 1));
        assert!(m.references().is_empty(), "AWS-managed policies are not resources");
    }
}
