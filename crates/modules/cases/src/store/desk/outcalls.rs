//! The out-call queue.

use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use store::{Db, Row, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcall {
    pub id: String,
    pub jurisdiction_id: String,
    pub case_id: Option<String>,
    pub case_number: Option<String>,
    pub citizen_phone: Option<String>,
    pub reason: String,
    pub status: String,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<i64>,
    pub outcome: Option<String>,
    pub note: Option<String>,
    pub due_at: i64,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

/// An out-call as listed, with the name of the agent holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcallRow {
    pub outcall: Outcall,
    pub claimed_by_name: Option<String>,
}

const OUTCALL_COLUMNS: [&str; 14] = [
    "id",
    "jurisdiction_id",
    "case_id",
    "case_number",
    "citizen_phone",
    "reason",
    "status",
    "claimed_by",
    "claimed_at",
    "outcome",
    "note",
    "due_at",
    "created_at",
    "done_at",
];

fn outcall_from_row(r: &Row) -> Result<OutcallRow, StoreError> {
    Ok(OutcallRow {
        outcall: Outcall {
            id: r.get("id")?,
            jurisdiction_id: r.get("jurisdiction_id")?,
            case_id: r.get("case_id")?,
            case_number: r.get("case_number")?,
            citizen_phone: r.get("citizen_phone")?,
            reason: r.get("reason")?,
            status: r.get("status")?,
            claimed_by: r.get("claimed_by")?,
            claimed_at: r.get("claimed_at")?,
            outcome: r.get("outcome")?,
            note: r.get("note")?,
            due_at: r.get("due_at")?,
            created_at: r.get("created_at")?,
            done_at: r.get("done_at")?,
        },
        claimed_by_name: r.get("claimed_by_name")?,
    })
}

fn outcall_select(jurisdiction_id: &str) -> SelectStatement {
    let mut stmt = Query::select();
    for c in OUTCALL_COLUMNS {
        stmt.column(("outcalls", c));
    }
    stmt.expr_as(Expr::col(("accounts", "display_name")), "claimed_by_name")
        .from("outcalls")
        .left_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("outcalls", "claimed_by")),
        )
        .and_where(Expr::col(("outcalls", "jurisdiction_id")).eq(jurisdiction_id));
    stmt
}

pub async fn insert_outcall(tx: &mut Tx, o: &Outcall) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("outcalls")
        .columns(OUTCALL_COLUMNS)
        .values_panic([
            o.id.clone().into(),
            o.jurisdiction_id.clone().into(),
            o.case_id.clone().into(),
            o.case_number.clone().into(),
            o.citizen_phone.clone().into(),
            o.reason.clone().into(),
            o.status.clone().into(),
            o.claimed_by.clone().into(),
            o.claimed_at.into(),
            o.outcome.clone().into(),
            o.note.clone().into(),
            o.due_at.into(),
            o.created_at.into(),
            o.done_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Whether a case already has an out-call for `reason` that is not done.
pub async fn open_outcall_exists(
    tx: &mut Tx,
    case_id: &str,
    reason: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::select()
        .column("id")
        .from("outcalls")
        .and_where(Expr::col("case_id").eq(case_id))
        .and_where(Expr::col("reason").eq(reason))
        .and_where(Expr::col("status").ne("done"))
        .limit(1)
        .to_owned();
    Ok(tx.fetch_optional(&stmt).await?.is_some())
}

/// Which out-calls to list: oldest due first.
#[derive(Debug, Clone, Default)]
pub struct OutcallFilter {
    pub statuses: Vec<String>,
    /// Keyset: out-calls after this (due_at, id).
    pub after: Option<(i64, String)>,
    pub limit: u64,
}

pub async fn outcall_queue(
    db: &Db,
    jurisdiction_id: &str,
    f: &OutcallFilter,
) -> Result<Vec<OutcallRow>, StoreError> {
    let mut stmt = outcall_select(jurisdiction_id);
    stmt.and_where(Expr::col(("outcalls", "status")).is_in(f.statuses.iter().cloned()))
        .order_by(("outcalls", "due_at"), Order::Asc)
        .order_by(("outcalls", "id"), Order::Asc)
        .limit(f.limit.clamp(1, 500));
    if let Some((due, id)) = &f.after {
        let due_at = || Expr::col(("outcalls", "due_at"));
        stmt.and_where(
            due_at().gt(*due).or(due_at()
                .eq(*due)
                .and(Expr::col(("outcalls", "id")).gt(id.as_str()))),
        );
    }
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(outcall_from_row)
        .collect()
}

pub async fn find_outcall(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
) -> Result<Option<OutcallRow>, StoreError> {
    let mut stmt = outcall_select(jurisdiction_id);
    stmt.and_where(Expr::col(("outcalls", "id")).eq(id));
    tx.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(outcall_from_row)
        .transpose()
}

/// Claims a queued out-call for `agent_id`. Returns false when it was not queued (someone
/// else holds it, or it is done): the condition is in the statement, so two agents racing
/// cannot both win on either backend.
pub async fn claim_outcall(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
    agent_id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("outcalls")
        .value("status", "claimed")
        .value("claimed_by", agent_id)
        .value("claimed_at", at)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq("queued"))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Completes an out-call held by `agent_id`. Returns false when that agent does not hold it.
pub async fn complete_outcall(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
    agent_id: &str,
    outcome: &str,
    note: Option<&str>,
    at: i64,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("outcalls")
        .value("status", "done")
        .value("outcome", outcome)
        .value("note", note.map(str::to_string))
        .value("done_at", at)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq("claimed"))
        .and_where(Expr::col("claimed_by").eq(agent_id))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}
