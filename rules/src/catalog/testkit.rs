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

/// The id of ELBv2 resource `rest` (`loadbalancer/app/web/1`, `targetgroup/web/1`, ...).
pub fn elbv2_id(rest: &str) -> skywarden_graph::ResourceId {
    format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:{rest}")
        .parse()
        .unwrap()
}

/// An active internet-facing ALB `loadbalancer/app/{name}/1` with every attribute rules read
/// in its compliant state; `f` adjusts it.
pub fn elbv2_lb(name: &str, f: impl FnOnce(&mut skywarden_graph::model::LoadBalancer)) -> Resource {
    use skywarden_graph::model::{
        LbIpAddressType, LoadBalancer, LoadBalancerAttributes, LoadBalancerScheme,
        LoadBalancerState, LoadBalancerType,
    };
    let mut lb = LoadBalancer {
        load_balancer_name: name.into(),
        lb_type: LoadBalancerType::Application,
        scheme: LoadBalancerScheme::InternetFacing,
        state: LoadBalancerState::Active,
        state_reason: None,
        vpc: None,
        subnets: vec![],
        availability_zones: vec![],
        security_groups: vec![],
        dns_name: None,
        canonical_hosted_zone_id: None,
        created: None,
        ip_address_type: LbIpAddressType::Ipv4,
        attributes: LoadBalancerAttributes {
            deletion_protection: Some(true),
            access_logs_enabled: Some(true),
            access_logs_bucket: Some("logs".into()),
            drop_invalid_header_fields: Some(true),
        },
    };
    f(&mut lb);
    resource(elbv2_id(&format!("loadbalancer/app/{name}/1")), lb)
}

/// An HTTPS listener `listener/app/{lb}/1/{n}` on port 443 with a TLS 1.2+ policy and no
/// actions; `f` adjusts it.
pub fn elbv2_listener(
    lb: &str,
    n: u32,
    f: impl FnOnce(&mut skywarden_graph::model::Listener),
) -> Resource {
    use skywarden_graph::model::{ElbProtocol, Listener};
    let mut l = Listener {
        load_balancer: elbv2_id(&format!("loadbalancer/app/{lb}/1")),
        port: Some(443),
        protocol: ElbProtocol::Https,
        ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
        certificates: vec![],
        default_actions: vec![],
        alpn_policy: vec![],
    };
    f(&mut l);
    resource(elbv2_id(&format!("listener/app/{lb}/1/{n}")), l)
}

/// A forward action to `target_groups`.
pub fn elbv2_forward(
    target_groups: Vec<skywarden_graph::ResourceId>,
) -> skywarden_graph::model::ListenerAction {
    skywarden_graph::model::ListenerAction {
        action_type: skywarden_graph::model::ActionType::Forward,
        order: Some(1),
        target_groups,
        redirect: None,
    }
}

/// An instance target group `targetgroup/{name}/1` of `load_balancers` with the instances
/// `targets` registered (healthy); `f` adjusts it.
pub fn elbv2_tg(
    name: &str,
    load_balancers: &[&str],
    targets: &[&str],
    f: impl FnOnce(&mut skywarden_graph::model::TargetGroup),
) -> Resource {
    use skywarden_graph::model::{
        ElbProtocol, HealthCheck, Target, TargetGroup, TargetHealthState, TargetType,
    };
    let mut tg = TargetGroup {
        target_group_name: name.into(),
        protocol: Some(ElbProtocol::Http),
        port: Some(80),
        protocol_version: None,
        target_type: TargetType::Instance,
        vpc: None,
        load_balancers: load_balancers
            .iter()
            .map(|lb| elbv2_id(&format!("loadbalancer/app/{lb}/1")))
            .collect(),
        health_check: HealthCheck {
            enabled: Some(true),
            protocol: None,
            port: None,
            path: None,
            interval_seconds: None,
            timeout_seconds: None,
            healthy_threshold: None,
            unhealthy_threshold: None,
            matcher: None,
        },
        targets: targets
            .iter()
            .map(|i| Target {
                id: (*i).into(),
                instance: Some(ec2_id("instance", i)),
                port: Some(80),
                availability_zone: None,
                state: TargetHealthState::Healthy,
                reason: None,
                description: None,
            })
            .collect(),
    };
    f(&mut tg);
    resource(elbv2_id(&format!("targetgroup/{name}/1")), tg)
}
