//! The case event log: append-only and hash-chained per jurisdiction.
//!
//! Each event stores the hash of its predecessor in the same jurisdiction and its own hash over
//! a canonical encoding of its fields. `event_chains` holds the head of each chain; appending
//! locks that row until commit, so concurrent writers (on any node) extend the chain in a
//! strict order. [`verify_chain`] recomputes everything and reports the first broken link:
//! an edited field, a deleted or inserted event, or a truncated tail.

use sea_query::{Expr, ExprTrait, Order, Query};
pub use store::chain::ChainReport;
use store::chain::{self, ChainTables, Link};
use store::{Conn, Db, Row, StoreError, Tx};

const TABLES: ChainTables = ChainTables {
    records: "case_events",
    heads: "event_chains",
    noun: "event",
};

#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub actor: String,
    pub public: bool,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    /// A JSON object with details of the change (before/after values).
    pub data: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub jurisdiction_id: String,
    pub chain_seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub event: NewEvent,
}

fn event_hash(jurisdiction_id: &str, seq: i64, prev_hash: &str, e: &NewEvent) -> String {
    event_hash_into(&mut Vec::new(), jurisdiction_id, seq, prev_hash, e)
}

/// [`event_hash`] with a reusable buffer for the canonical form.
fn event_hash_into(
    buf: &mut Vec<u8>,
    jurisdiction_id: &str,
    seq: i64,
    prev_hash: &str,
    e: &NewEvent,
) -> String {
    // The canonical form is the compact JSON array below. Serialising the tuple writes exactly
    // what `json!([...]).to_string()` writes, without building a `Value` first (bulk imports
    // hash millions of events); `canonical_forms_agree` checks that they match.
    buf.clear();
    let written = serde_json::to_writer(
        &mut *buf,
        &(
            jurisdiction_id,
            seq,
            &e.id,
            &e.case_id,
            &e.kind,
            &e.actor,
            e.public,
            &e.from_status,
            &e.to_status,
            &e.note,
            &e.data,
            e.created_at,
        ),
    );
    // Writing strings, numbers and booleans into a Vec cannot fail.
    debug_assert!(written.is_ok());
    chain::link_hash_of_bytes(prev_hash, buf)
}

/// Whether the case has an event of `kind`.
pub async fn has_kind(tx: &mut Tx, case_id: &str, kind: &str) -> Result<bool, StoreError> {
    let stmt = Query::select()
        .expr(Expr::val(1))
        .from("case_events")
        .and_where(Expr::col("case_id").eq(case_id))
        .and_where(Expr::col("kind").eq(kind))
        .limit(1)
        .to_owned();
    Ok(tx.fetch_optional(&stmt).await?.is_some())
}

#[cfg(test)]
fn event_hash_by_value(jurisdiction_id: &str, seq: i64, prev_hash: &str, e: &NewEvent) -> String {
    let canonical = serde_json::json!([
        jurisdiction_id,
        seq,
        e.id,
        e.case_id,
        e.kind,
        e.actor,
        e.public,
        e.from_status,
        e.to_status,
        e.note,
        e.data,
        e.created_at
    ]);
    chain::link_hash(prev_hash, &canonical)
}

/// Appends an event to the jurisdiction's chain inside the caller's transaction.
pub async fn append(tx: &mut Tx, jurisdiction_id: &str, e: NewEvent) -> Result<Event, StoreError> {
    let (seq, prev_hash) = chain::next_link(tx, &TABLES, jurisdiction_id).await?;
    let hash = event_hash(jurisdiction_id, seq, &prev_hash, &e);
    let insert = Query::insert()
        .into_table("case_events")
        .columns(EVENT_COLUMNS)
        .values_panic([
            e.id.clone().into(),
            jurisdiction_id.into(),
            e.case_id.clone().into(),
            seq.into(),
            e.kind.clone().into(),
            e.actor.clone().into(),
            e.public.into(),
            e.from_status.clone().into(),
            e.to_status.clone().into(),
            e.note.clone().into(),
            e.data.clone().into(),
            e.created_at.into(),
            prev_hash.clone().into(),
            hash.clone().into(),
        ])
        .to_owned();
    tx.execute(&insert).await?;
    chain::set_head(tx, &TABLES, jurisdiction_id, &hash).await?;
    Ok(Event {
        jurisdiction_id: jurisdiction_id.to_string(),
        chain_seq: seq,
        prev_hash,
        hash,
        event: e,
    })
}

/// Appends many events to the jurisdiction's chain inside the caller's transaction: the head
/// is locked and moved once, the links are computed in memory in the given order (the same
/// canonical form and hash as [`append`], so [`verify_chain`] accepts them), and the rows go
/// in with multi-row inserts. Returns the hash of the new head (`None` when `events` is empty).
pub async fn append_many(
    tx: &mut Tx,
    jurisdiction_id: &str,
    events: Vec<NewEvent>,
) -> Result<Option<String>, StoreError> {
    if events.is_empty() {
        return Ok(None);
    }
    let (first_seq, mut prev_hash) =
        chain::reserve_links(tx, &TABLES, jurisdiction_id, events.len() as i64).await?;
    let mut seq = first_seq;
    let backend = tx.backend();
    // Columns whose value is the same in every event (an import's) are written once per
    // statement as literals instead of being bound for every row.
    let first = &events[0];
    let same = |f: &dyn Fn(&NewEvent) -> bool| events.iter().all(f);
    let shared_kind = same(&|e| e.kind == first.kind);
    let shared_actor = same(&|e| e.actor == first.actor);
    let shared_public = same(&|e| e.public == first.public);
    let shared_from = same(&|e| e.from_status == first.from_status);
    let shared_to = same(&|e| e.to_status == first.to_status);
    let shared_note = same(&|e| e.note == first.note);
    let mut shared: Vec<(&str, sea_query::Value)> =
        vec![("jurisdiction_id", jurisdiction_id.into())];
    let mut columns: Vec<&str> = Vec::with_capacity(EVENT_COLUMNS.len());
    columns.extend(["id", "case_id", "chain_seq"]);
    for (is_shared, name, value) in [
        (
            shared_kind,
            "kind",
            sea_query::Value::from(first.kind.clone()),
        ),
        (shared_actor, "actor", first.actor.clone().into()),
        (shared_public, "public", first.public.into()),
        (shared_from, "from_status", first.from_status.clone().into()),
        (shared_to, "to_status", first.to_status.clone().into()),
        (shared_note, "note", first.note.clone().into()),
    ] {
        if is_shared {
            shared.push((name, value));
        } else {
            columns.push(name);
        }
    }
    columns.extend(["data", "created_at", "prev_hash", "hash"]);
    let per_statement = crate::store::cases::rows_per_statement(backend, columns.len());
    let mut canonical = Vec::with_capacity(512);
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        use sea_query::Value;
        let mut values = Vec::with_capacity(per_statement * columns.len());
        for e in events.by_ref().take(per_statement) {
            let hash = event_hash_into(&mut canonical, jurisdiction_id, seq, &prev_hash, &e);
            values.push(Value::String(Some(e.id)));
            values.push(Value::String(Some(e.case_id)));
            values.push(Value::BigInt(Some(seq)));
            if !shared_kind {
                values.push(Value::String(Some(e.kind)));
            }
            if !shared_actor {
                values.push(Value::String(Some(e.actor)));
            }
            if !shared_public {
                values.push(Value::Bool(Some(e.public)));
            }
            if !shared_from {
                values.push(Value::String(e.from_status));
            }
            if !shared_to {
                values.push(Value::String(e.to_status));
            }
            if !shared_note {
                values.push(Value::String(e.note));
            }
            values.push(Value::String(Some(e.data)));
            values.push(Value::BigInt(Some(e.created_at)));
            values.push(Value::String(Some(std::mem::replace(
                &mut prev_hash,
                hash.clone(),
            ))));
            values.push(Value::String(Some(hash)));
            seq += 1;
        }
        let insert = store::Rendered::multi_row_insert(
            backend,
            "case_events",
            shared.clone(),
            &columns,
            values,
            "",
        );
        tx.execute_rendered(insert).await?;
    }
    chain::set_head(tx, &TABLES, jurisdiction_id, &prev_hash).await?;
    Ok(Some(prev_hash))
}

const EVENT_COLUMNS: [&str; 14] = [
    "id",
    "jurisdiction_id",
    "case_id",
    "chain_seq",
    "kind",
    "actor",
    "public",
    "from_status",
    "to_status",
    "note",
    "data",
    "created_at",
    "prev_hash",
    "hash",
];

fn event_from_row(r: &Row) -> Result<Event, StoreError> {
    Ok(Event {
        jurisdiction_id: r.get("jurisdiction_id")?,
        chain_seq: r.get("chain_seq")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
        event: NewEvent {
            id: r.get("id")?,
            case_id: r.get("case_id")?,
            kind: r.get("kind")?,
            actor: r.get("actor")?,
            public: r.get("public")?,
            from_status: r.get("from_status")?,
            to_status: r.get("to_status")?,
            note: r.get("note")?,
            data: r.get("data")?,
            created_at: r.get("created_at")?,
        },
    })
}

/// Events of the given cases in order; `public_only` hides internal notes.
pub async fn for_cases(
    db: &Db,
    case_ids: &[String],
    public_only: bool,
) -> Result<Vec<Event>, StoreError> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = Query::select()
        .columns(EVENT_COLUMNS)
        .from("case_events")
        .and_where(Expr::col("case_id").is_in(case_ids.iter().cloned()))
        .order_by("chain_seq", Order::Asc)
        .to_owned();
    if public_only {
        stmt.and_where(Expr::col("public").eq(true));
    }
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(event_from_row)
        .collect()
}

/// A public event as the public update feed shows it, with its case's number and category.
/// Read from an array of [`FEED_COLUMNS`] (`Deserialize` takes the fields in declaration
/// order, so the two lists must agree).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct FeedEvent {
    pub id: String,
    pub case_number: String,
    pub category_code: String,
    pub kind: String,
    pub to_status: Option<String>,
    pub note: Option<String>,
    /// A JSON object with details of the change.
    pub data: String,
    pub created_at: i64,
}

const FEED_COLUMNS: [&str; 8] = [
    "id",
    "case_number",
    "category_code",
    "kind",
    "to_status",
    "note",
    "data",
    "created_at",
];

/// Public events of a jurisdiction created in `[from, to]`, oldest first, at most `limit`,
/// except those of cases in `hidden_categories`: one statement and one JSON value for the
/// page (a page of 1,000 read as rows, with every event's hashes and a second query for the
/// cases, was the heaviest request the server answered; see bench/README.md).
pub async fn public_feed(
    db: &Db,
    jurisdiction_id: &str,
    from: i64,
    to: i64,
    hidden_categories: &[&str],
    limit: u64,
) -> Result<Vec<FeedEvent>, StoreError> {
    let mut stmt = Query::select()
        .from_as("case_events", "e")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "cases",
            "c",
            Expr::col(("c", "id")).equals(("e", "case_id")),
        )
        .columns([
            ("e", "id"),
            ("c", "case_number"),
            ("c", "category_code"),
            ("e", "kind"),
            ("e", "to_status"),
            ("e", "note"),
            ("e", "data"),
            ("e", "created_at"),
            ("e", "chain_seq"),
        ])
        .and_where(Expr::col(("e", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("e", "public")).eq(true))
        .and_where(Expr::col(("e", "created_at")).gte(from))
        .and_where(Expr::col(("e", "created_at")).lte(to))
        .order_by(("e", "created_at"), Order::Asc)
        .order_by(("e", "chain_seq"), Order::Asc)
        .limit(limit)
        .to_owned();
    if !hidden_categories.is_empty() {
        stmt.and_where(
            Expr::col(("c", "category_code")).is_not_in(hidden_categories.iter().copied()),
        );
    }
    db.fetch_packed(
        &stmt,
        &FEED_COLUMNS,
        &[("created_at", Order::Asc), ("chain_seq", Order::Asc)],
    )
    .await
}

/// Which of the given cases have events already.
pub async fn cases_with_events(
    tx: &mut Tx,
    case_ids: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in case_ids.chunks(crate::store::cases::rows_per_statement(tx.backend(), 1)) {
        let q = Query::select()
            .distinct()
            .column("case_id")
            .from("case_events")
            .and_where(Expr::col("case_id").is_in(chunk.iter().cloned()))
            .to_owned();
        for row in tx.fetch_all(&q).await? {
            found.insert(row.get("case_id")?);
        }
    }
    Ok(found)
}

/// Recomputes the event chain of a jurisdiction and reports the first broken link.
pub async fn verify_chain(db: &Db, jurisdiction_id: &str) -> Result<ChainReport, StoreError> {
    chain::verify(db, &TABLES, &EVENT_COLUMNS, jurisdiction_id, |row| {
        let e = event_from_row(row)?;
        Ok(Link {
            recomputed: event_hash(jurisdiction_id, e.chain_seq, &e.prev_hash, &e.event),
            seq: e.chain_seq,
            id: e.event.id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        })
    })
    .await
}

/// A case's events as the SLA clocks read them: kind, new status, time, public, data.
pub type EventRow = (String, Option<String>, i64, bool, String);

/// The events of one case, oldest first (a writer passes its transaction).
pub async fn of_case(mut conn: impl Conn, case_id: &str) -> Result<Vec<EventRow>, StoreError> {
    let stmt = Query::select()
        .columns(["kind", "to_status", "created_at", "public", "data"])
        .from("case_events")
        .and_where(Expr::col("case_id").eq(case_id))
        .order_by("chain_seq", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.get("kind")?,
                r.get("to_status")?,
                r.get("created_at")?,
                r.get("public")?,
                r.get("data")?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_agree() {
        for (note, data, from) in [
            (None, "{}".to_string(), None),
            (
                Some("引號 \" 反斜線 \\ 換行\n tab\t \u{0001} \u{2028} emoji 🚦".to_string()),
                r#"{"a":"b","n":1}"#.to_string(),
                Some("received".to_string()),
            ),
        ] {
            let e = NewEvent {
                id: "0190e9a2-0000-7000-8000-000000000001".into(),
                case_id: "c".into(),
                kind: "create".into(),
                actor: "import:taipei1999".into(),
                public: true,
                from_status: from,
                to_status: Some("closed".into()),
                note,
                data,
                created_at: -5,
            };
            assert_eq!(
                event_hash("taipei.gov.tw", 42, chain::GENESIS, &e),
                event_hash_by_value("taipei.gov.tw", 42, chain::GENESIS, &e)
            );
        }
    }
}
