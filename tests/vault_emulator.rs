//! End-to-end: the credential vault through the real binary. A connection's sealed static
//! keys are what a scan uses (a fault proxy rejects the environment's keys); a wrong master
//! key stops before anything is written; rotation re-wraps the keys; the secret never shows
//! in output, logs or the database file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use common::*;
use skywarden_graph::ConnectionId;
use skywarden_store::Store;

const CANARY: &str = "CANARY-vault-secret-4f1d9a77b2c3";

/// The binary with the test environment of `common::skywarden` and `stdin` piped in.
fn skywarden_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = skywarden_command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn no_canary(o: &Output) {
    assert!(!text(o).contains(CANARY), "secret leaked: {}", text(o));
}

fn db_file_has_no_canary(dir: &Path) {
    for name in ["skywarden.db", "skywarden.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            assert!(
                !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
                "{name} holds the secret in plaintext"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sealed_credential_is_what_the_scan_uses_and_never_leaks() {
    let Some(emu) = emulator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let key = dir.path().join("master.key");
    let key2 = dir.path().join("next.key");
    let wrong = dir.path().join("wrong.key");
    for k in [&key, &key2, &wrong] {
        let out = skywarden(&["keys", "generate", "--output", k.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(k).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
    let again = skywarden(&["keys", "generate", "--output", key.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "never overwrites a key");
    let k = key.to_str().unwrap();

    // Seal static keys for connection `prod`: a key id the proxy accepts, the canary secret.
    let cred =
        format!(r#"{{"access_key_id": "AKIAVAULTEXAMPLE", "secret_access_key": "{CANARY}"}}"#);
    let set_prod = [
        "credentials",
        "set",
        "--database-url",
        &db,
        "--key-file",
        k,
        "--connection",
        "prod",
    ];
    let out = skywarden_stdin(&set_prod, &cred);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    no_canary(&out);
    // Malformed input is refused without echoing it.
    let out = skywarden_stdin(&set_prod, &format!(r#"{{"access_key": "{CANARY}"}}"#));
    assert_eq!(out.status.code(), Some(1));
    no_canary(&out);

    // The proxy rejects the environment's key `testing`: only the vault's keys get through.
    let proxy = Proxy::start(&emu.endpoint, &["--reject-access-key", "testing"]);
    let scan_args = |conn: &str, key_file: &str| {
        vec![
            "scan".to_string(),
            "aws".into(),
            "--endpoint-url".into(),
            proxy.url.clone(),
            "--regions".into(),
            "us-east-1".into(),
            "--database-url".into(),
            db.clone(),
            "--connection".into(),
            conn.into(),
            "--key-file".into(),
            key_file.into(),
            "--format".into(),
            "json".into(),
            "--log-level".into(),
            "debug".into(),
        ]
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        skywarden(&refs)
    };
    let out = run(scan_args("prod", k));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    no_canary(&out);
    let out = run(scan_args("staging", k));
    assert_eq!(
        out.status.code(),
        Some(1),
        "no sealed credential: the rejected environment keys"
    );
    assert!(
        text(&out).contains("AWS rejected the credentials"),
        "{}",
        text(&out)
    );

    // A wrong master key stops before anything is written.
    let store = Store::connect(&db).await.unwrap();
    let prod: ConnectionId = "prod".parse().unwrap();
    let scans_before = store.list_scans(&prod, 10).await.unwrap().len();
    store.close().await;
    let out = run(scan_args("prod", wrong.to_str().unwrap()));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("master key"), "{}", text(&out));
    no_canary(&out);
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(
        store.list_scans(&prod, 10).await.unwrap().len(),
        scans_before
    );
    store.close().await;

    // Rotation: the new key opens the vault, the old one no longer does.
    let out = skywarden(&[
        "keys",
        "rotate",
        "--database-url",
        &db,
        "--key-file",
        k,
        "--new-key-file",
        key2.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(scan_args("prod", key2.to_str().unwrap()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(scan_args("prod", k));
    assert_eq!(out.status.code(), Some(1));
    let out = skywarden(&[
        "keys",
        "check",
        "--database-url",
        &db,
        "--key-file",
        key2.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Listing shows metadata only; the database file never holds the secret in plaintext.
    let out = skywarden(&[
        "credentials",
        "list",
        "--database-url",
        &db,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    no_canary(&out);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["connection_id"], "prod");
    assert_eq!(listed[0]["kind"], "aws_static");
    db_file_has_no_canary(dir.path());

    // A key file readable by others is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key2, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = run(scan_args("prod", key2.to_str().unwrap()));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out).contains("readable by group or others"),
            "{}",
            text(&out)
        );
    }
}
