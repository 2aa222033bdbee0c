//! The work queues: a page of cases in SLA-risk order, filtered by scope and search.

use super::{COLUMNS, WorkView};
use sea_query::{Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement};
use store::{Db, StoreError};

/// Which cases a queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only these departments (None: the whole jurisdiction).
    pub departments: Option<Vec<String>>,
    pub assignee_id: Option<String>,
    /// Only these statuses (None: every open status).
    pub statuses: Option<Vec<String>>,
    /// Keyset: cases after this (resolution due, case number). Not with `by_risk`.
    pub after: Option<(i64, String)>,
    pub limit: u64,
    /// Only this category.
    pub category: Option<String>,
    /// Only this district (postal code).
    pub district: Option<String>,
    /// Only these SLA states (`breached`, `at_risk`, `running`, `paused`, `met`).
    pub sla_states: Option<Vec<String>>,
    /// Text the case number, description or address contains (any case).
    pub text: Option<String>,
    /// Breached cases first, then those at risk, then the rest; each by resolution due date.
    pub by_risk: bool,
    /// Rows to skip (pages of a filtered view ordered by risk).
    pub offset: u64,
}

/// `text` as a LIKE pattern that matches it literally anywhere (`!` escapes).
fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A queue ordered by SLA risk: the earliest resolution due date first, cases without one last.
pub async fn queue(
    db: &Db,
    jurisdiction_id: &str,
    f: &QueueFilter,
) -> Result<Vec<WorkView>, StoreError> {
    let mut order = Vec::with_capacity(3);
    if f.by_risk {
        order.push(("sort_rank", Order::Asc));
    }
    order.extend([("queue_due", Order::Asc), ("case_number", Order::Asc)]);
    db.fetch_packed(&queue_statement(jurisdiction_id, f), &COLUMNS, &order)
        .await
}

/// Whether every status asked for is open (or none was asked for: every open one).
fn open_only(statuses: Option<&[String]>) -> bool {
    statuses.is_none_or(|s| {
        s.iter()
            .all(|s| crate::domain::lifecycle::CaseStatus::parse(s).is_some_and(|s| !s.is_final()))
    })
}

/// The queue's SQL. It orders by the generated columns `queue_rank` (0 breached, 1 at risk,
/// 2 the rest; NULL once a case is final) and `queue_due` (the resolution due date, cases
/// without one last), which the partial indexes `cases_queue_by_due` and `cases_queue_by_risk`
/// hold for open cases (migration 0011): a page of open cases reads its rows in index order
/// instead of sorting every open case in scope.
pub(super) fn queue_statement(jurisdiction_id: &str, f: &QueueFilter) -> SelectStatement {
    let mut stmt = Query::select()
        .columns(COLUMNS)
        .column("queue_due")
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .limit(f.limit.clamp(1, 500))
        .to_owned();
    let open_only = open_only(f.statuses.as_deref());
    if open_only {
        // Without bound values, so that the planner can prove the partial indexes apply.
        stmt.and_where(Expr::col("queue_rank").is_not_null());
    }
    if let Some(s) = &f.statuses {
        stmt.and_where(Expr::col("status").is_in(s.iter().cloned()));
    }
    // The sort keys are also selected, by name, for `queue` to keep the order.
    if f.by_risk {
        if open_only {
            stmt.expr_as(Expr::col("queue_rank"), "sort_rank");
            stmt.order_by("queue_rank", Order::Asc);
        } else {
            // Final cases have no rank: after the open ones, on both backends (SQLite sorts
            // NULL first, PostgreSQL last).
            let rank = Expr::expr(Func::coalesce([Expr::col("queue_rank"), Expr::val(3)]));
            stmt.expr_as(rank.clone(), "sort_rank");
            stmt.order_by_expr(rank, Order::Asc);
        }
    }
    stmt.order_by("queue_due", Order::Asc)
        .order_by("case_number", Order::Asc);
    if f.offset > 0 {
        stmt.offset(f.offset);
    }
    if let Some(c) = &f.category {
        stmt.and_where(Expr::col("category_code").eq(c.as_str()));
    }
    if let Some(d) = &f.district {
        stmt.and_where(Expr::col("district_code").eq(d.as_str()));
    }
    if let Some(states) = &f.sla_states {
        stmt.and_where(Expr::col("sla_state").is_in(states.iter().cloned()));
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = contains_pattern(&t.to_lowercase());
        let like = |column: &'static str| {
            Expr::expr(Func::lower(Func::coalesce([
                Expr::col(column),
                Expr::val(""),
            ])))
            .like(LikeExpr::new(pattern.clone()).escape('!'))
        };
        stmt.and_where(
            like("case_number")
                .or(like("description"))
                .or(like("address")),
        );
    }
    if let Some(ds) = &f.departments {
        stmt.and_where(
            Expr::col("department_code")
                .is_in(ds.iter().cloned())
                .or(Expr::col("cosign_department_code").is_in(ds.iter().cloned())),
        );
    }
    if let Some(a) = &f.assignee_id {
        stmt.and_where(Expr::col("assignee_id").eq(a.as_str()));
    }
    if let Some((due_at, number)) = &f.after {
        stmt.and_where(after_in_queue(*due_at, number));
    }
    stmt
}

/// Cases after `(due, number)` in the queue's order by due date: a row value, which both
/// backends walk the index from (an OR of the two comparisons would be read from the start
/// of the queue and filtered).
pub(super) fn after_in_queue(due: i64, number: &str) -> Expr {
    Expr::tuple([Expr::col("queue_due"), Expr::col("case_number")])
        .gt(Expr::tuple([Expr::val(due), Expr::val(number)]))
}
