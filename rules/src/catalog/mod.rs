//! The built-in rule catalog: one file per rule, one registry line per rule.
//!
//! Adding a rule: write `catalog/<subject>_<condition>.rs` exporting `pub static RULE: Rule`
//! (metadata, a pure `eval`, and in-file tests with at least one passing and one failing
//! resource), then add its module name to the `registry!` list below. Azure rules live in
//! `catalog/azure/<subject>_<condition>.rs` and are listed after `azure:`, so their file
//! names may repeat AWS ones (`snapshot_older_than_90d`, `resource_missing_required_tags`);
//! helpers shared by Azure rules are in `catalog/azure/common.rs`.

use crate::meta::Rule;

macro_rules! registry {
    ($($module:ident),* $(,)? ; azure: $($az:ident),* $(,)?) => {
        $( pub mod $module; )*
        /// The Azure rules, one file each in `catalog/azure/`.
        pub mod azure {
            pub(crate) mod common;
            $( pub mod $az; )*
        }
        static ALL: &[&Rule] = &[ $( &$module::RULE, )* $( &azure::$az::RULE, )* ];
        /// Module names in registry order, checked against rule ids by a test.
        pub const MODULES: &[&str] = &[ $( stringify!($module), )* $( stringify!($az), )* ];
    };
}

registry! {
    security_group_world_open_ssh,
    security_group_world_open_rdp,
    instance_imdsv1,
    instance_exposed_admin_port,
    volume_unencrypted,
    volume_unattached,
    resource_missing_required_tags,
    access_key_older_than_90d,
    user_multiple_active_keys,
    user_two_access_keys,
    user_console_without_mfa,
    user_admin_policy_attached,
    policy_allows_full_admin,
    user_policies_attached_directly,
    credentials_unused_45_days,
    no_password_policy,
    password_policy_weak,
    root_mfa_disabled,
    root_access_keys_present,
    role_trust_allows_any_principal,
    snapshot_older_than_90d,
    snapshot_unencrypted,
    snapshot_public,
    image_public,
    encryption_by_default_disabled,
    instance_stopped_with_volumes,
    volume_previous_generation,
    launch_template_imdsv1,
    security_group_world_open_all_traffic,
    security_group_world_open_all_ports,
    eip_unassociated,
    key_rotation_disabled,
    instance_publicly_accessible,
    instance_storage_unencrypted,
    trail_log_validation_disabled,
    function_public_url,
    bucket_public,
    bucket_public_acl,
    bucket_public_policy,
    bucket_acl_grants_all_users,
    bucket_no_public_access_block,
    bucket_no_default_encryption,
    bucket_versioning_disabled,
    bucket_ssl_not_enforced,
    bucket_logging_disabled,
    bucket_mfa_delete_disabled,
    instance_public_ip,
    vpc_flow_logs_disabled,
    nat_gateway_without_private_workloads,
    default_security_group_allows_traffic,
    network_acl_allows_admin_ports_from_world,
    vpc_peering_routes_too_broad,
    backup_retention_insufficient,
    auto_minor_version_upgrade_disabled,
    multi_az_disabled,
    deletion_protection_disabled,
    no_multi_region_trail,
    trail_not_encrypted_with_kms,
    function_deprecated_runtime,
    key_pending_deletion,
    load_balancer_without_targets,
    listener_not_https,
    insecure_ssl_policy,
    drop_invalid_headers_disabled,
    load_balancer_deletion_protection_disabled,
    access_logging_disabled,
    resource_invalid_tag_value,
    security_group_rules_changed,
    resource_created_outside_baseline,
    resource_deleted_since_baseline,
    public_access_enabled,
    encryption_disabled;
azure:
    nsg_allows_ssh_from_internet,
    nsg_allows_rdp_from_internet,
    nsg_allows_udp_from_internet,
    nsg_allows_http_from_internet,
    vm_exposed_admin_port,
    disk_unattached,
    public_ip_unassociated,
    snapshot_older_than_90d,
    vm_deallocated_with_premium_disks,
    account_public_blob_access_allowed,
    account_https_only_disabled,
    account_tls_below_1_2,
    account_shared_key_access_enabled,
    account_public_network_access_enabled,
    purge_protection_disabled,
    soft_delete_disabled,
    public_network_access_enabled,
    server_firewall_allows_all,
    server_allows_azure_services,
    disk_not_encrypted_with_cmk,
    snapshot_public_network_access,
    resource_missing_required_tags,
    resource_invalid_tag_value,
}

/// Ids of the drift rules, which compare resources with the connection's approved baseline.
/// The prefix is reserved for them (packs cannot use it).
pub const DRIFT_PREFIX: &str = "drift.";

/// Whether `id` is a drift rule. Drift rules run only with a baseline view
/// ([`crate::EvalCx::baseline`]), and each finding reads only its own resource (now and in the
/// baseline): it is resolved when its own (account, region, kind) was Complete, whatever kinds
/// the rule lists (a rule listing none applies to every kind).
pub fn is_drift_rule(id: &str) -> bool {
    id.starts_with(DRIFT_PREFIX)
}

/// Every built-in rule, in registry order.
pub fn all() -> Vec<Rule> {
    ALL.iter().map(|r| **r).collect()
}

/// Looks a rule up by id.
pub fn get(id: &str) -> Option<Rule> {
    ALL.iter().find(|r| r.meta.id == id).map(|r| **r)
}

#[cfg(test)]
pub(crate) mod testkit;

use skywarden_graph::model::{
    is_aws_administrator_access, AccessKey, AttachedPolicy, Group, Policy, SecurityGroup, Snapshot,
    User,
};
use skywarden_graph::topology::OpenIngress;
use skywarden_graph::{Direction, EdgeKind, Resource};

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::RuleMeta;

/// Remote administration ports the exposed-admin-port rules look for, ascending.
pub(crate) const ADMIN_PORTS: [u16; 2] = [22, 3389];

/// Shared by the exposed-admin-port rules: the open ingress of `exposure` that admits an
/// admin port from `0.0.0.0/0` (the exposure paths are IPv4, so a `::/0` permission does not
/// admit traffic along them) and the admin ports open; `None` when no admin port is open.
pub(crate) fn admin_port_ingress(
    exposure: &skywarden_graph::topology::Exposure,
) -> Option<(Vec<OpenIngress>, Vec<u16>)> {
    use skywarden_graph::model::WORLD_IPV4;
    let open_ingress: Vec<OpenIngress> = exposure
        .open_ingress
        .iter()
        .filter(|o| o.source == WORLD_IPV4 && ADMIN_PORTS.iter().any(|p| o.covers_tcp_port(*p)))
        .cloned()
        .collect();
    let ports: Vec<u16> = ADMIN_PORTS
        .into_iter()
        .filter(|p| open_ingress.iter().any(|o| o.covers_tcp_port(*p)))
        .collect();
    (!ports.is_empty()).then_some((open_ingress, ports))
}

/// The sum of several estimates (the volumes of a stopped instance, the premium disks of a
/// deallocated VM): the total rounded to cents, every component in one basis.
#[derive(Debug, Default)]
pub(crate) struct CostSum {
    total: f64,
    basis: Option<crate::finding::PricingBasis>,
}

impl CostSum {
    /// Adds an estimate; returns its amount.
    pub(crate) fn add(
        &mut self,
        estimate: Option<(f64, crate::finding::PricingBasis)>,
    ) -> Option<f64> {
        let (usd, b) = estimate?;
        self.total += usd;
        match &mut self.basis {
            None => self.basis = Some(b),
            Some(acc) => {
                acc.components.extend(b.components);
                acc.region_fallback |= b.region_fallback;
            }
        }
        Some(usd)
    }
    /// `finding` with the summed cost, if anything was priced.
    pub(crate) fn apply(self, finding: Finding) -> Finding {
        let total = (self.total * 100.0).round() / 100.0;
        finding.with_estimate(self.basis.map(|b| (total, b)))
    }
}

/// Shared by the tagging rules: the tag policy in effect for each kind `taggable` accepts
/// (general keys and values plus `per_kind`), for the kinds it applies to.
pub(crate) fn tag_policies(
    cx: &EvalCx<'_>,
    taggable: fn(skywarden_graph::ResourceKind) -> bool,
) -> std::collections::BTreeMap<skywarden_graph::ResourceKind, crate::engine::EffectiveTagPolicy> {
    skywarden_graph::ResourceKind::ALL
        .iter()
        .filter(|k| taggable(**k))
        .filter_map(|k| cx.tag_policy.for_kind(*k).map(|p| (*k, p)))
        .collect()
}

/// Shared by the invalid-tag-value rules of every provider: one finding per resource whose
/// kind `taggable` accepts and that carries a tag whose value its effective tag policy does
/// not allow. Values compare exactly; keys exactly, or ASCII-case-insensitively when
/// `case_insensitive` (Azure tag names are case-insensitive; the evidence then names the key
/// as the policy spells it and each value the resource carries under it).
pub(crate) fn invalid_tag_values(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    taggable: fn(skywarden_graph::ResourceKind) -> bool,
    case_insensitive: bool,
) -> Vec<Finding> {
    use crate::finding::InvalidTagValue;
    let policies = tag_policies(cx, taggable);
    cx.inventory
        .resources()
        .filter_map(|r| {
            let policy = policies.get(&r.kind())?;
            let invalid: Vec<InvalidTagValue> = policy
                .allowed_values
                .iter()
                .flat_map(|(key, allowed)| {
                    r.tags
                        .iter()
                        .filter(move |(k, _)| {
                            if case_insensitive {
                                k.eq_ignore_ascii_case(key)
                            } else {
                                *k == key
                            }
                        })
                        .filter(move |(_, value)| !allowed.contains(value))
                        .map(move |(_, value)| InvalidTagValue {
                            key: key.clone(),
                            value: value.clone(),
                            allowed: allowed.clone(),
                        })
                })
                .collect();
            (!invalid.is_empty())
                .then(|| Finding::new(meta, r, "", Evidence::InvalidTagValues { invalid }))
        })
        .collect()
}

/// Shared by the missing-tag rules of every provider: one finding per resource whose kind
/// `taggable` accepts and whose effective tag policy requires a key it lacks. Keys compare
/// exactly, or ASCII-case-insensitively when `case_insensitive` (Azure tag names are
/// case-insensitive).
pub(crate) fn missing_required_tags(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    taggable: fn(skywarden_graph::ResourceKind) -> bool,
    case_insensitive: bool,
) -> Vec<Finding> {
    let policies = tag_policies(cx, taggable);
    cx.inventory
        .resources()
        .filter_map(|r| {
            let policy = policies.get(&r.kind())?;
            let has = |k: &str| {
                if case_insensitive {
                    r.tags.keys().any(|t| t.eq_ignore_ascii_case(k))
                } else {
                    r.tags.contains_key(k)
                }
            };
            let missing: Vec<String> = policy
                .required
                .iter()
                .filter(|k| !has(k))
                .cloned()
                .collect();
            (!missing.is_empty()).then(|| {
                Finding::new(
                    meta,
                    r,
                    "",
                    Evidence::MissingTags {
                        required: policy.required.clone(),
                        missing,
                    },
                )
            })
        })
        .collect()
}

/// Shared by the all-traffic / all-ports rules: one finding per security group with a
/// world-open ingress permission that `matches`, with every such permission as evidence.
pub(crate) fn world_open_matching(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    matches: fn(&skywarden_graph::model::Permission) -> bool,
) -> Vec<Finding> {
    cx.inventory
        .of_kind::<SecurityGroup>()
        .filter_map(|(r, sg)| {
            let permissions: Vec<OpenIngress> = sg
                .ingress
                .iter()
                .filter(|p| matches(p))
                .flat_map(|p| {
                    p.world_sources().into_iter().map(|src| OpenIngress {
                        via: r.id.clone(),
                        protocol: p.protocol.clone(),
                        from_port: p.from_port,
                        to_port: p.to_port,
                        source: src.to_string(),
                    })
                })
                .collect();
            (!permissions.is_empty())
                .then(|| Finding::new(meta, r, "", Evidence::WorldOpenAllPorts { permissions }))
        })
        .collect()
}

/// Shared by the world-open port rules: one finding per security group whose ingress lets
/// the world reach TCP `port`, with every such permission as evidence.
pub(crate) fn world_open_port(cx: &EvalCx<'_>, meta: &RuleMeta, port: u16) -> Vec<Finding> {
    cx.inventory
        .of_kind::<SecurityGroup>()
        .filter_map(|(r, sg)| {
            let permissions: Vec<OpenIngress> = sg
                .world_open_ingress(port)
                .flat_map(|p| {
                    p.world_sources().into_iter().map(|src| OpenIngress {
                        via: r.id.clone(),
                        protocol: p.protocol.clone(),
                        from_port: p.from_port,
                        to_port: p.to_port,
                        source: src.to_string(),
                    })
                })
                .collect();
            (!permissions.is_empty()).then(|| {
                Finding::new(
                    meta,
                    r,
                    "",
                    Evidence::WorldOpenIngress { port, permissions },
                )
            })
        })
        .collect()
}

/// The access keys of an IAM user (keys are `attached_to` their user), ordered by id.
pub(crate) fn iam_keys_of<'a>(cx: &EvalCx<'a>, user: &Resource) -> Vec<&'a AccessKey> {
    cx.inventory
        .neighbors_of::<AccessKey>(&user.id, EdgeKind::AttachedTo, Direction::Incoming)
        .into_iter()
        .map(|(_, k)| k)
        .collect()
}

/// Every `*`-on-`*` managed policy a user holds, directly or through its groups, as
/// [`Evidence::AdminPolicy`] (one per policy; the first path found names `via`).
pub(crate) fn iam_admin_grants(cx: &EvalCx<'_>, user: &User) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut consider = |p: &AttachedPolicy, via: String| {
        let statements = match &p.local {
            Some(id) => cx
                .inventory
                .get(id)
                .and_then(|r| r.model::<Policy>())
                .and_then(|pol| pol.document.as_ref())
                .map(|d| {
                    d.statements
                        .iter()
                        .filter(|s| s.allows_full_admin())
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            None if is_aws_administrator_access(&p.arn) => Vec::new(),
            None => return,
        };
        if (p.local.is_some() && statements.is_empty()) || !seen.insert(p.arn.clone()) {
            return;
        }
        out.push(Evidence::AdminPolicy {
            policy_arn: p.arn.clone(),
            policy_name: p.name.clone(),
            via,
            statements,
        });
    };
    for p in &user.attached_policies {
        consider(p, format!("user:{}", user.user_name));
    }
    for g in &user.groups {
        if let Some(group) = cx.inventory.get(g).and_then(|r| r.model::<Group>()) {
            for p in &group.attached_policies {
                consider(p, format!("group:{}", group.group_name));
            }
        }
    }
    out
}

/// Shared by the snapshot rules.
pub(crate) fn snapshot_evidence(cx: &EvalCx<'_>, s: &Snapshot) -> Evidence {
    Evidence::Snapshot {
        volume_size_gib: s.volume_size_gib,
        encrypted: s.encrypted,
        public: s.public,
        state: s.state,
        storage_tier: s.storage_tier,
        started: s.start_time,
        age_days: s.start_time.map(|t| (cx.now - t).num_days()),
    }
}

/// Shared by the S3 bucket rules: one finding per bucket for which `fires` holds, with the
/// bucket's access and protection settings as evidence. `fires` must return false when the
/// details it reads are in `Bucket::unreadable`.
pub(crate) fn bucket_findings(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    fires: fn(&skywarden_graph::model::Bucket) -> bool,
) -> Vec<Finding> {
    cx.inventory
        .of_kind::<skywarden_graph::model::Bucket>()
        .filter(|(_, b)| fires(b))
        .map(|(r, b)| Finding::new(meta, r, "", bucket_evidence(b)))
        .collect()
}

pub(crate) fn bucket_evidence(b: &skywarden_graph::model::Bucket) -> Evidence {
    Evidence::S3Bucket {
        location: b.location.clone(),
        public_access_block: b.public_access_block,
        all_users_grants: b.acl_all_users_grants().into_iter().cloned().collect(),
        public_policy_statements: b
            .policy
            .as_ref()
            .map(|p| p.public_statements().cloned().collect())
            .unwrap_or_default(),
        policy_is_public: b.policy_is_public,
        has_policy: b.policy.is_some(),
        denies_insecure_transport: b
            .policy
            .as_ref()
            .is_some_and(|p| p.denies_insecure_transport()),
        default_encryption: b.default_encryption.clone(),
        versioning: b.versioning,
        logging: b.logging.clone(),
        unreadable: b.unreadable.clone(),
    }
}

/// ACL grants AllUsers and the bucket's public access block does not ignore public ACLs.
pub(crate) fn bucket_public_by_acl(b: &skywarden_graph::model::Bucket) -> bool {
    use skywarden_graph::model::BucketAspect;
    b.known(BucketAspect::Acl)
        && b.known(BucketAspect::PublicAccessBlock)
        && !b.acl_all_users_grants().is_empty()
        && !b.public_acls_ignored()
}

/// The policy allows anonymous access and the bucket's block does not restrict it.
pub(crate) fn bucket_public_by_policy(b: &skywarden_graph::model::Bucket) -> bool {
    use skywarden_graph::model::BucketAspect;
    (b.known(BucketAspect::Policy) || b.known(BucketAspect::PolicyStatus))
        && b.known(BucketAspect::PublicAccessBlock)
        && b.policy_allows_public()
        && !b.public_policy_restricted()
}

/// Shared by the ELBv2 load balancer attribute rules: one finding per load balancer of a type
/// in `types` for which `disabled` reads `Some(false)` (an attribute that was not in the
/// response is unknown: no finding).
pub(crate) fn elbv2_attribute_disabled(
    cx: &EvalCx<'_>,
    meta: &RuleMeta,
    types: &[skywarden_graph::model::LoadBalancerType],
    disabled: fn(&skywarden_graph::model::LoadBalancerAttributes) -> Option<bool>,
    also: fn(&EvalCx<'_>, &Resource, &skywarden_graph::model::LoadBalancer) -> bool,
) -> Vec<Finding> {
    cx.inventory
        .of_kind::<skywarden_graph::model::LoadBalancer>()
        .filter(|(r, lb)| {
            types.contains(&lb.lb_type)
                && disabled(&lb.attributes) == Some(false)
                && also(cx, r, lb)
        })
        .map(|(r, lb)| Finding::new(meta, r, "", elbv2_lb_evidence(lb)))
        .collect()
}

pub(crate) fn elbv2_lb_evidence(lb: &skywarden_graph::model::LoadBalancer) -> Evidence {
    Evidence::LoadBalancerAttributes {
        lb_type: lb.lb_type,
        scheme: lb.scheme,
        deletion_protection: lb.attributes.deletion_protection,
        access_logs_enabled: lb.attributes.access_logs_enabled,
        drop_invalid_header_fields: lb.attributes.drop_invalid_header_fields,
    }
}

/// The load balancer of a listener, when the scan saw it.
pub(crate) fn elbv2_listener_lb<'a>(
    cx: &EvalCx<'a>,
    listener: &skywarden_graph::model::Listener,
) -> Option<&'a skywarden_graph::model::LoadBalancer> {
    cx.inventory
        .get(&listener.load_balancer)
        .and_then(|r| r.model::<skywarden_graph::model::LoadBalancer>())
}

pub(crate) fn elbv2_listener_evidence(l: &skywarden_graph::model::Listener) -> Evidence {
    Evidence::ListenerSettings {
        load_balancer: l.load_balancer.clone(),
        port: l.port,
        protocol: l.protocol,
        ssl_policy: l.ssl_policy.clone(),
        redirects_to_https: l.redirects_to_https(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use skywarden_graph::Provider;

    use super::*;

    #[test]
    fn registry_invariants() {
        let mut ids = HashSet::new();
        for (rule, module) in all().iter().zip(MODULES) {
            let m = &rule.meta;
            assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
            assert_eq!(
                m.id.rsplit('.').next(),
                Some(*module),
                "rule id must end with its file name"
            );
            assert!(
                m.id.starts_with("aws.") || m.id.starts_with("azure.") || is_drift_rule(m.id),
                "{}",
                m.id
            );
            // Drift rules may list no kinds: they apply to every kind.
            assert!(
                !m.kinds.is_empty() || is_drift_rule(m.id),
                "{} lists no kinds",
                m.id
            );
            if is_drift_rule(m.id) {
                assert_eq!(m.category, crate::meta::Category::Drift, "{}", m.id);
            }
            assert!(!m.title.is_empty() && !m.remediation.is_empty() && !m.description.is_empty());
            for f in m.frameworks {
                assert!(!f.version.is_empty() && !f.control.is_empty());
            }
        }
    }

    #[test]
    fn rule_kinds_belong_to_the_rule_provider() {
        for rule in all() {
            let m = &rule.meta;
            let provider = match m.id.split('.').next() {
                Some("aws") => Some(Provider::Aws),
                Some("azure") => Some(Provider::Azure),
                // Drift rules compare baselines of every provider.
                Some("drift") => None,
                _ => panic!("{} has no provider prefix", m.id),
            };
            for k in m.kinds {
                if let Some(provider) = provider {
                    assert_eq!(
                        k.provider(),
                        provider,
                        "{} lists {k}, not a {} kind",
                        m.id,
                        provider.as_str()
                    );
                }
            }
            let mut kinds = m.kinds.to_vec();
            kinds.sort_unstable();
            kinds.dedup();
            assert_eq!(kinds.len(), m.kinds.len(), "{} lists a kind twice", m.id);
        }
    }

    #[test]
    fn get_finds_every_registered_rule() {
        assert_eq!(all().len(), MODULES.len());
        for rule in all() {
            assert_eq!(get(rule.meta.id).map(|r| r.meta.id), Some(rule.meta.id));
        }
        assert!(get("aws.ec2.nope").is_none());
    }
}
