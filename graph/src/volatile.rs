//! Volatile fields: what changes between scans without anything having been changed.
//!
//! Change history, content hashes and drift compare *normalised* documents: the resource with
//! these fields cleared ([`normalised`]). The stored document keeps them (the API still shows
//! when a key was last used); they just never make a resource count as modified.
//!
//! The one list is [`VOLATILE_FIELDS`] (documentation, JSON Pointers into the stored document,
//! `*` for every array element) and [`strip`] (the typed code that clears them, checked by the
//! compiler). A test checks that the two say the same. Adding a kind with such a field: one
//! entry in each; kinds without volatile fields need nothing.

use std::borrow::Cow;

use crate::kind::ResourceKind;
use crate::model::Properties;
use crate::resource::Resource;

/// A field that changes without a change to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolatileField {
    pub kind: ResourceKind,
    /// JSON Pointer into the resource document; `*` stands for every array index.
    pub pointer: &'static str,
    /// Why it is volatile.
    pub why: &'static str,
}

const LAST_USE: &str = "records the last use, not a configuration change";
const HEALTH: &str = "observed target health, re-evaluated every few seconds by the load balancer";

/// Every volatile field, by kind.
pub const VOLATILE_FIELDS: &[VolatileField] = &[
    VolatileField {
        kind: ResourceKind::AwsIamAccessKey,
        pointer: "/properties/last_used_date",
        why: LAST_USE,
    },
    VolatileField {
        kind: ResourceKind::AwsIamAccessKey,
        pointer: "/properties/last_used_service",
        why: LAST_USE,
    },
    VolatileField {
        kind: ResourceKind::AwsIamAccessKey,
        pointer: "/properties/last_used_region",
        why: LAST_USE,
    },
    VolatileField {
        kind: ResourceKind::AwsIamRole,
        pointer: "/properties/last_used",
        why: LAST_USE,
    },
    VolatileField {
        kind: ResourceKind::AwsIamRole,
        pointer: "/properties/last_used_region",
        why: LAST_USE,
    },
    VolatileField {
        kind: ResourceKind::AwsIamUser,
        pointer: "/properties/password_last_used",
        why: LAST_USE,
    },
    VolatileField {
        kind: ResourceKind::AwsElbv2TargetGroup,
        pointer: "/properties/targets/*/state",
        why: HEALTH,
    },
    VolatileField {
        kind: ResourceKind::AwsElbv2TargetGroup,
        pointer: "/properties/targets/*/reason",
        why: HEALTH,
    },
    VolatileField {
        kind: ResourceKind::AwsElbv2TargetGroup,
        pointer: "/properties/targets/*/description",
        why: HEALTH,
    },
];

/// Whether resources of `kind` have volatile fields.
pub fn has_volatile_fields(kind: ResourceKind) -> bool {
    VOLATILE_FIELDS.iter().any(|f| f.kind == kind)
}

/// Clears the volatile fields of `p` (to `None`, or a fixed placeholder for required fields).
pub fn strip(p: &mut Properties) {
    match p {
        Properties::AwsIamAccessKey(k) => {
            k.last_used_date = None;
            k.last_used_service = None;
            k.last_used_region = None;
        }
        Properties::AwsIamRole(r) => {
            r.last_used = None;
            r.last_used_region = None;
        }
        Properties::AwsIamUser(u) => u.password_last_used = None,
        Properties::AwsElbv2TargetGroup(tg) => {
            for t in &mut tg.targets {
                t.state = crate::model::TargetHealthState::Unknown;
                t.reason = None;
                t.description = None;
            }
        }
        _ => {}
    }
}

/// The resource as change history, content hashes and drift compare it: volatile fields
/// cleared. Borrowed (no copy) for kinds without volatile fields.
pub fn normalised(r: &Resource) -> Cow<'_, Resource> {
    if !has_volatile_fields(r.kind()) {
        return Cow::Borrowed(r);
    }
    let mut owned = r.clone();
    strip(&mut owned.properties);
    Cow::Owned(owned)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::Utc;

    use super::*;
    use crate::diff::diff;
    use crate::model::{AccessKey, AccessKeyStatus, Role, User};
    use crate::Model;

    fn res<M: Model>(id: &str, m: M) -> Resource {
        Resource::new(
            id.parse().unwrap(),
            "123456789012".parse().unwrap(),
            "global".parse().unwrap(),
            BTreeMap::new(),
            m,
        )
    }

    /// One resource per kind with every volatile field set.
    fn samples() -> Vec<Resource> {
        let now = Some(Utc::now());
        vec![
            res(
                "arn:aws:iam::123456789012:user/alice/key/AKIA1",
                AccessKey {
                    access_key_id: "AKIA1".into(),
                    user_name: "alice".into(),
                    user: "arn:aws:iam::123456789012:user/alice".parse().unwrap(),
                    status: AccessKeyStatus::Active,
                    create_date: now,
                    last_used_date: now,
                    last_used_service: Some("s3".into()),
                    last_used_region: Some("us-east-1".into()),
                },
            ),
            res(
                "arn:aws:iam::123456789012:role/r",
                Role {
                    role_name: "r".into(),
                    role_id: "AROA1".into(),
                    path: "/".into(),
                    create_date: now,
                    max_session_duration_s: None,
                    trust_policy: None,
                    attached_policies: vec![],
                    inline_policies: vec![],
                    last_used: now,
                    last_used_region: Some("eu-west-1".into()),
                },
            ),
            res(
                "arn:aws:iam::123456789012:user/alice",
                User {
                    user_name: "alice".into(),
                    user_id: "AIDA1".into(),
                    path: "/".into(),
                    create_date: now,
                    password_last_used: now,
                    login_profile: None,
                    mfa_devices: vec![],
                    attached_policies: vec![],
                    inline_policies: vec![],
                    groups: vec![],
                },
            ),
            crate::testkit::elbv2_tg("tg", &[], &["i-1", "i-2"], |tg| {
                for t in &mut tg.targets {
                    t.reason = Some("Target.ResponseCodeMismatch".into());
                    t.description = Some("Health checks failed".into());
                }
            }),
        ]
    }

    /// The documented pointers are exactly what `strip` changes, kind by kind.
    #[test]
    fn the_table_and_strip_agree() {
        let samples = samples();
        let kinds: BTreeSet<ResourceKind> = VOLATILE_FIELDS.iter().map(|f| f.kind).collect();
        let sampled: BTreeSet<ResourceKind> = samples.iter().map(Resource::kind).collect();
        assert_eq!(kinds, sampled, "one sample per kind with volatile fields");
        for r in &samples {
            let before = serde_json::to_value(r).unwrap();
            let after = serde_json::to_value(normalised(r).as_ref()).unwrap();
            let changed: BTreeSet<String> = diff(&before, &after)
                .iter()
                .map(|op| {
                    op.path()
                        .split('/')
                        .map(|t| {
                            if t.bytes().all(|b| b.is_ascii_digit()) && !t.is_empty() {
                                "*"
                            } else {
                                t
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .collect();
            let documented: BTreeSet<String> = VOLATILE_FIELDS
                .iter()
                .filter(|f| f.kind == r.kind())
                .map(|f| f.pointer.to_string())
                .collect();
            assert_eq!(changed, documented, "{}", r.kind());
        }
    }

    #[test]
    fn other_kinds_are_borrowed_unchanged() {
        let r = crate::testkit::volume("vol-1", |_| {});
        assert!(matches!(normalised(&r), Cow::Borrowed(_)));
    }
}
