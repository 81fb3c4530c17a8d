//! Keyset pagination of findings: [`FindingCursor`], an opaque token naming the last row of a
//! page by its sort value and identity, and the SQL that continues strictly after it.
//!
//! Every sort ends with `(key, connection_id)`, the primary key of `findings` reversed, so the
//! order is total and a walk returns every row exactly once. Keys alone are not unique across
//! connections (two connections to one account report the same key).

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skywarden_graph::ConnectionId;
use skywarden_rules::{FindingKey, FindingRecord};
use sqlx::{Database, Encode, QueryBuilder, Type};

use crate::error::StoreError;
use crate::types::{severity_rank, FindingSort};

/// Longest cursor string accepted; real ones are about 200 characters.
const MAX_ENCODED: usize = 2048;

const EXPECTED: &str = "a cursor returned with the previous page, for the same sort";

/// Where the previous page of findings ended. Build it with [`cursor_after`] from the last
/// row; hand it out with [`FindingCursor::encode`]; read it back with
/// [`FindingCursor::decode`] and the same sort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingCursor {
    sort: FindingSort,
    value: SortValue,
    key: String,
    connection_id: String,
}

/// The sort value of the last row (besides key and connection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SortValue {
    Key,
    Severity {
        rank: i32,
        rule_id: String,
        resource_id: String,
    },
    /// Microseconds since the epoch (stored timestamps are whole microseconds).
    Time(i64),
    /// The cost's IEEE bits (exact, unlike a decimal round trip); `None` = no cost.
    Cost(Option<u64>),
}

/// The encoded form: compact JSON, then base64url without padding.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    s: FindingSort,
    v: SortValue,
    k: String,
    c: String,
}

/// The cursor naming `record` as the last row of a page sorted by `sort`.
pub fn cursor_after(record: &FindingRecord, sort: FindingSort) -> FindingCursor {
    let f = &record.finding;
    let value = match sort {
        FindingSort::Key => SortValue::Key,
        FindingSort::SeverityDesc => SortValue::Severity {
            rank: severity_rank(f.severity),
            rule_id: f.rule_id.clone(),
            resource_id: f.resource_id.to_string(),
        },
        FindingSort::FirstSeenDesc => SortValue::Time(record.first_seen.timestamp_micros()),
        FindingSort::LastSeenDesc => SortValue::Time(record.last_seen.timestamp_micros()),
        FindingSort::CostDesc => SortValue::Cost(f.monthly_cost_usd.map(f64::to_bits)),
    };
    FindingCursor {
        sort,
        value,
        key: f.key.to_string(),
        connection_id: record.connection_id.to_string(),
    }
}

impl FindingCursor {
    /// Same as [`cursor_after`].
    pub fn cursor_after(record: &FindingRecord, sort: FindingSort) -> FindingCursor {
        cursor_after(record, sort)
    }

    /// The sort this cursor continues.
    pub fn sort(&self) -> FindingSort {
        self.sort
    }

    /// The opaque text form (URL-safe).
    pub fn encode(&self) -> String {
        let wire = Wire {
            s: self.sort,
            v: self.value.clone(),
            k: self.key.clone(),
            c: self.connection_id.clone(),
        };
        // Serialising plain strings and integers cannot fail; an empty cursor would only
        // be refused by decode.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor made by [`FindingCursor::encode`] for `sort`. Anything else (garbage,
    /// a cursor of another sort, a tampered value) is [`StoreError::InvalidValue`].
    pub fn decode(s: &str, sort: FindingSort) -> Result<FindingCursor, StoreError> {
        let invalid = || StoreError::InvalidValue {
            what: "finding cursor",
            value: s.chars().take(50).collect(),
            expected: EXPECTED,
        };
        if s.len() > MAX_ENCODED {
            return Err(invalid());
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| invalid())?;
        let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let value_fits = matches!(
            (sort, &wire.v),
            (FindingSort::Key, SortValue::Key)
                | (FindingSort::SeverityDesc, SortValue::Severity { .. })
                | (
                    FindingSort::FirstSeenDesc | FindingSort::LastSeenDesc,
                    SortValue::Time(_)
                )
                | (FindingSort::CostDesc, SortValue::Cost(_))
        );
        let fields_ok = match &wire.v {
            SortValue::Severity { rank, .. } => (0..=4).contains(rank),
            SortValue::Time(t) => DateTime::<Utc>::from_timestamp_micros(*t).is_some(),
            SortValue::Cost(Some(bits)) => f64::from_bits(*bits).is_finite(),
            SortValue::Key | SortValue::Cost(None) => true,
        };
        if wire.s != sort
            || !value_fits
            || !fields_ok
            || wire.k.parse::<FindingKey>().is_err()
            || wire.c.parse::<ConnectionId>().is_err()
        {
            return Err(invalid());
        }
        Ok(FindingCursor {
            sort: wire.s,
            value: wire.v,
            key: wire.k,
            connection_id: wire.c,
        })
    }
}

/// `ORDER BY` of `findings f` for `sort`.
pub(crate) fn order_by(sort: FindingSort) -> &'static str {
    match sort {
        FindingSort::Key => " ORDER BY f.key, f.connection_id",
        FindingSort::SeverityDesc => {
            " ORDER BY f.severity_rank DESC, f.rule_id, f.resource_id, f.key, f.connection_id"
        }
        FindingSort::FirstSeenDesc => " ORDER BY f.first_seen DESC, f.key, f.connection_id",
        FindingSort::LastSeenDesc => " ORDER BY f.last_seen DESC, f.key, f.connection_id",
        FindingSort::CostDesc => {
            " ORDER BY CASE WHEN f.monthly_cost_usd IS NULL THEN 1 ELSE 0 END, \
             f.monthly_cost_usd DESC, f.key, f.connection_id"
        }
    }
}

/// One bound column of the keyset condition.
enum Bound {
    Int(i32),
    Text(String),
    Time(DateTime<Utc>),
}

/// Appends ` AND (...)`: rows strictly after `cursor` in the order of [`order_by`] for the
/// cursor's sort. The caller checks that the cursor's sort is the query's.
pub(crate) fn push_after<'a, DB>(qb: &mut QueryBuilder<'a, DB>, cursor: &FindingCursor)
where
    DB: Database,
    i32: Encode<'a, DB> + Type<DB>,
    f64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
    DateTime<Utc>: Encode<'a, DB> + Type<DB>,
{
    // (column, descending, value), most significant first.
    let mut terms: Vec<(&'static str, bool, Bound)> = Vec::with_capacity(5);
    let mut cost = None;
    match &cursor.value {
        SortValue::Key => {}
        SortValue::Severity {
            rank,
            rule_id,
            resource_id,
        } => {
            terms.push(("f.severity_rank", true, Bound::Int(*rank)));
            terms.push(("f.rule_id", false, Bound::Text(rule_id.clone())));
            terms.push(("f.resource_id", false, Bound::Text(resource_id.clone())));
        }
        SortValue::Time(micros) => {
            let col = if cursor.sort == FindingSort::FirstSeenDesc {
                "f.first_seen"
            } else {
                "f.last_seen"
            };
            // Checked by decode / made from a real timestamp.
            let at = DateTime::<Utc>::from_timestamp_micros(*micros).unwrap_or_default();
            terms.push((col, true, Bound::Time(at)));
        }
        SortValue::Cost(bits) => cost = Some(bits.map(f64::from_bits)),
    }
    terms.push(("f.key", false, Bound::Text(cursor.key.clone())));
    terms.push((
        "f.connection_id",
        false,
        Bound::Text(cursor.connection_id.clone()),
    ));

    qb.push(" AND ");
    // Costs sort descending with missing ones last: after a cost c come smaller costs and
    // every missing one; after a missing cost only missing ones.
    let mut close = 0;
    match cost {
        None => {}
        Some(Some(c)) => {
            qb.push("(f.monthly_cost_usd IS NULL OR f.monthly_cost_usd < ");
            qb.push_bind(c);
            qb.push(" OR (f.monthly_cost_usd = ");
            qb.push_bind(c);
            qb.push(" AND ");
            close += 2;
        }
        Some(None) => {
            qb.push("(f.monthly_cost_usd IS NULL AND ");
            close += 1;
        }
    }
    // (c0 op v0 OR (c0 = v0 AND (c1 op v1 OR (c1 = v1 AND ... cn op vn))))
    let last = terms.len() - 1;
    for (i, (col, desc, value)) in terms.into_iter().enumerate() {
        let op = if desc { " < " } else { " > " };
        qb.push("(");
        qb.push(col);
        qb.push(op);
        push_bound(qb, &value);
        if i < last {
            qb.push(" OR (");
            qb.push(col);
            qb.push(" = ");
            push_bound(qb, &value);
            qb.push(" AND ");
            close += 2;
        } else {
            close += 1;
        }
    }
    qb.push(")".repeat(close));
}

fn push_bound<'a, DB>(qb: &mut QueryBuilder<'a, DB>, value: &Bound)
where
    DB: Database,
    i32: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
    DateTime<Utc>: Encode<'a, DB> + Type<DB>,
{
    match value {
        Bound::Int(n) => qb.push_bind(*n),
        Bound::Text(s) => qb.push_bind(s.clone()),
        Bound::Time(t) => qb.push_bind(*t),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(sort: FindingSort, value: SortValue) -> FindingCursor {
        FindingCursor {
            sort,
            value,
            key: "0123456789abcdef0123456789abcdef".into(),
            connection_id: "aws-prod".into(),
        }
    }

    #[test]
    fn round_trips_every_sort() {
        let cases = [
            cursor(FindingSort::Key, SortValue::Key),
            cursor(
                FindingSort::SeverityDesc,
                SortValue::Severity {
                    rank: 3,
                    rule_id: "aws.x".into(),
                    resource_id: "arn:aws:ec2:us-east-1:123456789012:volume/vol-1".into(),
                },
            ),
            cursor(
                FindingSort::FirstSeenDesc,
                SortValue::Time(1_700_000_000_123_456),
            ),
            cursor(FindingSort::LastSeenDesc, SortValue::Time(0)),
            cursor(
                FindingSort::CostDesc,
                SortValue::Cost(Some(0.1f64.to_bits())),
            ),
            cursor(FindingSort::CostDesc, SortValue::Cost(None)),
        ];
        for c in cases {
            let s = c.encode();
            assert!(s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(FindingCursor::decode(&s, c.sort).unwrap(), c);
        }
    }

    #[test]
    fn refuses_garbage_and_other_sorts() {
        let key = cursor(FindingSort::Key, SortValue::Key).encode();
        assert!(FindingCursor::decode(&key, FindingSort::CostDesc).is_err());
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        for bad in [
            String::new(),
            "!!!".into(),
            b64("not json"),
            b64(r#"{"s":"key","v":"key","k":"short","c":"aws-prod"}"#),
            b64(r#"{"s":"key","v":"key","k":"0123456789abcdef0123456789abcdef","c":"Bad Id"}"#),
            b64(r#"{"s":"key","v":{"time":5},"k":"0123456789abcdef0123456789abcdef","c":"x"}"#),
            b64(
                r#"{"s":"severity_desc","v":{"severity":{"rank":9,"rule_id":"r","resource_id":"x"}},"k":"0123456789abcdef0123456789abcdef","c":"x"}"#,
            ),
            "A".repeat(MAX_ENCODED + 1),
        ] {
            for sort in [FindingSort::Key, FindingSort::SeverityDesc] {
                let err = FindingCursor::decode(&bad, sort).unwrap_err();
                assert!(
                    matches!(
                        err,
                        StoreError::InvalidValue {
                            what: "finding cursor",
                            ..
                        }
                    ),
                    "{bad}: {err:?}"
                );
            }
        }
    }
}
