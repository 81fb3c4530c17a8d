//! The built-in rule catalog: one file per rule, one registry line per rule.
//!
//! Adding a rule: write `catalog/<subject>_<condition>.rs` exporting `pub static RULE: Rule`
//! (metadata, a pure `eval`, and in-file tests with at least one passing and one failing
//! resource), then add its module name to the `registry!` list below.

use crate::meta::Rule;

macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        $( pub mod $module; )*
        static ALL: &[&Rule] = &[ $( &$module::RULE ),* ];
        /// Module names in registry order, checked against rule ids by a test.
        pub const MODULES: &[&str] = &[ $( stringify!($module) ),* ];
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
    snapshot_older_than_90d,
    snapshot_unencrypted,
    snapshot_public,
    image_public,
    encryption_by_default_disabled,
    instance_stopped_with_volumes,
    volume_previous_generation,
    launch_template_imdsv1,
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

use skywarden_graph::model::{SecurityGroup, Snapshot};
use skywarden_graph::topology::OpenIngress;

use crate::engine::EvalCx;
use crate::finding::{Evidence, Finding};
use crate::meta::RuleMeta;

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
                m.id.starts_with("aws.") || m.id.starts_with("azure."),
                "{}",
                m.id
            );
            assert!(!m.kinds.is_empty(), "{} lists no kinds", m.id);
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
                Some("aws") => Provider::Aws,
                Some("azure") => Provider::Azure,
                _ => panic!("{} has no provider prefix", m.id),
            };
            for k in m.kinds {
                assert_eq!(
                    k.provider(),
                    provider,
                    "{} lists {k}, not a {} kind",
                    m.id,
                    provider.as_str()
                );
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
