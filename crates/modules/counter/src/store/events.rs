//! The application event log: append-only and hash-chained per jurisdiction, like case and
//! payment events (`store::chain`). Each change to an application appends one event in the
//! transaction that makes it; `civicdesk verify-audit` walks the chain.

use sea_query::{Expr, ExprTrait, Order, Query};
pub use store::chain::ChainReport;
use store::chain::{self, ChainTables, Link};
use store::{Conn, Db, Row, StoreError, Tx};

const TABLES: ChainTables = ChainTables {
    records: "counter_events",
    heads: "counter_event_chains",
    noun: "application event",
};

const COLUMNS: [&str; 12] = [
    "id",
    "jurisdiction_id",
    "chain_seq",
    "prev_hash",
    "hash",
    "application_id",
    "kind",
    "actor",
    "from_state",
    "to_state",
    "data",
    "created_at",
];

/// An event before it takes its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: String,
    pub application_id: String,
    pub kind: String,
    /// Who: a person's label, a device, or `system`.
    pub actor: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// A JSON object: what was said or changed.
    pub data: String,
    pub created_at: i64,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub chain_seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub event: NewEvent,
}

fn event_hash(jurisdiction_id: &str, seq: i64, prev_hash: &str, e: &NewEvent) -> String {
    let canonical = serde_json::json!([
        jurisdiction_id,
        seq,
        e.id,
        e.application_id,
        e.kind,
        e.actor,
        e.from_state,
        e.to_state,
        e.data,
        e.created_at,
    ]);
    chain::link_hash(prev_hash, &canonical)
}

fn from_row(r: &Row) -> Result<Event, StoreError> {
    Ok(Event {
        chain_seq: r.get("chain_seq")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
        event: NewEvent {
            id: r.get("id")?,
            application_id: r.get("application_id")?,
            kind: r.get("kind")?,
            actor: r.get("actor")?,
            from_state: r.get("from_state")?,
            to_state: r.get("to_state")?,
            data: r.get("data")?,
            created_at: r.get("created_at")?,
        },
    })
}

/// Appends events to a jurisdiction's chain as one stretch.
pub async fn append(tx: &mut Tx, jurisdiction_id: &str, es: &[NewEvent]) -> Result<(), StoreError> {
    if es.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(es.len()).unwrap_or(i64::MAX);
    let (first, mut prev) = chain::reserve_links(tx, &TABLES, jurisdiction_id, n).await?;
    let mut stmt = Query::insert()
        .into_table("counter_events")
        .columns(COLUMNS)
        .to_owned();
    for (seq, e) in (first..).zip(es) {
        let hash = event_hash(jurisdiction_id, seq, &prev, e);
        stmt.values_panic([
            e.id.clone().into(),
            jurisdiction_id.into(),
            seq.into(),
            prev.into(),
            hash.clone().into(),
            e.application_id.clone().into(),
            e.kind.clone().into(),
            e.actor.clone().into(),
            e.from_state.clone().into(),
            e.to_state.clone().into(),
            e.data.clone().into(),
            e.created_at.into(),
        ]);
        prev = hash;
    }
    tx.execute(&stmt).await?;
    chain::set_head(tx, &TABLES, jurisdiction_id, &prev).await
}

/// An application's events, oldest first.
pub async fn of_application(mut conn: impl Conn, id: &str) -> Result<Vec<Event>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("counter_events")
        .and_where(Expr::col("application_id").eq(id))
        .order_by("chain_seq", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Recomputes the application event chain of a jurisdiction and reports the first broken link.
pub async fn verify_chain(db: &Db, jurisdiction_id: &str) -> Result<ChainReport, StoreError> {
    chain::verify(db, &TABLES, &COLUMNS, jurisdiction_id, |row| {
        let e = from_row(row)?;
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
