//! The audit trail: who did what to which subject, and which staff member read whose personal
//! data, with the reason and request id. Append-only and hash-chained per jurisdiction (see
//! [`crate::chain`]), so an edited or deleted record is found by `civicdesk verify-audit`.

use crate::chain::{self, ChainReport, ChainTables, Link};
use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, LikeExpr, Order, Query};

const TABLES: ChainTables = ChainTables {
    records: "audit_records",
    heads: "audit_chains",
    noun: "audit record",
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditRecord {
    pub id: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    /// The citizen whose personal data was read or changed, if any.
    pub data_subject_id: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    /// A JSON object with details; never personal data itself.
    pub data: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub jurisdiction_id: String,
    pub chain_seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub record: NewAuditRecord,
}

const COLUMNS: [&str; 15] = [
    "id",
    "jurisdiction_id",
    "chain_seq",
    "actor_id",
    "actor_label",
    "action",
    "subject_kind",
    "subject_id",
    "data_subject_id",
    "reason",
    "request_id",
    "data",
    "created_at",
    "prev_hash",
    "hash",
];

fn record_hash(jurisdiction_id: &str, seq: i64, prev_hash: &str, r: &NewAuditRecord) -> String {
    let canonical = serde_json::json!([
        jurisdiction_id,
        seq,
        r.id,
        r.actor_id,
        r.actor_label,
        r.action,
        r.subject_kind,
        r.subject_id,
        r.data_subject_id,
        r.reason,
        r.request_id,
        r.data,
        r.created_at
    ]);
    chain::link_hash(prev_hash, &canonical)
}

/// Appends a record to the jurisdiction's audit chain inside the caller's transaction, so the
/// record exists exactly when the change it describes does.
pub async fn append(
    tx: &mut Tx,
    jurisdiction_id: &str,
    r: NewAuditRecord,
) -> Result<AuditRecord, StoreError> {
    let (seq, prev_hash) = chain::next_link(tx, &TABLES, jurisdiction_id).await?;
    let hash = record_hash(jurisdiction_id, seq, &prev_hash, &r);
    let insert = Query::insert()
        .into_table("audit_records")
        .columns(COLUMNS)
        .values_panic([
            r.id.clone().into(),
            jurisdiction_id.into(),
            seq.into(),
            r.actor_id.clone().into(),
            r.actor_label.clone().into(),
            r.action.clone().into(),
            r.subject_kind.clone().into(),
            r.subject_id.clone().into(),
            r.data_subject_id.clone().into(),
            r.reason.clone().into(),
            r.request_id.clone().into(),
            r.data.clone().into(),
            r.created_at.into(),
            prev_hash.clone().into(),
            hash.clone().into(),
        ])
        .to_owned();
    tx.execute(&insert).await?;
    chain::set_head(tx, &TABLES, jurisdiction_id, &hash).await?;
    Ok(AuditRecord {
        jurisdiction_id: jurisdiction_id.to_string(),
        chain_seq: seq,
        prev_hash,
        hash,
        record: r,
    })
}

fn from_row(r: &Row) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        jurisdiction_id: r.get("jurisdiction_id")?,
        chain_seq: r.get("chain_seq")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
        record: NewAuditRecord {
            id: r.get("id")?,
            actor_id: r.get("actor_id")?,
            actor_label: r.get("actor_label")?,
            action: r.get("action")?,
            subject_kind: r.get("subject_kind")?,
            subject_id: r.get("subject_id")?,
            data_subject_id: r.get("data_subject_id")?,
            reason: r.get("reason")?,
            request_id: r.get("request_id")?,
            data: r.get("data")?,
            created_at: r.get("created_at")?,
        },
    })
}

/// Filters for listing audit records, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub data_subject_id: Option<String>,
    pub action_prefix: Option<String>,
    /// Only records with a chain sequence below this (keyset pagination).
    pub before_seq: Option<i64>,
    pub limit: u64,
}

pub async fn list(
    db: &Db,
    jurisdiction_id: &str,
    f: &AuditFilter,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut stmt = Query::select()
        .columns(COLUMNS)
        .from("audit_records")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("chain_seq", Order::Desc)
        .limit(f.limit.clamp(1, 500))
        .to_owned();
    if let Some(a) = &f.actor_id {
        stmt.and_where(Expr::col("actor_id").eq(a.as_str()));
    }
    if let Some(d) = &f.data_subject_id {
        stmt.and_where(Expr::col("data_subject_id").eq(d.as_str()));
    }
    if let Some(p) = &f.action_prefix {
        let escaped = p
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        stmt.and_where(Expr::col("action").like(LikeExpr::new(format!("{escaped}%")).escape('\\')));
    }
    if let Some(b) = f.before_seq {
        stmt.and_where(Expr::col("chain_seq").lt(b));
    }
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Recomputes the audit chain of a jurisdiction and reports the first broken link.
pub async fn verify_chain(db: &Db, jurisdiction_id: &str) -> Result<ChainReport, StoreError> {
    chain::verify(db, &TABLES, &COLUMNS, jurisdiction_id, |row| {
        let a = from_row(row)?;
        Ok(Link {
            recomputed: record_hash(jurisdiction_id, a.chain_seq, &a.prev_hash, &a.record),
            seq: a.chain_seq,
            id: a.record.id,
            prev_hash: a.prev_hash,
            hash: a.hash,
        })
    })
    .await
}
