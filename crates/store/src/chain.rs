//! Hash chains per jurisdiction, shared by the case event log and the audit trail.
//!
//! Each record stores the hash of its predecessor in the same jurisdiction and its own hash over
//! a canonical encoding of its fields. A head table holds the last sequence number and hash of
//! each chain; taking the next link locks that row until commit, so concurrent writers (on any
//! node) extend the chain in a strict order. [`verify`] recomputes every link and reports the
//! first broken one: an edited field, a deleted or inserted record, or a truncated tail.

use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record of every chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where a chain's records and heads are stored.
pub struct ChainTables {
    pub records: &'static str,
    pub heads: &'static str,
    /// What a record is called in reports ("event", "audit record").
    pub noun: &'static str,
}

/// The hash of a record: SHA-256 over the previous hash, a newline and the canonical JSON.
pub fn link_hash(prev_hash: &str, canonical: &serde_json::Value) -> String {
    link_hash_of_bytes(prev_hash, canonical.to_string().as_bytes())
}

/// [`link_hash`] over canonical JSON already serialised (compact, as `Value::to_string`
/// writes it).
pub fn link_hash_of_bytes(prev_hash: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical);
    hex::encode(h.finalize())
}

/// Reserves the next link of a jurisdiction's chain: its sequence number and the previous hash.
/// Locks the head row until the transaction ends; call [`set_head`] after inserting the record.
pub async fn next_link(
    tx: &mut Tx,
    tables: &ChainTables,
    jurisdiction_id: &str,
) -> Result<(i64, String), StoreError> {
    // The same statement as a bulk reservation, with the same parameter types: on PostgreSQL
    // a prepared statement is cached by its text, and an `int4` bound where the cached one was
    // prepared for an `int8` is refused ("insufficient data left in message").
    reserve_links(tx, tables, jurisdiction_id, 1).await
}

/// Reserves the next `n` links of a jurisdiction's chain at once (bulk appends): the sequence
/// number of the first and the hash it must link to. Locks the head row like [`next_link`];
/// call [`set_head`] with the last record's hash after inserting all `n`.
pub async fn reserve_links(
    tx: &mut Tx,
    tables: &ChainTables,
    jurisdiction_id: &str,
    n: i64,
) -> Result<(i64, String), StoreError> {
    let bump = Query::update()
        .table(tables.heads)
        .value("seq", Expr::col("seq").add(n))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .returning(Query::returning().columns(["seq", "head_hash"]))
        .to_owned();
    let head = match tx.fetch_optional(&bump).await? {
        Some(row) => row,
        None => {
            // Two first writers at once (PostgreSQL): the second's insert waits for the first
            // to commit and then does nothing, and its bump below takes the next number.
            let start = Query::insert()
                .into_table(tables.heads)
                .columns(["jurisdiction_id", "seq", "head_hash"])
                .values_panic([jurisdiction_id.into(), 0i64.into(), GENESIS.into()])
                .on_conflict(
                    sea_query::OnConflict::column("jurisdiction_id")
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned();
            tx.execute(&start).await?;
            tx.fetch_one(&bump).await?
        }
    };
    let last: i64 = head.get("seq")?;
    Ok((last - n + 1, head.get("head_hash")?))
}

pub async fn set_head(
    tx: &mut Tx,
    tables: &ChainTables,
    jurisdiction_id: &str,
    hash: &str,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table(tables.heads)
        .value("head_hash", hash)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// One stored record as the verifier sees it.
pub struct Link {
    pub seq: i64,
    pub id: String,
    pub prev_hash: String,
    pub hash: String,
    /// The hash recomputed from the record's fields.
    pub recomputed: String,
}

/// The outcome of walking one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact {
        records: u64,
    },
    Broken {
        chain_seq: i64,
        record_id: Option<String>,
        reason: String,
    },
}

/// Recomputes the chain of a jurisdiction from its first record and compares every link.
pub async fn verify(
    db: &Db,
    tables: &ChainTables,
    columns: &[&'static str],
    jurisdiction_id: &str,
    link: impl Fn(&Row) -> Result<Link, StoreError>,
) -> Result<ChainReport, StoreError> {
    const BATCH: u64 = 5_000;
    let noun = tables.noun;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut count = 0u64;
    loop {
        let stmt = Query::select()
            .columns(columns.iter().copied())
            .from(tables.records)
            .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
            .and_where(Expr::col("chain_seq").gte(expected_seq))
            .order_by("chain_seq", Order::Asc)
            .limit(BATCH)
            .to_owned();
        let rows = db.fetch_all(&stmt).await?;
        let done = (rows.len() as u64) < BATCH;
        for row in &rows {
            let l = link(row)?;
            let broken = |reason: String| ChainReport::Broken {
                chain_seq: l.seq,
                record_id: Some(l.id.clone()),
                reason,
            };
            if l.seq != expected_seq {
                return Ok(ChainReport::Broken {
                    chain_seq: expected_seq,
                    record_id: None,
                    reason: format!("{noun} {expected_seq} is missing (next is {})", l.seq),
                });
            }
            if l.prev_hash != expected_prev {
                return Ok(broken(format!(
                    "its link to the previous {noun} does not match"
                )));
            }
            if l.recomputed != l.hash {
                return Ok(broken(
                    "its content was changed after it was written".into(),
                ));
            }
            expected_prev = l.hash;
            expected_seq += 1;
            count += 1;
        }
        if done {
            break;
        }
    }
    let head = Query::select()
        .columns(["seq", "head_hash"])
        .from(tables.heads)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    if let Some(row) = db.fetch_optional(&head).await? {
        let seq: i64 = row.get("seq")?;
        let head_hash: String = row.get("head_hash")?;
        if seq != expected_seq - 1 || head_hash != expected_prev {
            return Ok(ChainReport::Broken {
                chain_seq: expected_seq,
                record_id: None,
                reason: format!(
                    "the chain head says {seq} {noun}s but {} were found",
                    expected_seq - 1
                ),
            });
        }
    } else if count > 0 {
        return Ok(ChainReport::Broken {
            chain_seq: 0,
            record_id: None,
            reason: format!("{noun}s exist but the chain head is missing"),
        });
    }
    Ok(ChainReport::Intact { records: count })
}
