//! Conformance of the latest coverage per scope (what `drift terraform` compares against).
//! Listed in `conformance!` in the parent file, so it runs on SQLite and on Postgres.

use skywarden_graph::{CoverageStatus, ErrorClass, Provider, ScanId, Scope};
use skywarden_store::{NewScan, ScanTrigger};

use super::{acct, conn, coverage, failed, reg, scan, t, TestDb, INST, SG, VOL};

fn scope(region: &str, kind: skywarden_graph::ResourceKind) -> Scope {
    Scope {
        account_id: acct(),
        region: reg(region),
        kind,
    }
}

pub(super) async fn latest_coverage_keeps_the_newest_status_per_scope(db: &TestDb) {
    let store = db.store().await;
    assert!(store.latest_coverage(&conn()).await.unwrap().is_empty());

    // Scan 1 saw everything; scan 2 saw volumes, failed on instances and did not record
    // groups; a failed scan (no coverage) and a running one change nothing.
    let first = coverage(
        &[("us-east-1", SG), ("us-east-1", VOL), ("us-east-1", INST)],
        &[],
    );
    scan(&store, ScanId::new(), t(0), &first, &[], &[])
        .await
        .unwrap();
    let second = coverage(&[("us-east-1", VOL)], &[("us-east-1", INST)]);
    scan(&store, ScanId::new(), t(60), &second, &[], &[])
        .await
        .unwrap();
    let new_scan = |at| NewScan {
        id: ScanId::new(),
        connection_id: conn(),
        provider: Provider::Aws,
        trigger: ScanTrigger::Cli,
        started_at: at,
    };
    let failed_scan = new_scan(t(100));
    store.begin_scan(&failed_scan).await.unwrap();
    store
        .fail_scan(failed_scan.id, t(101), vec!["no credentials".into()])
        .await
        .unwrap();
    store.begin_scan(&new_scan(t(120))).await.unwrap();

    let latest = store.latest_coverage(&conn()).await.unwrap();
    assert_eq!(latest.len(), 3);
    assert_eq!(
        latest.get(&scope("us-east-1", SG)),
        Some(&CoverageStatus::Complete)
    );
    assert_eq!(
        latest.get(&scope("us-east-1", VOL)),
        Some(&CoverageStatus::Complete)
    );
    assert_eq!(
        latest.get(&scope("us-east-1", INST)),
        Some(&failed(ErrorClass::Throttled))
    );

    // A later complete scan of instances makes them current again.
    let third = coverage(&[("us-east-1", INST)], &[]);
    scan(&store, ScanId::new(), t(180), &third, &[], &[])
        .await
        .unwrap();
    let latest = store.latest_coverage(&conn()).await.unwrap();
    assert!(latest.is_complete(&scope("us-east-1", INST)));
    assert!(latest.get(&scope("eu-west-1", INST)).is_none());
}

pub(super) async fn resource_scopes_are_the_distinct_stored_placements(db: &TestDb) {
    let store = db.store().await;
    assert!(store.resource_scopes(&conn()).await.unwrap().is_empty());
    let cov = coverage(
        &[("us-east-1", SG), ("us-east-1", VOL), ("eu-west-1", SG)],
        &[],
    );
    let resources = vec![
        super::sg("us-east-1", "sg-1", false),
        super::sg("us-east-1", "sg-2", true),
        super::volume("us-east-1", "vol-1", 10),
        super::sg("eu-west-1", "sg-3", false),
    ];
    scan(&store, ScanId::new(), t(0), &cov, &resources, &[])
        .await
        .unwrap();
    let got = store.resource_scopes(&conn()).await.unwrap();
    let mut want = vec![
        scope("eu-west-1", SG),
        scope("us-east-1", SG),
        scope("us-east-1", VOL),
    ];
    want.sort();
    assert_eq!(got, want);
}
