//! Pure decisions of change history: which resources of a scan's Complete scopes are new,
//! unchanged, changed only in volatile fields, to be compared, or gone; and the JSON Patch of
//! a real modification. [`crate::Store::finish_scan`] runs the SQL around them.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;
use skywarden_graph::diff::{diff, PatchOp};
use skywarden_graph::volatile::normalised;
use skywarden_graph::Resource;

/// The stored state of one resource row that history compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRow {
    pub resource_id: String,
    pub kind: String,
    pub account_id: String,
    pub region: String,
    /// Hash of the normalised document (before migration 0006: of the whole document).
    pub content_hash: String,
    /// Hash of the stored document; `None` for rows written before migration 0006.
    pub document_hash: Option<String>,
}

/// The hashes of a resource the scan saw.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'a> {
    pub resource_id: &'a str,
    pub content_hash: &'a str,
    pub document_hash: &'a str,
}

/// How the resources of the scan's Complete scopes relate to the stored rows. Indexes point
/// into the scan's resource list.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Partition {
    /// Not stored: a `created` change, a new row.
    pub created: Vec<usize>,
    /// Same normalised content and same document: only `last_seen` moves on.
    pub unchanged: Vec<usize>,
    /// Same normalised content, other document (a volatile field moved, or a row from before
    /// migration 0006): the row is rewritten, no change is recorded.
    pub refreshed: Vec<usize>,
    /// Other normalised content: compare documents (a `modified` change unless the diff of
    /// the normalised documents is empty).
    pub compared: Vec<usize>,
    /// Stored rows of the Complete scopes that the scan did not see: `deleted` changes.
    pub deleted: Vec<StoredRow>,
}

/// Partitions `seen` (every resource of the scan's Complete scopes, unique ids) against the
/// connection's stored rows. `complete` holds the (account, region, kind) of every Complete
/// scope: only stored rows there can be deleted.
pub(crate) fn partition(
    seen: &[Seen<'_>],
    stored: Vec<StoredRow>,
    complete: &BTreeSet<(String, String, String)>,
) -> Partition {
    let mut out = Partition::default();
    let by_id: HashMap<&str, &StoredRow> =
        stored.iter().map(|r| (r.resource_id.as_str(), r)).collect();
    for (i, s) in seen.iter().enumerate() {
        match by_id.get(s.resource_id) {
            None => out.created.push(i),
            Some(row) if row.content_hash == s.content_hash => {
                if row.document_hash.as_deref() == Some(s.document_hash) {
                    out.unchanged.push(i);
                } else {
                    out.refreshed.push(i);
                }
            }
            Some(_) => out.compared.push(i),
        }
    }
    let seen_ids: HashSet<&str> = seen.iter().map(|s| s.resource_id).collect();
    let deleted: Vec<StoredRow> = stored
        .iter()
        .filter(|r| !seen_ids.contains(r.resource_id.as_str()))
        .filter(|r| complete.contains(&(r.account_id.clone(), r.region.clone(), r.kind.clone())))
        .cloned()
        .collect();
    out.deleted = deleted;
    out
}

/// The JSON Patch from the stored `previous` document to `current`, both normalised (volatile
/// fields cleared). A stored document that no longer parses into its model (written by an
/// older version) is compared as stored.
pub(crate) fn modification(previous: Value, current: &Resource) -> Vec<PatchOp> {
    let before = match serde_json::from_value::<Resource>(previous.clone()) {
        Ok(r) => serde_json::to_value(normalised(&r).as_ref()).unwrap_or(previous),
        Err(_) => previous,
    };
    let after = serde_json::to_value(normalised(current).as_ref()).unwrap_or(Value::Null);
    diff(&before, &after)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(id: &str, region: &str, content: &str, document: Option<&str>) -> StoredRow {
        StoredRow {
            resource_id: id.into(),
            kind: "aws_ebs_volume".into(),
            account_id: "123456789012".into(),
            region: region.into(),
            content_hash: content.into(),
            document_hash: document.map(String::from),
        }
    }

    fn seen<'a>(id: &'a str, content: &'a str, document: &'a str) -> Seen<'a> {
        Seen {
            resource_id: id,
            content_hash: content,
            document_hash: document,
        }
    }

    #[test]
    fn partitions_by_hashes_and_deletes_only_in_complete_scopes() {
        let stored = vec![
            row("same", "us-east-1", "c1", Some("d1")),
            row("volatile", "us-east-1", "c2", Some("d2")),
            row("old-row", "us-east-1", "c3", None),
            row("changed", "us-east-1", "c4", Some("d4")),
            row("gone", "us-east-1", "c5", Some("d5")),
            row("unseen-region", "eu-west-1", "c6", Some("d6")),
        ];
        let complete = BTreeSet::from([(
            "123456789012".to_string(),
            "us-east-1".to_string(),
            "aws_ebs_volume".to_string(),
        )]);
        let scan = [
            seen("same", "c1", "d1"),
            seen("volatile", "c2", "d2x"),
            seen("old-row", "c3", "c3"),
            seen("changed", "c4x", "d4x"),
            seen("new", "c7", "d7"),
        ];
        let p = partition(&scan, stored, &complete);
        assert_eq!(p.unchanged, [0]);
        assert_eq!(p.refreshed, [1, 2]);
        assert_eq!(p.compared, [3]);
        assert_eq!(p.created, [4]);
        let gone: Vec<&str> = p.deleted.iter().map(|r| r.resource_id.as_str()).collect();
        assert_eq!(
            gone,
            ["gone"],
            "a row of a scope that was not Complete is never deleted"
        );
    }

    #[test]
    fn modification_ignores_volatile_fields_and_reads_old_documents_raw() {
        let v = skywarden_graph::testkit::volume("vol-1", |_| {});
        let mut bigger = v.clone();
        if let skywarden_graph::Properties::AwsEbsVolume(m) = &mut bigger.properties {
            m.size_gib = 200;
        }
        let ops = modification(serde_json::to_value(&v).unwrap(), &bigger);
        assert_eq!(
            serde_json::to_value(&ops).unwrap(),
            json!([{"op": "replace", "path": "/properties/size_gib", "value": 200}])
        );
        assert!(modification(serde_json::to_value(&v).unwrap(), &v).is_empty());
        // A document from an older model version: compared as stored.
        let ops = modification(json!({"old": true}), &v);
        assert!(ops.iter().any(|o| o.path() == "/old"));
    }
}
