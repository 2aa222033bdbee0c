//! The payment event log: append-only and hash-chained per jurisdiction, like case events
//! (`store::chain`). Each change to a payment appends one event in the transaction that makes
//! it; `civicdesk verify-audit` walks the chain.

use sea_query::{Expr, ExprTrait, Order, Query};
pub use store::chain::ChainReport;
use store::chain::{self, ChainTables, Link};
use store::{Conn, Db, Row, StoreError, Tx};

const TABLES: ChainTables = ChainTables {
    records: "payment_events",
    heads: "payment_event_chains",
    noun: "payment event",
};

const COLUMNS: [&str; 13] = [
    "id",
    "jurisdiction_id",
    "chain_seq",
    "prev_hash",
    "hash",
    "payment_id",
    "kind",
    "actor",
    "from_state",
    "to_state",
    "amount",
    "data",
    "created_at",
];

/// An event before it takes its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: String,
    pub payment_id: String,
    pub kind: String,
    pub actor: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub amount: Option<i64>,
    /// A JSON object: what the provider or the person said.
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
        e.payment_id,
        e.kind,
        e.actor,
        e.from_state,
        e.to_state,
        e.amount,
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
            payment_id: r.get("payment_id")?,
            kind: r.get("kind")?,
            actor: r.get("actor")?,
            from_state: r.get("from_state")?,
            to_state: r.get("to_state")?,
            amount: r.get("amount")?,
            data: r.get("data")?,
            created_at: r.get("created_at")?,
        },
    })
}

/// Appends an event to its jurisdiction's chain.
pub async fn append(tx: &mut Tx, jurisdiction_id: &str, e: &NewEvent) -> Result<(), StoreError> {
    let (seq, prev) = chain::next_link(tx, &TABLES, jurisdiction_id).await?;
    let hash = event_hash(jurisdiction_id, seq, &prev, e);
    let stmt = Query::insert()
        .into_table("payment_events")
        .columns(COLUMNS)
        .values_panic([
            e.id.clone().into(),
            jurisdiction_id.into(),
            seq.into(),
            prev.into(),
            hash.clone().into(),
            e.payment_id.clone().into(),
            e.kind.clone().into(),
            e.actor.clone().into(),
            e.from_state.clone().into(),
            e.to_state.clone().into(),
            e.amount.into(),
            e.data.clone().into(),
            e.created_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    chain::set_head(tx, &TABLES, jurisdiction_id, &hash).await
}

/// Appends events to a jurisdiction's chain as one stretch: the links reserved at once, one
/// insert, one head update.
pub async fn append_many(
    tx: &mut Tx,
    jurisdiction_id: &str,
    es: &[NewEvent],
) -> Result<(), StoreError> {
    if es.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(es.len()).unwrap_or(i64::MAX);
    let (first, mut prev) = chain::reserve_links(tx, &TABLES, jurisdiction_id, n).await?;
    let mut stmt = Query::insert()
        .into_table("payment_events")
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
            e.payment_id.clone().into(),
            e.kind.clone().into(),
            e.actor.clone().into(),
            e.from_state.clone().into(),
            e.to_state.clone().into(),
            e.amount.into(),
            e.data.clone().into(),
            e.created_at.into(),
        ]);
        prev = hash;
    }
    tx.execute(&stmt).await?;
    chain::set_head(tx, &TABLES, jurisdiction_id, &prev).await
}

/// A payment's events, oldest first.
pub async fn of_payment(mut conn: impl Conn, payment_id: &str) -> Result<Vec<Event>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("payment_events")
        .and_where(Expr::col("payment_id").eq(payment_id))
        .order_by("chain_seq", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Recomputes the payment event chain of a jurisdiction and reports the first broken link.
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
