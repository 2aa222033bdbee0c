//! The cases SLA supervision looks at.

use super::queue::after_in_queue;
use super::{COLUMNS, WorkView, from_row};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use store::{Db, StoreError};

/// Open cases with a clock due before `horizon` whose SLA state has not yet reached
/// `breached`: the candidates for an at-risk or breach check. A page of at most `limit` in the
/// queue's order by due date (resolution due date, then case number), after the position
/// `after` (the last page's last [`WorkView::queue_due`] and case number).
///
/// Read in the order of the partial index `cases_queue_by_due`, so that a pass over the open
/// cases pages through them without sorting. Ordered by the earliest of the three clocks, as
/// before, every page sorted all open cases again: a pass over 70,000 open cases read them in
/// 140 pages, each a sort of all 70,000.
pub async fn sla_candidates(
    db: &Db,
    jurisdiction_id: &str,
    horizon: i64,
    after: Option<&(i64, String)>,
    limit: u64,
) -> Result<Vec<WorkView>, StoreError> {
    let stmt = sla_candidates_statement(jurisdiction_id, horizon, after, limit);
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

pub(super) fn sla_candidates_statement(
    jurisdiction_id: &str,
    horizon: i64,
    after: Option<&(i64, String)>,
    limit: u64,
) -> SelectStatement {
    let mut stmt = Query::select()
        .columns(COLUMNS)
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        // Open (the partial index's own term), and not breached (rank 0).
        .and_where(Expr::col("queue_rank").is_not_null())
        .and_where(Expr::col("queue_rank").gt(0))
        .cond_where(
            Expr::col("ack_due_at")
                .lte(horizon)
                .or(Expr::col("response_due_at").lte(horizon))
                .or(Expr::col("resolution_due_at").lte(horizon)),
        )
        .order_by("queue_due", Order::Asc)
        .order_by("case_number", Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some((due, number)) = after {
        stmt.and_where(after_in_queue(*due, number));
    }
    stmt
}
