//! Conformance scenarios of the daemon's persistence: organizations, tokens, audit,
//! connections, leases, recovery, cancellation, pages of inventory and findings, and
//! organization-owned suppressions. Listed in `conformance!` in the parent file, so each runs
//! on SQLite and on Postgres.

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use skywarden_graph::{ConnectionId, Provider, Resource, ResourceKind, ScanId};
use skywarden_rules::{Finding, FindingRecord, FindingStatus, Severity};
use skywarden_store::{
    cursor_after, AuditEntry, Backend, ConnectionUpdate, CredentialKind, DeletedCounts,
    FindingCursor, FindingFilter, FindingSort, MasterKey, NewConnection, NewScan, OrgId,
    PersistSummary, ResourceQuery, Role, ScanStatus, ScanTrigger, Store, StoreError, ABANDONED,
};
use sqlx::Connection;

use super::{
    acct, all_of, conn, coverage, reg, sg, ssh_finding, stored, suppression, t, unattached_finding,
    volume, Baseline, TestDb, SSH, VOL,
};

// ---------------------------------------------------------------------------------------------
// Helpers

fn org(s: &str) -> OrgId {
    s.parse().unwrap()
}

fn cid(s: &str) -> ConnectionId {
    s.parse().unwrap()
}

fn new_connection(id: &str, org: Option<&OrgId>) -> NewConnection {
    NewConnection {
        id: cid(id),
        org_id: org.cloned(),
        provider: Provider::Aws,
        name: Some(format!("{id} account")),
        config: json!({"regions": ["us-east-1"], "role_arn": "arn:aws:iam::123456789012:role/audit"}),
        schedule: None,
    }
}

/// Begins scan `id` of `connection` one minute before `at` and finishes it at `at`.
async fn scan_on(
    store: &Store,
    connection: &ConnectionId,
    id: ScanId,
    at: DateTime<Utc>,
    resources: &[Resource],
    findings: &[Finding],
) -> PersistSummary {
    store
        .begin_scan(&NewScan {
            id,
            connection_id: connection.clone(),
            provider: Provider::Aws,
            trigger: ScanTrigger::Api,
            started_at: at - Duration::minutes(1),
        })
        .await
        .unwrap();
    let cov = coverage(&all_of("us-east-1"), &[]);
    store
        .finish_scan(&skywarden_store::ScanOutcome {
            scan_id: id,
            connection_id: connection.clone(),
            finished_at: at,
            coverage: &cov,
            resources: resources.iter().collect(),
            findings,
            errors: vec![],
            rules: &[],
            evaluated_rules: &super::builtin_ids(),
            stale_after_scans: 3,
            api_calls: Default::default(),
        })
        .await
        .unwrap()
}

async fn begin(store: &Store, connection: &ConnectionId, at: DateTime<Utc>) -> ScanId {
    let id = ScanId::new();
    store
        .begin_scan(&NewScan {
            id,
            connection_id: connection.clone(),
            provider: Provider::Aws,
            trigger: ScanTrigger::Schedule,
            started_at: at,
        })
        .await
        .unwrap();
    id
}

/// One integer from raw SQL on a separate connection (`COUNT(*)` and the like).
async fn int(db: &TestDb, sql: &str) -> i64 {
    match db.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        }
    }
}

/// Every text column of every `api_tokens` row, concatenated.
async fn token_rows_text(db: &TestDb) -> String {
    let sql = "SELECT id || '|' || org_id || '|' || name || '|' || role || '|' || token_hash FROM api_tokens";
    let rows: Vec<String> = match db.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        }
    };
    rows.join("\n")
}

/// Rows of every connection-owned table that belong to `connections`.
async fn owned_rows(db: &TestDb, connections: &[&str]) -> Vec<(&'static str, i64)> {
    let list = connections
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = Vec::new();
    for (table, col) in [
        ("connections", "id"),
        ("scans", "connection_id"),
        ("resources", "connection_id"),
        ("findings", "connection_id"),
        ("finding_events", "connection_id"),
        ("credentials", "connection_id"),
        ("suppressions", "connection_id"),
        ("scan_leases", "connection_id"),
    ] {
        let n = int(
            db,
            &format!("SELECT COUNT(*) FROM {table} WHERE {col} IN ({list})"),
        )
        .await;
        out.push((table, n));
    }
    out
}

/// Rows of the organization-owned tables that belong to `org`.
async fn org_rows(db: &TestDb, org: &str) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for (table, col) in [
        ("organizations", "id"),
        ("connections", "org_id"),
        ("api_tokens", "org_id"),
        ("audit_log", "org_id"),
        ("suppressions", "org_id"),
    ] {
        let n = int(
            db,
            &format!("SELECT COUNT(*) FROM {table} WHERE {col} = '{org}'"),
        )
        .await;
        out.push((table, n));
    }
    out
}

fn audit(org: &OrgId, at: DateTime<Utc>, action: &str) -> AuditEntry {
    AuditEntry {
        org_id: org.clone(),
        at,
        actor: "token:tok_1 (ci)".into(),
        action: action.into(),
        target: "connection:acme-aws".into(),
        remote_addr: Some("192.0.2.7".into()),
        outcome: "ok".into(),
        detail: json!({"fields": ["name"]}),
    }
}

/// An unattached volume finding with its own cost (`None`: no estimate).
fn priced_finding(v: &Resource, cost: Option<f64>) -> Finding {
    let mut f = unattached_finding(v);
    match cost {
        Some(c) => f.monthly_cost_usd = Some(c),
        None => {
            f.monthly_cost_usd = None;
            f.pricing_basis = None;
        }
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Organizations

pub async fn org_delete_cascades_and_spares_other_orgs(db: &TestDb) {
    let store = db.store().await;
    let (acme, other) = (org("acme"), org("other"));
    let created = store.create_org(&acme, "Acme Corp", t(0)).await.unwrap();
    assert_eq!(
        (
            created.id.as_str(),
            created.name.as_str(),
            created.created_at
        ),
        ("acme", "Acme Corp", stored(t(0)))
    );
    let dup = store.create_org(&acme, "Again", t(1)).await.unwrap_err();
    assert!(
        matches!(
            dup,
            StoreError::Conflict {
                what: "organization",
                ..
            }
        ),
        "{dup:?}"
    );
    store.create_org(&other, "Other Ltd", t(0)).await.unwrap();
    assert_eq!(store.get_org(&acme).await.unwrap(), Some(created.clone()));
    assert_eq!(
        store
            .list_orgs()
            .await
            .unwrap()
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        vec!["acme", "other"]
    );

    let key = MasterKey::generate();
    let b = Baseline::new();
    let mut tokens = Vec::new();
    for (o, conns) in [
        (&acme, vec!["acme-aws", "acme-aws2"]),
        (&other, vec!["other-aws"]),
    ] {
        for c in &conns {
            store
                .create_connection(&new_connection(c, Some(o)), t(1))
                .await
                .unwrap();
            scan_on(
                &store,
                &cid(c),
                ScanId::new(),
                t(5),
                &b.resources(),
                &b.findings(),
            )
            .await;
            store
                .put_credential(
                    &key,
                    &cid(c),
                    Provider::Aws,
                    CredentialKind::AwsStatic,
                    b"{}",
                )
                .await
                .unwrap();
            store
                .acquire_lease(&cid(c), "node-a", None, t(6), StdDuration::from_secs(60))
                .await
                .unwrap();
        }
        // One suppression scoped to the first connection, one for the whole organization.
        let mut scoped = suppression(Some(SSH), t(10_000));
        scoped.connection_id = Some(cid(conns[0]));
        store.create_org_suppression(o, &scoped).await.unwrap();
        let mut wide = suppression(Some(super::UNATTACHED), t(10_000));
        wide.connection_id = None;
        store.create_org_suppression(o, &wide).await.unwrap();
        let (info, secret) = store
            .create_token(o, "ci", Role::Editor, None, t(2))
            .await
            .unwrap();
        tokens.push((info, secret));
        store
            .append_audit(&audit(o, t(3), "connection.create"))
            .await
            .unwrap();
    }
    assert_eq!(
        owned_rows(db, &["acme-aws", "acme-aws2"]).await,
        vec![
            ("connections", 2),
            ("scans", 2),
            ("resources", 10),
            ("findings", 4),
            ("finding_events", 4),
            ("credentials", 2),
            ("suppressions", 1),
            ("scan_leases", 2),
        ]
    );
    let other_before = (
        owned_rows(db, &["other-aws"]).await,
        org_rows(db, "other").await,
    );

    let deleted = store.delete_org(&acme).await.unwrap();
    assert_eq!(
        deleted,
        DeletedCounts {
            connections: 2,
            scans: 2,
            resources: 10,
            findings: 4,
            credentials: 2,
            tokens: 1,
            suppressions: 2,
        }
    );
    assert!(owned_rows(db, &["acme-aws", "acme-aws2"])
        .await
        .iter()
        .all(|(_, n)| *n == 0));
    assert!(org_rows(db, "acme").await.iter().all(|(_, n)| *n == 0));
    assert_eq!(
        (
            owned_rows(db, &["other-aws"]).await,
            org_rows(db, "other").await
        ),
        other_before
    );
    assert_eq!(store.get_org(&acme).await.unwrap(), None);
    assert!(store.list_org_connections(&acme).await.unwrap().is_empty());
    let secret = |i: usize| secrecy::ExposeSecret::expose_secret(&tokens[i].1).to_string();
    assert_eq!(
        store.authenticate_token(&secret(0), t(7)).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .authenticate_token(&secret(1), t(7))
            .await
            .unwrap()
            .map(|i| i.org_id),
        Some(other.clone())
    );
    assert_eq!(store.count_resources(&cid("other-aws")).await.unwrap(), 5);
    assert!(matches!(
        store.delete_org(&acme).await,
        Err(StoreError::NotFound {
            what: "organization",
            ..
        })
    ));
    // The id is free again.
    store.create_org(&acme, "Acme again", t(8)).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Tokens

pub async fn tokens_authenticate_until_revoked_or_expired(db: &TestDb) {
    let store = db.store().await;
    let (acme, other) = (org("acme"), org("other"));
    store.create_org(&acme, "Acme", t(0)).await.unwrap();
    store.create_org(&other, "Other", t(0)).await.unwrap();

    let (info, token) = store
        .create_token(&acme, "deploy bot", Role::Admin, None, t(1))
        .await
        .unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&token).to_string();
    assert!(token.starts_with("swt_"), "{token}");
    assert_eq!(token.len(), 4 + 43);
    assert_eq!(
        (
            info.org_id.as_str(),
            info.name.as_str(),
            info.role,
            info.created_at,
            info.last_used_at,
            info.expires_at,
            info.revoked_at
        ),
        (
            "acme",
            "deploy bot",
            Role::Admin,
            stored(t(1)),
            None,
            None,
            None
        )
    );
    assert!(!format!("{info:?}").contains(&token[4..]));

    // Only the hash is stored.
    let stored_text = token_rows_text(db).await;
    assert!(!stored_text.contains(&token[4..]), "{stored_text}");
    assert!(stored_text.contains(&hex::encode(Sha256::digest(token.as_bytes()))));

    let got = store
        .authenticate_token(&token, t(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.id, info.id);
    assert_eq!(got.role, Role::Admin);
    assert_eq!(got.last_used_at, Some(stored(t(2))));
    // Used again 30 s later: not rewritten; two minutes later: rewritten.
    let half = t(2) + Duration::seconds(30);
    assert_eq!(
        store
            .authenticate_token(&token, half)
            .await
            .unwrap()
            .unwrap()
            .last_used_at,
        Some(stored(t(2)))
    );
    assert_eq!(
        store.list_tokens(&acme).await.unwrap()[0].last_used_at,
        Some(stored(t(2)))
    );
    store
        .authenticate_token(&token, t(4))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.list_tokens(&acme).await.unwrap()[0].last_used_at,
        Some(stored(t(4)))
    );

    // Unknown, malformed and foreign tokens.
    for bad in [
        "",
        "swt_",
        "Bearer x",
        &token[4..],
        &format!("{token}x"),
        &token.to_uppercase(),
    ] {
        assert_eq!(
            store.authenticate_token(bad, t(5)).await.unwrap(),
            None,
            "{bad}"
        );
    }

    // Expiry: valid strictly before expires_at.
    let (expiring, exp_token) = store
        .create_token(&acme, "temp", Role::Viewer, Some(t(10)), t(2))
        .await
        .unwrap();
    let exp_token = secrecy::ExposeSecret::expose_secret(&exp_token).to_string();
    assert_eq!(expiring.expires_at, Some(stored(t(10))));
    assert!(store
        .authenticate_token(&exp_token, t(9))
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store
            .authenticate_token(&exp_token, stored(t(10)))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.authenticate_token(&exp_token, t(60)).await.unwrap(),
        None
    );

    // Revocation is per organization.
    let (foreign, foreign_token) = store
        .create_token(&other, "theirs", Role::Editor, None, t(1))
        .await
        .unwrap();
    assert!(matches!(
        store.revoke_token(&acme, &foreign.id, t(6)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store
        .authenticate_token(secrecy::ExposeSecret::expose_secret(&foreign_token), t(6))
        .await
        .unwrap()
        .is_some());
    store.revoke_token(&acme, &info.id, t(6)).await.unwrap();
    assert_eq!(store.authenticate_token(&token, t(7)).await.unwrap(), None);
    assert!(matches!(
        store.revoke_token(&acme, &info.id, t(8)).await,
        Err(StoreError::NotFound {
            what: "active token",
            ..
        })
    ));
    let listed = store.list_tokens(&acme).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|i| (i.name.as_str(), i.role, i.revoked_at))
            .collect::<Vec<_>>(),
        vec![
            ("deploy bot", Role::Admin, Some(stored(t(6)))),
            ("temp", Role::Viewer, None)
        ]
    );
    // Listed as created, plus the use above.
    assert_eq!(
        store.list_tokens(&other).await.unwrap(),
        vec![skywarden_store::TokenInfo {
            last_used_at: Some(stored(t(6))),
            ..foreign
        }]
    );

    // Refused requests.
    assert!(matches!(
        store
            .create_token(&org("nobody"), "x", Role::Viewer, None, t(1))
            .await,
        Err(StoreError::NotFound {
            what: "organization",
            ..
        })
    ));
    assert!(matches!(
        store
            .create_token(&acme, "x", Role::Viewer, Some(t(0)), t(1))
            .await,
        Err(StoreError::InvalidValue { .. })
    ));
    assert!(matches!(
        store
            .create_token(&acme, "  ", Role::Viewer, None, t(1))
            .await,
        Err(StoreError::InvalidValue { .. })
    ));
}

pub async fn audit_log_pages_newest_first(db: &TestDb) {
    let store = db.store().await;
    let (acme, other) = (org("acme"), org("other"));
    store.create_org(&acme, "Acme", t(0)).await.unwrap();
    store.create_org(&other, "Other", t(0)).await.unwrap();
    for i in 0..5 {
        store
            .append_audit(&audit(&acme, t(i), &format!("action.{i}")))
            .await
            .unwrap();
        store
            .append_audit(&audit(&other, t(i), "other.action"))
            .await
            .unwrap();
    }
    let mut e = audit(&acme, t(9), "token.create");
    e.remote_addr = None;
    e.outcome = "denied".into();
    store.append_audit(&e).await.unwrap();

    let first = store.list_audit(&acme, None, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(
        (
            first[0].org_id.as_str(),
            first[0].at,
            first[0].action.as_str(),
            first[0].remote_addr.as_deref(),
            first[0].outcome.as_str(),
            &first[0].detail
        ),
        (
            "acme",
            stored(t(9)),
            "token.create",
            None,
            "denied",
            &json!({"fields": ["name"]})
        )
    );
    assert_eq!(first[1].action, "action.4");
    assert_eq!(first[1].remote_addr.as_deref(), Some("192.0.2.7"));
    assert!(first[0].id > first[1].id);
    let mut all = first.clone();
    let mut before = first.last().map(|r| r.id);
    loop {
        let page = store.list_audit(&acme, before, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|r| r.id);
        all.extend(page);
    }
    assert_eq!(
        all.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        vec![
            "token.create",
            "action.4",
            "action.3",
            "action.2",
            "action.1",
            "action.0"
        ]
    );
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    assert!(all.iter().all(|r| r.org_id == acme));
    assert_eq!(store.list_audit(&other, None, 100).await.unwrap().len(), 5);
    assert!(matches!(
        store.append_audit(&audit(&org("nobody"), t(0), "x")).await,
        Err(StoreError::NotFound {
            what: "organization",
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Connections

pub async fn connection_crud_and_delete_cascade(db: &TestDb) {
    let store = db.store().await;
    let (acme, other) = (org("acme"), org("other"));
    store.create_org(&acme, "Acme", t(0)).await.unwrap();
    store.create_org(&other, "Other", t(0)).await.unwrap();

    let mut nc = new_connection("acme-aws", Some(&acme));
    nc.schedule = Some(json!({"cron": "0 */6 * * *"}));
    let rec = store.create_connection(&nc, t(1)).await.unwrap();
    assert_eq!(rec.id, cid("acme-aws"));
    assert_eq!(rec.org_id, Some(acme.clone()));
    assert_eq!(rec.provider, Provider::Aws);
    assert_eq!(rec.name.as_deref(), Some("acme-aws account"));
    assert_eq!(rec.config, nc.config);
    assert_eq!(rec.schedule, nc.schedule);
    assert_eq!((rec.created_at, rec.updated_at), (stored(t(1)), None));
    assert_eq!((rec.has_credential, rec.credential_kind), (false, None));
    assert_eq!(
        store.get_connection(&nc.id).await.unwrap(),
        Some(rec.clone())
    );

    // Ids are global: taken in another organization too.
    let dup = store
        .create_connection(&new_connection("acme-aws", Some(&other)), t(2))
        .await
        .unwrap_err();
    assert!(
        matches!(
            dup,
            StoreError::Conflict {
                what: "connection",
                ..
            }
        ),
        "{dup:?}"
    );
    assert!(matches!(
        store
            .create_connection(&new_connection("x-aws", Some(&org("nobody"))), t(2))
            .await,
        Err(StoreError::NotFound {
            what: "organization",
            ..
        })
    ));
    let mut unscheduled = new_connection("acme-b", Some(&acme));
    unscheduled.schedule = Some(serde_json::Value::Null);
    store.create_connection(&unscheduled, t(2)).await.unwrap();
    store
        .create_connection(&new_connection("other-aws", Some(&other)), t(2))
        .await
        .unwrap();
    // A CLI connection: made by its first scan, outside any organization.
    let cli = begin(&store, &conn(), t(3)).await;
    let cli_rec = store.get_connection(&conn()).await.unwrap().unwrap();
    assert_eq!(
        (
            cli_rec.org_id,
            cli_rec.name,
            cli_rec.config,
            cli_rec.schedule
        ),
        (None, None, json!({}), None)
    );
    store.fail_scan(cli, t(4), vec![]).await.unwrap();

    let ids = |v: Vec<skywarden_store::ConnectionRecord>| {
        v.into_iter().map(|c| c.id.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.list_org_connections(&acme).await.unwrap()),
        vec!["acme-aws", "acme-b"]
    );
    assert_eq!(
        ids(store.list_scheduled_connections().await.unwrap()),
        vec!["acme-aws"]
    );

    // Updates: only the given fields; Some(None) clears.
    let up = store
        .update_connection(
            &nc.id,
            &ConnectionUpdate {
                name: Some(None),
                config: Some(json!({"regions": ["eu-west-1"]})),
                schedule: None,
            },
            t(5),
        )
        .await
        .unwrap();
    assert_eq!(up.name, None);
    assert_eq!(up.config, json!({"regions": ["eu-west-1"]}));
    assert_eq!(up.schedule, nc.schedule);
    assert_eq!(up.updated_at, Some(stored(t(5))));
    let up = store
        .update_connection(
            &nc.id,
            &ConnectionUpdate {
                name: Some(Some("Production".into())),
                config: None,
                schedule: Some(None),
            },
            t(6),
        )
        .await
        .unwrap();
    assert_eq!(
        (up.name.as_deref(), up.schedule),
        (Some("Production"), None)
    );
    assert!(store.list_scheduled_connections().await.unwrap().is_empty());
    let again = store
        .update_connection(
            &cid("acme-b"),
            &ConnectionUpdate {
                schedule: Some(Some(json!({"every": "1h"}))),
                ..Default::default()
            },
            t(6),
        )
        .await
        .unwrap();
    assert_eq!(again.schedule, Some(json!({"every": "1h"})));
    assert_eq!(
        ids(store.list_scheduled_connections().await.unwrap()),
        vec!["acme-b"]
    );
    assert!(matches!(
        store
            .update_connection(&cid("nope"), &ConnectionUpdate::default(), t(6))
            .await,
        Err(StoreError::NotFound {
            what: "connection",
            ..
        })
    ));

    // Give it everything a connection can own, then delete it.
    let key = MasterKey::generate();
    let b = Baseline::new();
    for c in ["acme-aws", "other-aws"] {
        scan_on(
            &store,
            &cid(c),
            ScanId::new(),
            t(10),
            &b.resources(),
            &b.findings(),
        )
        .await;
        scan_on(
            &store,
            &cid(c),
            ScanId::new(),
            t(20),
            &b.resources(),
            &b.findings()[..1],
        )
        .await;
        store
            .put_credential(
                &key,
                &cid(c),
                Provider::Aws,
                CredentialKind::AwsAssumeRole,
                b"{}",
            )
            .await
            .unwrap();
        assert!(store
            .acquire_lease(&cid(c), "node-a", None, t(21), StdDuration::from_secs(60))
            .await
            .unwrap());
    }
    let mut scoped = suppression(Some(SSH), t(10_000));
    scoped.connection_id = Some(nc.id.clone());
    store.create_org_suppression(&acme, &scoped).await.unwrap();
    let wide = suppression(Some(SSH), t(10_000));
    store.create_org_suppression(&acme, &wide).await.unwrap();
    let with_cred = store.get_connection(&nc.id).await.unwrap().unwrap();
    assert_eq!(
        (with_cred.has_credential, with_cred.credential_kind),
        (true, Some(CredentialKind::AwsAssumeRole))
    );
    let other_before = owned_rows(db, &["other-aws"]).await;

    let deleted = store.delete_connection(&nc.id).await.unwrap();
    assert_eq!(
        deleted,
        DeletedCounts {
            connections: 1,
            scans: 2,
            resources: 5,
            findings: 2,
            credentials: 1,
            tokens: 0,
            suppressions: 1,
        }
    );
    assert!(owned_rows(db, &["acme-aws"])
        .await
        .iter()
        .all(|(_, n)| *n == 0));
    assert_eq!(owned_rows(db, &["other-aws"]).await, other_before);
    assert_eq!(store.get_connection(&nc.id).await.unwrap(), None);
    // The organization-wide suppression is the organization's, not the connection's.
    assert_eq!(
        store
            .list_org_suppressions(&acme, false)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        vec![wide.id.as_str()]
    );
    assert!(matches!(
        store.delete_connection(&nc.id).await,
        Err(StoreError::NotFound {
            what: "connection",
            ..
        })
    ));
    // The id can be used again.
    store.create_connection(&nc, t(30)).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Leases, recovery, cancellation

pub async fn lease_race_has_one_winner_and_expires(db: &TestDb) {
    // Two stores on one database: two processes with their own pools.
    let (a, b) = (db.store().await, db.store().await);
    let c = cid("aws-leased");
    a.create_connection(&new_connection("aws-leased", None), t(0))
        .await
        .unwrap();
    let ttl = StdDuration::from_secs(60);
    let now = t(1);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let holder = format!("node-{i}");
            let won = store
                .acquire_lease(&c, &holder, None, now, ttl)
                .await
                .unwrap();
            (holder, won)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (holder, won) = task.await.unwrap();
        if won {
            winners.push(holder);
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let winner = winners.remove(0);
    let loser = if winner == "node-0" {
        "node-1"
    } else {
        "node-0"
    };

    // Re-taking one's own lease succeeds and keeps it; others are refused while it lives.
    let s1 = ScanId::new();
    assert!(a
        .acquire_lease(&c, &winner, Some(s1), t(2), ttl)
        .await
        .unwrap());
    assert!(!b.acquire_lease(&c, loser, None, t(2), ttl).await.unwrap());
    assert!(a.renew_lease(&c, &winner, t(2), ttl).await.unwrap());
    assert!(!b.renew_lease(&c, loser, t(2), ttl).await.unwrap());
    assert!(!b.set_lease_scan(&c, loser, ScanId::new()).await.unwrap());
    // Renewed at t(2) for 60 s: still held just before t(3).
    assert!(!b
        .acquire_lease(&c, loser, None, t(3) - Duration::seconds(1), ttl)
        .await
        .unwrap());

    // Expired: another holder takes over; the old one has lost it for good.
    assert!(b.acquire_lease(&c, loser, None, t(3), ttl).await.unwrap());
    assert!(!a.renew_lease(&c, &winner, t(3), ttl).await.unwrap());
    assert!(!a.acquire_lease(&c, &winner, None, t(3), ttl).await.unwrap());
    assert!(!a.set_lease_scan(&c, &winner, s1).await.unwrap());
    let s2 = ScanId::new();
    assert!(b.set_lease_scan(&c, loser, s2).await.unwrap());

    // Releasing someone else's lease does nothing; releasing one's own frees it.
    a.release_lease(&c, &winner).await.unwrap();
    assert!(!a
        .acquire_lease(&c, "node-x", None, t(3), ttl)
        .await
        .unwrap());
    b.release_lease(&c, loser).await.unwrap();
    assert!(a
        .acquire_lease(&c, "node-x", None, t(3), ttl)
        .await
        .unwrap());

    // A lease that expired without a taker cannot be renewed either.
    assert!(!a.renew_lease(&c, "node-x", t(5), ttl).await.unwrap());

    assert!(matches!(
        a.acquire_lease(&cid("nope"), "node-x", None, t(3), ttl)
            .await,
        Err(StoreError::NotFound {
            what: "connection",
            ..
        })
    ));
}

pub async fn abandoned_scans_are_failed_and_leased_ones_kept(db: &TestDb) {
    let store = db.store().await;
    let ttl = StdDuration::from_secs(60);
    let b = Baseline::new();
    let conns: Vec<ConnectionId> = [
        "aws-live",
        "aws-dead",
        "aws-expired",
        "aws-done",
        "aws-starting",
    ]
    .iter()
    .map(|c| cid(c))
    .collect();
    // A finished scan first, so there is inventory to keep.
    scan_on(
        &store,
        &conns[1],
        ScanId::new(),
        t(0),
        &b.resources(),
        &b.findings(),
    )
    .await;
    let before = store.list_resources(&conns[1]).await.unwrap();
    let live = begin(&store, &conns[0], t(10)).await;
    let dead = begin(&store, &conns[1], t(10)).await;
    let expired = begin(&store, &conns[2], t(10)).await;
    let done = ScanId::new();
    scan_on(&store, &conns[3], done, t(10), &b.resources(), &[]).await;
    store
        .create_connection(&new_connection(conns[4].as_str(), None), t(10))
        .await
        .unwrap();
    assert!(store
        .acquire_lease(&conns[0], "node-a", Some(live), t(10), ttl)
        .await
        .unwrap());
    assert!(store
        .acquire_lease(&conns[2], "node-b", Some(expired), t(10), ttl)
        .await
        .unwrap());
    // A live lease naming another scan does not cover this one.
    assert!(store
        .acquire_lease(&conns[1], "node-c", Some(ScanId::new()), t(11), ttl)
        .await
        .unwrap());
    // A live lease naming no scan yet covers the scan being begun under it.
    assert!(store
        .acquire_lease(&conns[4], "node-d", None, t(11), ttl)
        .await
        .unwrap());
    let starting = begin(&store, &conns[4], t(11)).await;
    // The CLI takes no lease: its scans are never taken for abandoned.
    let cli = ScanId::new();
    store
        .begin_scan(&NewScan {
            id: cli,
            connection_id: cid("aws-cli"),
            provider: Provider::Aws,
            trigger: ScanTrigger::Cli,
            started_at: t(10),
        })
        .await
        .unwrap();

    let now = t(10) + Duration::seconds(30);
    assert!(store
        .renew_lease(&conns[0], "node-a", now, ttl)
        .await
        .unwrap());
    let later = t(11) + Duration::seconds(10);
    let mut expected = vec![dead, expired];
    expected.sort();
    assert_eq!(
        store.recover_abandoned_scans(later).await.unwrap(),
        expected
    );

    for id in [dead, expired] {
        let rec = store.get_scan(id).await.unwrap().unwrap();
        assert_eq!(rec.status, ScanStatus::Failed);
        assert_eq!(rec.finished_at, Some(stored(later)));
        assert_eq!(rec.errors, vec![ABANDONED.to_string()]);
    }
    for id in [live, starting, cli] {
        assert_eq!(
            store.get_scan(id).await.unwrap().unwrap().status,
            ScanStatus::Running
        );
    }
    assert_eq!(
        store.get_scan(done).await.unwrap().unwrap().status,
        ScanStatus::Succeeded
    );
    assert_eq!(store.list_resources(&conns[1]).await.unwrap(), before);
    assert_eq!(
        store
            .list_findings(&FindingFilter {
                connection_id: Some(conns[1].clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        2
    );
    // Nothing left to recover while the leases live.
    assert!(store
        .set_lease_scan(&conns[4], "node-d", starting)
        .await
        .unwrap());
    assert!(store
        .recover_abandoned_scans(later)
        .await
        .unwrap()
        .is_empty());
    // Once they expire, their scans are abandoned too; the CLI's is still left alone.
    let mut expected = vec![live, starting];
    expected.sort();
    assert_eq!(
        store.recover_abandoned_scans(t(20)).await.unwrap(),
        expected
    );
    assert_eq!(
        store.get_scan(cli).await.unwrap().unwrap().status,
        ScanStatus::Running
    );
}

pub async fn cancel_requests_and_progress(db: &TestDb) {
    let store = db.store().await;
    let id = begin(&store, &conn(), t(0)).await;
    assert!(!store.cancel_requested(id).await.unwrap());
    let progress = json!({"phase": "collect", "done": 3, "total": 12});
    store.set_scan_progress(id, &progress).await.unwrap();
    let rec = store.get_scan(id).await.unwrap().unwrap();
    assert_eq!(
        (rec.progress, rec.cancel_requested_at),
        (Some(progress.clone()), None)
    );

    assert!(store.request_cancel(id, t(1)).await.unwrap());
    assert!(store.request_cancel(id, t(2)).await.unwrap());
    assert!(store.cancel_requested(id).await.unwrap());
    let rec = store.get_scan(id).await.unwrap().unwrap();
    assert_eq!(
        rec.cancel_requested_at,
        Some(stored(t(1))),
        "the first request is kept"
    );
    assert_eq!(rec.status, ScanStatus::Running);

    store
        .cancel_scan(id, t(3), vec!["cancelled by request".into()])
        .await
        .unwrap();
    assert!(!store.request_cancel(id, t(4)).await.unwrap());
    store
        .set_scan_progress(id, &json!({"phase": "late"}))
        .await
        .unwrap();
    let rec = store.get_scan(id).await.unwrap().unwrap();
    assert_eq!(rec.status, ScanStatus::Cancelled);
    assert_eq!(rec.progress, Some(progress), "a late report is ignored");

    let unknown = ScanId::new();
    assert!(matches!(
        store.request_cancel(unknown, t(5)).await,
        Err(StoreError::NotFound { what: "scan", .. })
    ));
    assert!(matches!(
        store.cancel_requested(unknown).await,
        Err(StoreError::NotFound { what: "scan", .. })
    ));
    assert!(matches!(
        store.set_scan_progress(unknown, &json!({})).await,
        Err(StoreError::NotFound { what: "scan", .. })
    ));
}

pub async fn metrics_totals_and_readiness(db: &TestDb) {
    let store = db.store().await;
    store.ping().await.unwrap();
    assert!(store.migrations_applied().await.unwrap());
    let zero_scans: Vec<(ScanStatus, u64)> = ScanStatus::ALL.iter().map(|s| (*s, 0)).collect();
    assert_eq!(store.count_scans_by_status().await.unwrap(), zero_scans);
    assert_eq!(store.count_resources_total().await.unwrap(), 0);

    let b = Baseline::new();
    scan_on(
        &store,
        &conn(),
        ScanId::new(),
        t(0),
        &b.resources(),
        &b.findings(),
    )
    .await;
    scan_on(
        &store,
        &cid("aws-two"),
        ScanId::new(),
        t(0),
        &b.resources(),
        &b.findings()[..1],
    )
    .await;
    begin(&store, &conn(), t(5)).await;
    let failed = begin(&store, &conn(), t(6)).await;
    store.fail_scan(failed, t(7), vec![]).await.unwrap();
    assert_eq!(
        store.count_scans_by_status().await.unwrap(),
        vec![
            (ScanStatus::Running, 1),
            (ScanStatus::Succeeded, 2),
            (ScanStatus::Partial, 0),
            (ScanStatus::Failed, 1),
            (ScanStatus::Cancelled, 0),
        ]
    );
    assert_eq!(
        store.count_findings_by_severity().await.unwrap(),
        vec![
            (Severity::Info, 0),
            (Severity::Low, 0),
            (Severity::Medium, 1),
            (Severity::High, 2),
            (Severity::Critical, 0),
        ]
    );
    assert_eq!(store.count_resources_total().await.unwrap(), 10);
    // Resolved findings are not active.
    scan_on(&store, &conn(), ScanId::new(), t(60), &b.resources(), &[]).await;
    let by_sev = store.count_findings_by_severity().await.unwrap();
    assert_eq!(by_sev.iter().map(|(_, n)| n).sum::<u64>(), 1);

    // A migration recorded as failed makes the store not ready.
    db.exec("UPDATE _sqlx_migrations SET success = false WHERE version = 4")
        .await;
    assert!(!store.migrations_applied().await.unwrap());
}

// ---------------------------------------------------------------------------------------------
// Pages

fn query(connection: &ConnectionId) -> ResourceQuery {
    ResourceQuery {
        connection_id: connection.clone(),
        kinds: vec![],
        region: None,
        account_id: None,
        tag: None,
        text: None,
        after: None,
        limit: 100,
    }
}

/// Every page of `q` (walking by the last id) and the pages' sizes.
async fn walk_resources(store: &Store, mut q: ResourceQuery) -> (Vec<Resource>, Vec<usize>) {
    let mut all = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let page = store.page_resources(&q).await.unwrap();
        if page.is_empty() {
            return (all, sizes);
        }
        sizes.push(page.len());
        q.after = page.last().map(|r| r.id.to_string());
        all.extend(page);
    }
}

pub async fn resource_pages_filter_and_walk(db: &TestDb) {
    let store = db.store().await;
    let b = Baseline::new();
    let mut resources = b.resources();
    let mut special = volume("us-east-1", "vol-0special", 20);
    special
        .tags
        .insert("kubernetes.io/cluster".into(), "prod_1".into());
    special.tags.insert("env".into(), "prod".into());
    special.name = Some("Release_100%".into());
    resources.push(special.clone());
    for i in 0..7 {
        resources.push(volume("us-east-1", &format!("vol-1{i:02}"), 10 + i));
    }
    let eu = volume("eu-west-1", "vol-0eu", 5);
    resources.push(eu.clone());
    let mut cov = all_of("us-east-1");
    cov.push(("eu-west-1", VOL));
    let cov = coverage(&cov, &[]);
    let id = ScanId::new();
    store
        .begin_scan(&NewScan {
            id,
            connection_id: conn(),
            provider: Provider::Aws,
            trigger: ScanTrigger::Cli,
            started_at: t(0),
        })
        .await
        .unwrap();
    super::finish(&store, id, t(1), &cov, &resources, &[])
        .await
        .unwrap();
    let everything = store.list_resources(&conn()).await.unwrap();
    assert_eq!(everything.len(), 14);

    // A walk in pages of 3 returns every resource exactly once, in id order.
    let (walked, sizes) = walk_resources(
        &store,
        ResourceQuery {
            limit: 3,
            ..query(&conn())
        },
    )
    .await;
    assert_eq!(walked, everything);
    assert_eq!(sizes, vec![3, 3, 3, 3, 2]);

    let ids = |rs: &[Resource]| rs.iter().map(|r| r.id.to_string()).collect::<Vec<_>>();
    let only = |rs: &[&Resource]| rs.iter().map(|r| r.id.to_string()).collect::<Vec<_>>();

    // Kinds, region, account.
    let (vols, _) = walk_resources(
        &store,
        ResourceQuery {
            kinds: vec![VOL],
            limit: 4,
            ..query(&conn())
        },
    )
    .await;
    assert_eq!(vols.len(), 11);
    assert!(vols.iter().all(|r| r.kind() == ResourceKind::AwsEbsVolume));
    let (two_kinds, _) = walk_resources(
        &store,
        ResourceQuery {
            kinds: vec![
                ResourceKind::AwsEc2SecurityGroup,
                ResourceKind::AwsEc2Instance,
            ],
            ..query(&conn())
        },
    )
    .await;
    assert_eq!(
        ids(&two_kinds),
        only(&[&b.instance, &b.closed_sg, &b.open_sg])
    );
    let europe = store
        .page_resources(&ResourceQuery {
            region: Some(reg("eu-west-1")),
            ..query(&conn())
        })
        .await
        .unwrap();
    assert_eq!(europe, vec![eu.clone()]);
    let by_account = store
        .page_resources(&ResourceQuery {
            account_id: Some(acct()),
            limit: 1000,
            ..query(&conn())
        })
        .await
        .unwrap();
    assert_eq!(by_account.len(), 14);

    // Tags: a key with dots and slashes, present or with a value.
    let tag = |k: &str, v: Option<&str>| Some((k.to_string(), v.map(str::to_string)));
    let tagged = store
        .page_resources(&ResourceQuery {
            tag: tag("kubernetes.io/cluster", None),
            ..query(&conn())
        })
        .await
        .unwrap();
    assert_eq!(tagged, vec![special.clone()]);
    for (k, v, n) in [
        ("kubernetes.io/cluster", Some("prod_1"), 1),
        ("kubernetes.io/cluster", Some("prod"), 0),
        ("env", Some("prod"), 1),
        ("team", Some("gov"), 14),
        ("team", None, 14),
        ("Name", Some("vol-0idle"), 1),
        ("missing", None, 0),
        ("$.team", None, 0),
    ] {
        let got = store
            .page_resources(&ResourceQuery {
                tag: tag(k, v),
                ..query(&conn())
            })
            .await
            .unwrap();
        assert_eq!(got.len(), n, "{k}={v:?}");
    }

    // Text: case-insensitive substring of id or name; LIKE wildcards are literal.
    for (text, expected) in [
        ("0IDLE", vec![b.vol_idle.id.to_string()]),
        ("release_100%", vec![special.id.to_string()]),
        ("e_1", vec![special.id.to_string()]),
        ("%", vec![special.id.to_string()]),
        ("instance/i-0web", vec![b.instance.id.to_string()]),
        ("no-such-thing", vec![]),
    ] {
        let got = store
            .page_resources(&ResourceQuery {
                text: Some(text.into()),
                ..query(&conn())
            })
            .await
            .unwrap();
        assert_eq!(ids(&got), expected, "{text}");
    }
    let vol1 = walk_resources(
        &store,
        ResourceQuery {
            text: Some("VOL-1".into()),
            kinds: vec![VOL],
            tag: tag("team", Some("gov")),
            limit: 2,
            ..query(&conn())
        },
    )
    .await
    .0;
    assert_eq!(vol1.len(), 7);

    // Limits and cursors.
    assert!(store
        .page_resources(&ResourceQuery {
            limit: 0,
            ..query(&conn())
        })
        .await
        .unwrap()
        .is_empty());
    let last = everything.last().unwrap().id.to_string();
    assert!(store
        .page_resources(&ResourceQuery {
            after: Some(last),
            ..query(&conn())
        })
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .page_resources(&query(&cid("aws-other")))
        .await
        .unwrap()
        .is_empty());

    assert_eq!(
        store
            .get_resource(&conn(), b.vol_idle.id.as_str())
            .await
            .unwrap(),
        Some(b.vol_idle.clone())
    );
    assert_eq!(
        store
            .get_resource(&cid("aws-other"), b.vol_idle.id.as_str())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_resource(&conn(), "arn:aws:ec2:us-east-1:123456789012:volume/vol-x")
            .await
            .unwrap(),
        None
    );
}

/// The order each sort promises, computed here from the records.
fn sort_expected(records: &mut [FindingRecord], sort: FindingSort) {
    let tie = |r: &FindingRecord| (r.finding.key.to_string(), r.connection_id.to_string());
    match sort {
        FindingSort::Key => records.sort_by_key(tie),
        FindingSort::SeverityDesc => records.sort_by_key(|r| {
            (
                Reverse(r.finding.severity),
                r.finding.rule_id.clone(),
                r.finding.resource_id.to_string(),
                tie(r),
            )
        }),
        FindingSort::FirstSeenDesc => records.sort_by_key(|r| (Reverse(r.first_seen), tie(r))),
        FindingSort::LastSeenDesc => records.sort_by_key(|r| (Reverse(r.last_seen), tie(r))),
        FindingSort::CostDesc => records.sort_by(|a, b| {
            let cost = |r: &FindingRecord| r.finding.monthly_cost_usd;
            match (cost(a), cost(b)) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then_with(|| tie(a).cmp(&tie(b)))
        }),
    }
}

pub async fn finding_pages_walk_every_sort(db: &TestDb) {
    let store = db.store().await;
    let acme = org("acme");
    store.create_org(&acme, "Acme", t(0)).await.unwrap();
    let (a, b) = (cid("acme-a"), cid("acme-b"));
    for c in [&a, &b] {
        store
            .create_connection(&new_connection(c.as_str(), Some(&acme)), t(0))
            .await
            .unwrap();
    }
    let groups: Vec<Resource> = (0..4)
        .map(|i| sg("us-east-1", &format!("sg-0{i}"), true))
        .collect();
    let costs = [
        Some(8.0),
        Some(8.0),
        Some(16.0),
        None,
        Some(30.5),
        Some(8.0),
        None,
    ];
    let vols: Vec<Resource> = (0..costs.len())
        .map(|i| volume("us-east-1", &format!("vol-0{i}"), 10))
        .collect();
    let resources: Vec<Resource> = groups.iter().chain(&vols).cloned().collect();
    let findings: Vec<Finding> = groups
        .iter()
        .map(ssh_finding)
        .chain(vols.iter().zip(costs).map(|(v, c)| priced_finding(v, c)))
        .collect();
    // Connection a: a first scan with some findings, a second with all (first_seen differs);
    // connection b: one scan with all (same keys as a: ties broken by connection id).
    let early: Vec<Finding> = findings.iter().step_by(2).cloned().collect();
    scan_on(&store, &a, ScanId::new(), t(0), &resources, &early).await;
    scan_on(&store, &a, ScanId::new(), t(60), &resources, &findings).await;
    scan_on(&store, &b, ScanId::new(), t(30), &resources, &findings).await;
    // Not the organization's: never listed.
    scan_on(&store, &conn(), ScanId::new(), t(30), &resources, &findings).await;

    let org_filter = FindingFilter {
        org_connections: Some(vec![a.clone(), b.clone()]),
        ..Default::default()
    };
    let full = store.list_findings(&org_filter).await.unwrap();
    assert_eq!(full.len(), 2 * findings.len());
    assert!(full
        .iter()
        .all(|r| r.connection_id == a || r.connection_id == b));
    assert_eq!(
        full.iter().filter(|r| r.first_seen == stored(t(0))).count(),
        early.len()
    );

    for sort in FindingSort::ALL.iter().copied() {
        let mut expected = full.clone();
        sort_expected(&mut expected, sort);
        let filter = FindingFilter {
            sort,
            ..org_filter.clone()
        };
        assert_eq!(
            store.list_findings(&filter).await.unwrap(),
            expected,
            "{sort}"
        );

        for page_size in [1u32, 3, 4] {
            let mut walked: Vec<FindingRecord> = Vec::new();
            let mut after: Option<String> = None;
            let mut pages = 0;
            loop {
                let page = store
                    .list_findings(&FindingFilter {
                        after: after
                            .as_deref()
                            .map(|s| FindingCursor::decode(s, sort).unwrap()),
                        limit: Some(page_size),
                        ..filter.clone()
                    })
                    .await
                    .unwrap();
                assert!(page.len() <= page_size as usize);
                let Some(last) = page.last() else { break };
                after = Some(cursor_after(last, sort).encode());
                walked.extend(page);
                pages += 1;
                assert!(pages <= 100, "{sort}: the walk does not end");
            }
            assert_eq!(walked, expected, "{sort}, pages of {page_size}");
            let unique: BTreeSet<(String, String)> = walked
                .iter()
                .map(|r| (r.connection_id.to_string(), r.finding.key.to_string()))
                .collect();
            assert_eq!(unique.len(), full.len());
        }
    }
    // The default filter keeps today's order: worst first, then rule, resource, key.
    let mut legacy = full.clone();
    sort_expected(&mut legacy, FindingSort::SeverityDesc);
    assert_eq!(full, legacy);
    assert_eq!(FindingSort::default(), FindingSort::Key);
    assert_eq!(full[0].finding.severity, Severity::High);

    // Cursors of another sort, and garbage, are refused.
    let key_cursor = cursor_after(&full[0], FindingSort::Key);
    assert!(matches!(
        FindingCursor::decode(&key_cursor.encode(), FindingSort::CostDesc),
        Err(StoreError::InvalidValue { .. })
    ));
    assert!(matches!(
        FindingCursor::decode("bm90IGEgY3Vyc29y", FindingSort::Key),
        Err(StoreError::InvalidValue { .. })
    ));
    assert!(matches!(
        store
            .list_findings(&FindingFilter {
                sort: FindingSort::CostDesc,
                after: Some(key_cursor),
                ..org_filter.clone()
            })
            .await,
        Err(StoreError::InvalidValue { .. })
    ));

    // Filters combine with pages: tags, connections, statuses.
    let tag = |k: &str, v: Option<&str>| Some((k.to_string(), v.map(str::to_string)));
    let on_vol0 = store
        .list_findings(&FindingFilter {
            tag: tag("Name", Some("vol-00")),
            ..org_filter.clone()
        })
        .await
        .unwrap();
    assert_eq!(on_vol0.len(), 2);
    assert!(on_vol0.iter().all(|r| r.finding.resource_id == vols[0].id));
    let team = store
        .list_findings(&FindingFilter {
            tag: tag("team", None),
            sort: FindingSort::Key,
            limit: Some(5),
            ..org_filter.clone()
        })
        .await
        .unwrap();
    assert_eq!(team.len(), 5);
    assert!(store
        .list_findings(&FindingFilter {
            tag: tag("team", Some("other")),
            ..org_filter.clone()
        })
        .await
        .unwrap()
        .is_empty());
    let only_b = store
        .list_findings(&FindingFilter {
            org_connections: Some(vec![b.clone()]),
            statuses: vec![FindingStatus::Open],
            min_severity: Some(Severity::High),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(only_b.len(), groups.len());
    assert!(store
        .list_findings(&FindingFilter {
            org_connections: Some(vec![]),
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .list_findings(&FindingFilter {
            limit: Some(0),
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty());
}

// ---------------------------------------------------------------------------------------------
// Suppressions

pub async fn org_suppressions_apply_only_inside_their_org(db: &TestDb) {
    let store = db.store().await;
    let (acme, other) = (org("acme"), org("other"));
    store.create_org(&acme, "Acme", t(0)).await.unwrap();
    store.create_org(&other, "Other", t(0)).await.unwrap();
    let (acme_c, other_c) = (cid("acme-aws"), cid("other-aws"));
    store
        .create_connection(&new_connection("acme-aws", Some(&acme)), t(0))
        .await
        .unwrap();
    store
        .create_connection(&new_connection("other-aws", Some(&other)), t(0))
        .await
        .unwrap();

    let acme_sup = suppression(Some(SSH), t(10_000));
    store
        .create_org_suppression(&acme, &acme_sup)
        .await
        .unwrap();
    let cli_sup = suppression(Some(SSH), t(10_000));
    store.create_suppression(&cli_sup).await.unwrap();

    let b = Baseline::new();
    for c in [&acme_c, &other_c, &conn()] {
        scan_on(
            &store,
            c,
            ScanId::new(),
            t(1),
            &b.resources(),
            &b.findings(),
        )
        .await;
    }
    let ssh_of = |rs: Vec<FindingRecord>| {
        rs.into_iter()
            .find(|r| r.finding.rule_id == SSH)
            .map(|r| (r.status, r.suppression.map(|s| s.id)))
            .unwrap()
    };
    let of = |c: &ConnectionId| FindingFilter {
        connection_id: Some(c.clone()),
        ..Default::default()
    };
    assert_eq!(
        ssh_of(store.list_findings(&of(&acme_c)).await.unwrap()),
        (FindingStatus::Suppressed, Some(acme_sup.id.clone()))
    );
    assert_eq!(
        ssh_of(store.list_findings(&of(&other_c)).await.unwrap()),
        (FindingStatus::Open, None)
    );
    assert_eq!(
        ssh_of(store.list_findings(&of(&conn())).await.unwrap()),
        (FindingStatus::Suppressed, Some(cli_sup.id.clone()))
    );

    // Listing and revoking are per organization.
    let listed = store.list_org_suppressions(&acme, false).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].id.as_str(),
            listed[0].rule.as_deref(),
            listed[0].owner.as_str()
        ),
        (acme_sup.id.as_str(), Some(SSH), "alice")
    );
    assert_eq!(listed[0].last_matched_at, Some(stored(t(1))));
    assert!(store
        .list_org_suppressions(&other, true)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store
            .revoke_org_suppression(&other, &acme_sup.id, t(2))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.revoke_org_suppression(&acme, &cli_sup.id, t(2)).await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .revoke_org_suppression(&acme, &acme_sup.id, t(2))
        .await
        .unwrap();
    assert!(store
        .list_org_suppressions(&acme, false)
        .await
        .unwrap()
        .is_empty());
    let revoked = store.list_org_suppressions(&acme, true).await.unwrap();
    assert_eq!(revoked[0].revoked_at, Some(stored(t(2))));
    scan_on(
        &store,
        &acme_c,
        ScanId::new(),
        t(3),
        &b.resources(),
        &b.findings(),
    )
    .await;
    assert_eq!(
        ssh_of(store.list_findings(&of(&acme_c)).await.unwrap()).0,
        FindingStatus::Open
    );

    // Refused: another organization's connection, an unknown organization, a CLI
    // suppression naming an organization's connection, a duplicate id.
    let mut foreign = suppression(Some(SSH), t(10_000));
    foreign.connection_id = Some(other_c.clone());
    assert!(matches!(
        store.create_org_suppression(&acme, &foreign).await,
        Err(StoreError::NotFound {
            what: "connection",
            ..
        })
    ));
    assert!(matches!(
        store
            .create_org_suppression(&org("nobody"), &suppression(Some(SSH), t(10_000)))
            .await,
        Err(StoreError::NotFound {
            what: "organization",
            ..
        })
    ));
    assert!(matches!(
        store.create_suppression(&foreign).await,
        Err(StoreError::Conflict {
            what: "connection",
            ..
        })
    ));
    assert!(matches!(
        store.create_suppression(&cli_sup).await,
        Err(StoreError::Conflict {
            what: "suppression",
            ..
        })
    ));
}
