//! Conformance scenarios of drift persistence: change history written by `finish_scan`
//! (created / modified with a JSON Patch / deleted; unchanged resources only touched; volatile
//! fields never a change; failed scopes never compared), its pruning, and baselines (pin,
//! selectors, approval, the view the drift rules read, cascades). Listed in `conformance!` in
//! the parent file, so each runs on SQLite and on Postgres.

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::json;
use skywarden_graph::model::{AccessKey, AccessKeyStatus};
use skywarden_graph::{
    AccountId, CoverageStatus, ErrorClass, PatchOp, Region, Resource, ResourceId, ScanId, Scope,
};
use skywarden_rules::{catalog, Evidence, Finding, FindingStatus, TagSelector};
use skywarden_store::{
    ApprovalAction, ChangeFilter, ChangeKind, NewBaseline, ResourceChange, Retention, StoreError,
};

use super::{
    acct, conn, coverage, failed, findings_of, record, reg, scan, sg, stored, t, volume, TestDb,
    SG, VOL,
};

fn changes_of(list: &[ResourceChange]) -> Vec<(ChangeKind, &str)> {
    let mut v: Vec<(ChangeKind, &str)> = list
        .iter()
        .map(|c| (c.change, c.resource_id.short_id()))
        .collect();
    v.sort();
    v
}

/// (created, modified, deleted, unchanged) of a scan.
fn history_counts(p: &skywarden_store::PersistSummary) -> (u64, u64, u64, u64) {
    (
        p.resources_created,
        p.resources_modified,
        p.resources_deleted,
        p.resources_unchanged,
    )
}

async fn changes_in(store: &skywarden_store::Store, scan: ScanId) -> Vec<ResourceChange> {
    store
        .list_changes(&ChangeFilter {
            scan_id: Some(scan),
            ..Default::default()
        })
        .await
        .unwrap()
}

fn ops(c: &ResourceChange) -> Vec<(&'static str, String)> {
    c.patch
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|op| (op.op(), op.path().to_string()))
        .collect()
}

fn with_tag(mut r: Resource, k: &str, v: &str) -> Resource {
    r.tags.insert(k.into(), v.into());
    r
}

fn access_key(id: &str, last_used: Option<chrono::DateTime<chrono::Utc>>) -> Resource {
    let a: AccountId = acct();
    Resource::new(
        format!("arn:aws:iam::{a}:user/alice/accesskey/{id}")
            .parse()
            .unwrap(),
        a,
        Region::global(),
        BTreeMap::new(),
        AccessKey {
            access_key_id: id.into(),
            user_name: "alice".into(),
            user: format!("arn:aws:iam::{}:user/alice", acct())
                .parse()
                .unwrap(),
            status: AccessKeyStatus::Active,
            create_date: Some(t(-1000)),
            last_used_date: last_used,
            last_used_service: last_used.map(|_| "s3".to_string()),
            last_used_region: None,
        },
    )
}

fn new_baseline(selector: Option<&str>, replace: bool) -> NewBaseline {
    NewBaseline {
        connection_id: conn(),
        scan_id: None,
        selector: selector.map(|s| s.parse::<TagSelector>().unwrap()),
        note: Some("approved by change board".into()),
        created_by: "cli:test".into(),
        replace,
        at: t(100),
    }
}

pub(super) async fn history_records_created_modified_and_deleted(db: &TestDb) {
    let store = db.store().await;
    let cov = coverage(&[("us-east-1", SG), ("us-east-1", VOL)], &[]);
    let (s1, s2) = (ScanId::new(), ScanId::new());
    let closed = sg("us-east-1", "sg-1", false);
    let (v1, v2) = (
        volume("us-east-1", "vol-1", 10),
        volume("us-east-1", "vol-2", 20),
    );
    let got = scan(
        &store,
        s1,
        t(0),
        &cov,
        &[closed.clone(), v1.clone(), v2.clone()],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(history_counts(&got), (3, 0, 0, 0));
    let first = store.list_changes(&ChangeFilter::default()).await.unwrap();
    assert_eq!(
        changes_of(&first),
        [
            (ChangeKind::Created, "sg-1"),
            (ChangeKind::Created, "vol-1"),
            (ChangeKind::Created, "vol-2")
        ]
    );
    assert!(first
        .iter()
        .all(|c| c.scan_id == s1 && c.at == stored(t(0)) && c.patch.is_none()));

    // The group opens SSH to the world and gets a tag; vol-1 is unchanged; vol-2 is gone;
    // vol-3 is new.
    let open = with_tag(sg("us-east-1", "sg-1", true), "owner", "alice");
    let v3 = volume("us-east-1", "vol-3", 30);
    let got = scan(
        &store,
        s2,
        t(60),
        &cov,
        &[open.clone(), v1.clone(), v3.clone()],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(history_counts(&got), (1, 1, 1, 1));
    assert_eq!(got.resources_written, 3);
    // Unchanged: only last-seen moved on.
    assert_eq!(db.resource_last_scan(&v1.id).await, s2.to_string());

    let second = changes_in(&store, s2).await;
    assert_eq!(
        changes_of(&second),
        [
            (ChangeKind::Created, "vol-3"),
            (ChangeKind::Modified, "sg-1"),
            (ChangeKind::Deleted, "vol-2")
        ]
    );
    let modified = second
        .iter()
        .find(|c| c.change == ChangeKind::Modified)
        .unwrap();
    assert_eq!(
        modified.patch.as_deref().unwrap(),
        [
            PatchOp::Replace {
                path: "/properties/ingress/0/ipv4_ranges/0".into(),
                value: json!("0.0.0.0/0"),
            },
            PatchOp::Add {
                path: "/tags/owner".into(),
                value: json!("alice"),
            },
        ]
    );
    assert_eq!((modified.kind, modified.region.as_str()), (SG, "us-east-1"));
    assert!(modified.content_hash.is_some());
    let deleted = second
        .iter()
        .find(|c| c.change == ChangeKind::Deleted)
        .unwrap();
    assert_eq!(deleted.content_hash, None);
    let last: Resource = serde_json::from_value(deleted.document.clone().unwrap()).unwrap();
    assert_eq!(last, v2);

    // Filters and newest-first pages.
    let of_sg = store
        .list_changes(&ChangeFilter {
            resource_id: Some(closed.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        of_sg.iter().map(|c| c.change).collect::<Vec<_>>(),
        [ChangeKind::Modified, ChangeKind::Created]
    );
    let since = store
        .list_changes(&ChangeFilter {
            since: Some(t(30)),
            kind: Some(VOL),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        changes_of(&since),
        [
            (ChangeKind::Created, "vol-3"),
            (ChangeKind::Deleted, "vol-2")
        ]
    );
    let all = store.list_changes(&ChangeFilter::default()).await.unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    let mut walked = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .list_changes(&ChangeFilter {
                before,
                limit: Some(4),
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|c| c.id);
        walked.extend(page);
    }
    assert_eq!(walked, all);
    let none = store
        .list_changes(&ChangeFilter {
            org_connections: Some(vec![]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    // The same inventory again: no change at all.
    let got = scan(&store, ScanId::new(), t(120), &cov, &[open, v1, v3], &[])
        .await
        .unwrap();
    assert_eq!(history_counts(&got), (0, 0, 0, 3));
    assert_eq!(
        store
            .list_changes(&ChangeFilter::default())
            .await
            .unwrap()
            .len(),
        6
    );
}

pub(super) async fn volatile_fields_refresh_the_document_without_a_change(db: &TestDb) {
    let store = db.store().await;
    let iam = Scope {
        account_id: acct(),
        region: Region::global(),
        kind: skywarden_graph::ResourceKind::AwsIamAccessKey,
    };
    let mut cov = skywarden_graph::Coverage::new();
    cov.record(iam, CoverageStatus::Complete);
    let s1 = ScanId::new();
    scan(&store, s1, t(0), &cov, &[access_key("AKIA1", None)], &[])
        .await
        .unwrap();
    let used = access_key("AKIA1", Some(t(30)));
    let got = scan(
        &store,
        ScanId::new(),
        t(60),
        &cov,
        std::slice::from_ref(&used),
        &[],
    )
    .await
    .unwrap();
    assert_eq!((got.resources_modified, got.resources_unchanged), (0, 1));
    // The stored document shows the last use...
    assert_eq!(
        store.list_resources(&conn()).await.unwrap(),
        std::slice::from_ref(&used)
    );
    // ...and history has only the creation.
    let all = store.list_changes(&ChangeFilter::default()).await.unwrap();
    assert_eq!(changes_of(&all), [(ChangeKind::Created, "AKIA1")]);
    // A real change of the same key is recorded, without the volatile fields.
    let mut disabled = access_key("AKIA1", Some(t(90)));
    if let skywarden_graph::Properties::AwsIamAccessKey(k) = &mut disabled.properties {
        k.status = AccessKeyStatus::Inactive;
    }
    scan(&store, ScanId::new(), t(120), &cov, &[disabled], &[])
        .await
        .unwrap();
    let all = store.list_changes(&ChangeFilter::default()).await.unwrap();
    assert_eq!(
        ops(&all[0]),
        [("replace", "/properties/status".to_string())]
    );
}

pub(super) async fn failed_scopes_record_no_changes(db: &TestDb) {
    let store = db.store().await;
    let both = coverage(&[("us-east-1", VOL), ("eu-west-1", VOL)], &[]);
    let (v1, v2) = (
        volume("us-east-1", "vol-1", 10),
        volume("eu-west-1", "vol-2", 20),
    );
    scan(
        &store,
        ScanId::new(),
        t(0),
        &both,
        &[v1.clone(), v2.clone()],
        &[],
    )
    .await
    .unwrap();
    // eu-west-1 fails and sees nothing; us-east-1 sees vol-1 resized.
    let mut cov = coverage(&[("us-east-1", VOL)], &[]);
    cov.record(
        Scope {
            account_id: acct(),
            region: reg("eu-west-1"),
            kind: VOL,
        },
        failed(ErrorClass::AccessDenied),
    );
    let bigger = volume("us-east-1", "vol-1", 11);
    let s2 = ScanId::new();
    let got = scan(&store, s2, t(60), &cov, &[bigger], &[]).await.unwrap();
    assert_eq!((got.resources_modified, got.resources_deleted), (1, 0));
    let second = changes_in(&store, s2).await;
    assert_eq!(changes_of(&second), [(ChangeKind::Modified, "vol-1")]);
    assert_eq!(
        ops(&second[0]),
        [("replace", "/properties/size_gib".to_string())]
    );
    // eu-west-1 completes again later with vol-2 unchanged: still nothing for it.
    let s3 = ScanId::new();
    scan(
        &store,
        s3,
        t(120),
        &both,
        &[volume("us-east-1", "vol-1", 11), v2],
        &[],
    )
    .await
    .unwrap();
    let third = changes_in(&store, s3).await;
    assert!(third.is_empty(), "{third:?}");
}

pub(super) async fn history_prunes_by_age_and_by_scans_in_bounded_passes(db: &TestDb) {
    let store = db.store().await;
    let cov = coverage(&[("us-east-1", VOL)], &[]);
    // Scan k (at minute 60 k) resizes every volume: 5 changes per scan after the first.
    for k in 0..4i64 {
        let vols: Vec<Resource> = (0..5)
            .map(|i| {
                volume(
                    "us-east-1",
                    &format!("vol-{i}"),
                    10 + i32::try_from(k).unwrap(),
                )
            })
            .collect();
        scan(&store, ScanId::new(), t(60 * k), &cov, &vols, &[])
            .await
            .unwrap();
    }
    let count = |s: &skywarden_store::Store| {
        let s = s.clone();
        async move {
            s.list_changes(&ChangeFilter::default())
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(&store).await, 20);
    // Nothing to do without limits.
    let none = store
        .prune_history(None, Retention::default(), t(1000), 100)
        .await
        .unwrap();
    assert_eq!((none.changes_deleted, none.complete), (0, true));
    // Keep the newest 3 scans' changes, at most 3 rows per pass.
    let keep3 = Retention {
        days: None,
        scans: Some(3),
    };
    let first = store.prune_history(None, keep3, t(1000), 3).await.unwrap();
    assert_eq!((first.changes_deleted, first.complete), (3, false));
    let second = store
        .prune_history(Some(&conn()), keep3, t(1000), 100)
        .await
        .unwrap();
    assert_eq!((second.changes_deleted, second.complete), (2, true));
    let left = store.list_changes(&ChangeFilter::default()).await.unwrap();
    assert_eq!(left.len(), 15);
    assert!(left.iter().all(|c| c.at >= stored(t(60))));
    // By age: one day after minute 150, only the last scan (minute 180) is younger.
    let by_age = Retention {
        days: Some(1),
        scans: None,
    };
    let got = store
        .prune_history(None, by_age, t(150) + Duration::days(1), 100)
        .await
        .unwrap();
    assert_eq!((got.changes_deleted, got.complete), (10, true));
    let left = store.list_changes(&ChangeFilter::default()).await.unwrap();
    assert_eq!(left.len(), 5);
    assert!(left.iter().all(|c| c.at == stored(t(180))));
}

pub(super) async fn baselines_pin_approve_view_and_cascade(db: &TestDb) {
    let store = db.store().await;
    let cov = coverage(
        &[("us-east-1", SG), ("us-east-1", VOL)],
        &[("eu-west-1", VOL)],
    );
    let g = with_tag(sg("us-east-1", "sg-1", false), "env", "prod");
    let (v1, v2) = (
        with_tag(volume("us-east-1", "vol-1", 10), "env", "prod"),
        volume("us-east-1", "vol-2", 20),
    );
    // No scan yet: nothing to pin.
    let err = store
        .pin_baseline(&new_baseline(None, false))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "connection",
                ..
            }
        ),
        "{err:?}"
    );
    let s1 = ScanId::new();
    scan(
        &store,
        s1,
        t(0),
        &cov,
        &[g.clone(), v1.clone(), v2.clone()],
        &[],
    )
    .await
    .unwrap();

    let whole = store
        .pin_baseline(&new_baseline(None, false))
        .await
        .unwrap();
    assert_eq!(
        (whole.scan_id, whole.resource_count, whole.selector.clone()),
        (s1, 3, None)
    );
    // The scopes the scan saw completely, not the failed one.
    assert_eq!(whole.scopes.len(), 2);
    assert!(whole
        .scopes
        .iter()
        .all(|s| s.region.as_str() == "us-east-1"));
    let prod = store
        .pin_baseline(&new_baseline(Some("env=prod"), false))
        .await
        .unwrap();
    assert_eq!(prod.resource_count, 2);
    let entries = store.baseline_entries(prod.id, None, None).await.unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e.resource_id.short_id()).collect();
    assert_eq!(ids, ["sg-1", "vol-1"]);
    assert_eq!(
        serde_json::from_value::<Resource>(entries[1].document.clone()).unwrap(),
        v1
    );
    // One per selector; replace explicitly.
    let dup = store
        .pin_baseline(&new_baseline(None, false))
        .await
        .unwrap_err();
    assert!(
        matches!(
            dup,
            StoreError::Conflict {
                what: "baseline",
                ..
            }
        ),
        "{dup:?}"
    );
    let replaced = store.pin_baseline(&new_baseline(None, true)).await.unwrap();
    assert_ne!(replaced.id, whole.id);
    assert!(store.get_baseline(whole.id).await.unwrap().is_none());
    let listed = store.list_baselines(None).await.unwrap();
    assert_eq!(
        listed.iter().map(|b| b.id).collect::<Vec<_>>(),
        [prod.id, replaced.id]
    );

    // The next scan: the group opens, vol-2 goes, vol-3 appears.
    let open = with_tag(sg("us-east-1", "sg-1", true), "env", "prod");
    let v3 = with_tag(volume("us-east-1", "vol-3", 30), "env", "prod");
    let s2 = ScanId::new();
    scan(
        &store,
        s2,
        t(60),
        &cov,
        &[open.clone(), v1.clone(), v3.clone()],
        &[],
    )
    .await
    .unwrap();
    // Only the latest finished scan can be pinned.
    let mut old = new_baseline(Some("env=dev"), false);
    old.scan_id = Some(s1);
    let err = store.pin_baseline(&old).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "scan", .. }),
        "{err:?}"
    );

    // The view: the newest pin wins for a resource in two baselines.
    let view = store.baseline_view(&conn()).await.unwrap();
    assert_eq!(view.baselines().len(), 2);
    let (b, approved) = view.get(&g.id).unwrap();
    assert_eq!((b.id, approved), (replaced.id, &g));
    assert!(view.get(&v2.id).is_some());
    assert!(view.get(&v3.id).is_none());
    assert_eq!(view.covering(&v3).map(|b| b.id), Some(replaced.id));

    // Approving the group: its current document in both baselines that hold it.
    let got = store
        .approve_resource(&conn(), None, &open.id, "cli:test", t(70))
        .await
        .unwrap();
    let mut actions: Vec<_> = got.iter().map(|a| (a.baseline_id, a.action)).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            (prod.id, ApprovalAction::Updated),
            (replaced.id, ApprovalAction::Updated)
        ]
    );
    let view = store.baseline_view(&conn()).await.unwrap();
    assert_eq!(view.get(&open.id).unwrap().1, &open);
    // A new resource joins the newest covering baseline; a deleted one leaves.
    let got = store
        .approve_resource(&conn(), None, &v3.id, "cli:test", t(71))
        .await
        .unwrap();
    assert_eq!(
        got.iter()
            .map(|a| (a.baseline_id, a.action))
            .collect::<Vec<_>>(),
        [(replaced.id, ApprovalAction::Added)]
    );
    let got = store
        .approve_resource(&conn(), Some(replaced.id), &v2.id, "cli:test", t(72))
        .await
        .unwrap();
    assert_eq!(got[0].action, ApprovalAction::Removed);
    let view = store.baseline_view(&conn()).await.unwrap();
    assert!(view.get(&v2.id).is_none() && view.get(&v3.id).is_some());
    let unknown: ResourceId = "arn:aws:ec2:us-east-1:123456789012:volume/vol-404"
        .parse()
        .unwrap();
    let err = store
        .approve_resource(&conn(), None, &unknown, "cli:test", t(73))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "resource",
                ..
            }
        ),
        "{err:?}"
    );
    let b = store.get_baseline(replaced.id).await.unwrap().unwrap();
    assert_eq!((b.resource_count, b.updated_at), (3, stored(t(72))));

    // Deleting a baseline; deleting the connection takes the rest and the history.
    store.delete_baseline(prod.id).await.unwrap();
    let err = store.delete_baseline(prod.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    store.delete_connection(&conn()).await.unwrap();
    assert!(store.list_baselines(None).await.unwrap().is_empty());
    assert!(store
        .list_changes(&ChangeFilter::default())
        .await
        .unwrap()
        .is_empty());
    assert!(store.baseline_view(&conn()).await.unwrap().is_empty());
}

/// A drift finding is resolved only when its own scope was Complete.
pub(super) async fn drift_findings_resolve_only_in_complete_scopes(db: &TestDb) {
    let store = db.store().await;
    let rule = catalog::get("drift.resource_deleted_since_baseline").unwrap();
    let v = volume("us-east-1", "vol-1", 10);
    let f = Finding::new(
        &rule.meta,
        &v,
        "",
        Evidence::BaselineDrift {
            baseline_id: skywarden_graph::BaselineId::new(),
            baseline_scan_id: ScanId::new(),
            change: skywarden_rules::DriftChange::Deleted,
            patch: vec![PatchOp::Replace {
                path: String::new(),
                value: serde_json::Value::Null,
            }],
        },
    );
    let complete = coverage(&[("us-east-1", VOL)], &[]);
    scan(
        &store,
        ScanId::new(),
        t(0),
        &complete,
        &[],
        std::slice::from_ref(&f),
    )
    .await
    .unwrap();
    let failing = coverage(&[("us-east-1", SG)], &[("us-east-1", VOL)]);
    scan(&store, ScanId::new(), t(60), &failing, &[], &[])
        .await
        .unwrap();
    assert_eq!(
        record(&findings_of(&store).await, &f).status,
        FindingStatus::Open
    );
    scan(&store, ScanId::new(), t(120), &complete, &[], &[])
        .await
        .unwrap();
    assert_eq!(
        record(&findings_of(&store).await, &f).status,
        FindingStatus::Resolved
    );
}
