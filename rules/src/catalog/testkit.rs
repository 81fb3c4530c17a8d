//! Test helpers for rule files: the graph crate's estate builders plus rule evaluation.

pub use skywarden_graph::testkit::*;

use chrono::{TimeZone, Utc};
use skywarden_graph::model::{
    AccessKey, AccessKeyStatus, AccountSummary, AttachedPolicy, Group, PasswordPolicy, Policy,
    PolicyDocument, Role, User,
};
use skywarden_graph::{InventoryBuilder, Resource};

use crate::engine::EvalCx;
use crate::finding::Finding;
use crate::meta::Rule;
use crate::pricing::PriceTable;

/// Evaluates one rule over `resources` with the default price table at a fixed clock.
pub fn eval_rule(rule: &Rule, resources: Vec<Resource>) -> Vec<Finding> {
    let mut b = InventoryBuilder::new();
    b.extend(resources);
    let inv = b.build();
    let pricing = PriceTable::default();
    let now = testkit_now();
    let cx = EvalCx::new(&inv, &pricing, now);
    let mut out = (rule.eval)(&cx);
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The clock [`eval_rule`] evaluates at.
pub fn testkit_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn iam_arn(rest: &str) -> skywarden_graph::ResourceId {
    format!("arn:aws:iam::123456789012:{rest}").parse().unwrap()
}

fn global<M: skywarden_graph::Model>(id: skywarden_graph::ResourceId, m: M) -> Resource {
    Resource::new(
        id,
        account(),
        skywarden_graph::Region::global(),
        Default::default(),
        m,
    )
}

/// An API-only IAM user (no password, MFA, policies or groups); `f` adjusts it.
pub fn iam_user(name: &str, f: impl FnOnce(&mut User)) -> Resource {
    let mut u = User {
        user_name: name.into(),
        user_id: format!("AIDA{name}"),
        path: "/".into(),
        create_date: Some(testkit_now() - chrono::Duration::days(400)),
        password_last_used: None,
        login_profile: None,
        mfa_devices: vec![],
        attached_policies: vec![],
        inline_policies: vec![],
        groups: vec![],
    };
    f(&mut u);
    global(iam_arn(&format!("user/{name}")), u)
}

/// An Active access key of `user`, created 10 days before [`testkit_now`], never used.
pub fn access_key(user: &str, key_id: &str, f: impl FnOnce(&mut AccessKey)) -> Resource {
    let mut k = AccessKey {
        access_key_id: key_id.into(),
        user_name: user.into(),
        user: iam_arn(&format!("user/{user}")),
        status: AccessKeyStatus::Active,
        create_date: Some(testkit_now() - chrono::Duration::days(10)),
        last_used_date: None,
        last_used_service: None,
        last_used_region: None,
    };
    f(&mut k);
    global(iam_arn(&format!("user/{user}/access-key/{key_id}")), k)
}

/// A customer-managed policy attached once: `*` on `*` when `admin`, else `s3:Get*`; with the
/// [`AttachedPolicy`] that refers to it.
pub fn admin_policy(name: &str, admin: bool) -> (Resource, AttachedPolicy) {
    let action = if admin { "*" } else { "s3:Get*" };
    let doc =
        format!(r#"{{"Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#);
    let id = iam_arn(&format!("policy/{name}"));
    let p = Policy {
        policy_name: name.into(),
        policy_id: format!("ANPA{name}"),
        path: "/".into(),
        description: None,
        default_version_id: Some("v1".into()),
        attachment_count: 1,
        is_attachable: true,
        create_date: None,
        update_date: None,
        document: Some(PolicyDocument::parse(&doc).unwrap()),
    };
    let attached = AttachedPolicy {
        name: name.into(),
        arn: id.to_string(),
        local: Some(id.clone()),
    };
    (global(id, p), attached)
}

pub fn iam_group(name: &str, f: impl FnOnce(&mut Group)) -> Resource {
    let mut g = Group {
        group_name: name.into(),
        group_id: format!("AGPA{name}"),
        path: "/".into(),
        create_date: None,
        attached_policies: vec![],
        inline_policies: vec![],
    };
    f(&mut g);
    global(iam_arn(&format!("group/{name}")), g)
}

pub fn iam_role(name: &str, f: impl FnOnce(&mut Role)) -> Resource {
    let mut r = Role {
        role_name: name.into(),
        role_id: format!("AROA{name}"),
        path: "/".into(),
        create_date: None,
        max_session_duration_s: Some(3600),
        trust_policy: None,
        attached_policies: vec![],
        inline_policies: vec![],
        last_used: None,
        last_used_region: None,
    };
    f(&mut r);
    global(iam_arn(&format!("role/{name}")), r)
}

/// A CIS-compliant password policy; `f` adjusts it.
pub fn password_policy(f: impl FnOnce(&mut PasswordPolicy)) -> Resource {
    let mut p = PasswordPolicy {
        configured: true,
        minimum_length: Some(14),
        require_symbols: true,
        require_numbers: true,
        require_uppercase: true,
        require_lowercase: true,
        allow_users_to_change: true,
        expire_passwords: false,
        max_age_days: None,
        reuse_prevention: Some(24),
        hard_expiry: false,
    };
    f(&mut p);
    global(iam_arn("account-password-policy"), p)
}

/// A summary with root MFA on and no root keys; `f` adjusts it.
pub fn account_summary(f: impl FnOnce(&mut AccountSummary)) -> Resource {
    let mut s = AccountSummary {
        root_mfa_enabled: true,
        root_access_keys_present: false,
        root_signing_certificates_present: false,
        users: 1,
        groups: 0,
        roles: 0,
        policies: 0,
        mfa_devices: 1,
        mfa_devices_in_use: 1,
        summary: Default::default(),
    };
    f(&mut s);
    global(iam_arn("account-summary"), s)
}
