//! Counting for the supervisor's statistics: each function is one `GROUP BY` (or one bounded
//! list) over an index of migration 0008, written once for SQLite and PostgreSQL. What counts
//! (ages, on time, scores) is decided in `crate::domain::reports`; this module only counts.

use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};
use store::{Db, Row, StoreError};

/// Which cases a statistic covers. Times are unix seconds, `from` inclusive, `until`
/// exclusive; what they are compared with depends on the statistic (received, resolved or
/// rated).
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Only cases held by these departments (`None`: the whole jurisdiction).
    pub departments: Option<Vec<String>>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

impl ReportFilter {
    fn apply(&self, stmt: &mut SelectStatement, time: Expr) {
        if let Some(ds) = &self.departments {
            stmt.and_where(Expr::col(("c", "department_code")).is_in(ds.iter().cloned()));
        }
        if let Some(from) = self.from {
            stmt.and_where(time.clone().gte(from));
        }
        if let Some(until) = self.until {
            stmt.and_where(time.lt(until));
        }
    }
}

/// Open cases of one department and category (in one status: add them up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogRow {
    pub department_code: Option<String>,
    pub category_code: String,
    pub district_code: Option<String>,
    pub count: i64,
}

fn open_cases(
    jurisdiction_id: &str,
    open_statuses: &[String],
    f: &ReportFilter,
) -> SelectStatement {
    let mut stmt = Query::select()
        .from_as("cases", "c")
        .and_where(Expr::col(("c", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("c", "status")).is_in(open_statuses.iter().cloned()))
        .to_owned();
    // `requested_at + 0`: the period must not steer SQLite (which has no statistics and
    // takes `status IN (…)` for unselective) to the index on `requested_at`, which holds the
    // closed history too. Open cases are found by status; their times are read from the
    // same index.
    f.apply(&mut stmt, Expr::col(("c", "requested_at")).add(0i64));
    stmt
}

/// `COUNT(*)`: counting a column would read it, and `id` is in no statistics index.
fn count_all() -> Expr {
    Expr::cust("COUNT(*)")
}

/// Open cases received in the filter's period, by department and category.
///
/// Grouped by status first, the order of the index `cases_open_stats`: without that, SQLite's
/// planner (which has no statistics) prefers `cases_queue` and reads every case of the
/// jurisdiction, closed history included.
pub async fn backlog(
    db: &Db,
    jurisdiction_id: &str,
    open_statuses: &[String],
    f: &ReportFilter,
) -> Result<Vec<BacklogRow>, StoreError> {
    let stmt = open_cases(jurisdiction_id, open_statuses, f)
        .column(("c", "status"))
        .column(("c", "department_code"))
        .column(("c", "category_code"))
        .column(("c", "district_code"))
        .expr_as(count_all(), "n")
        .group_by_col(("c", "status"))
        .group_by_col(("c", "department_code"))
        .group_by_col(("c", "category_code"))
        .group_by_col(("c", "district_code"))
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(BacklogRow {
                department_code: r.get("department_code")?,
                category_code: r.get("category_code")?,
                district_code: r.get("district_code")?,
                count: r.get("n")?,
            })
        })
        .collect()
}

/// Where the open cases received in the filter's period are: the point of each that has one
/// (a pin on the map or the GPS of a photo), as `(lat, lon)`.
pub async fn open_points(
    db: &Db,
    jurisdiction_id: &str,
    open_statuses: &[String],
    f: &ReportFilter,
) -> Result<Vec<(f64, f64)>, StoreError> {
    let stmt = open_cases(jurisdiction_id, open_statuses, f)
        .column(("c", "lat"))
        .column(("c", "lon"))
        .and_where(Expr::col(("c", "lat")).is_not_null())
        .and_where(Expr::col(("c", "lon")).is_not_null())
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("lat")?, r.get("lon")?)))
        .collect()
}

/// Open cases received in the filter's period by age group: the bucket index counts up from
/// 0 for the first threshold a case is younger than (`requested_at > threshold`), and is
/// `thresholds.len()` for cases older than all. A bucket may come in several rows (one per
/// status).
pub async fn ageing(
    db: &Db,
    jurisdiction_id: &str,
    open_statuses: &[String],
    f: &ReportFilter,
    thresholds: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = open_cases(jurisdiction_id, open_statuses, f);
    let last = thresholds.len() as i64;
    let bucket = match thresholds.split_first() {
        None => Expr::val(0i64),
        Some((first, rest)) => {
            let mut case = Expr::case(Expr::col(("c", "requested_at")).gt(*first), 0i64);
            for (i, t) in rest.iter().enumerate() {
                case = case.case(Expr::col(("c", "requested_at")).gt(*t), i as i64 + 1);
            }
            case.finally(last).into()
        }
    };
    // By status first, as in `backlog`; the caller adds the statuses up.
    stmt.column(("c", "status"))
        .expr_as(bucket, "bucket")
        .expr_as(count_all(), "n")
        .group_by_col(("c", "status"))
        .group_by_col("bucket");
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("bucket")?, r.get("n")?)))
        .collect()
}

/// Resolved cases of one department and category with their resolution due date, and how
/// many of them were resolved by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceRow {
    pub department_code: Option<String>,
    pub category_code: String,
    pub resolved: i64,
    pub on_time: i64,
}

/// Cases resolved in the filter's period (by `closed_at`, the time of the last resolution)
/// that had a resolution due date (`expected_at`), by department and category.
pub async fn compliance(
    db: &Db,
    jurisdiction_id: &str,
    resolved_statuses: &[String],
    f: &ReportFilter,
) -> Result<Vec<ComplianceRow>, StoreError> {
    // COUNT of a CASE without ELSE counts the rows it holds for; a SUM would be NUMERIC on
    // PostgreSQL.
    let on_time = Func::count(Expr::case(
        Expr::col(("c", "closed_at")).lte(Expr::col(("c", "expected_at"))),
        1i64,
    ));
    let mut stmt = Query::select()
        .from_as("cases", "c")
        .column(("c", "department_code"))
        .column(("c", "category_code"))
        .expr_as(count_all(), "n")
        .expr_as(on_time, "on_time")
        .and_where(Expr::col(("c", "jurisdiction_id")).eq(jurisdiction_id))
        // Matches the partial index cases_resolved_sla.
        .and_where(Expr::col(("c", "expected_at")).is_not_null())
        .and_where(Expr::col(("c", "closed_at")).is_not_null())
        .and_where(Expr::col(("c", "status")).is_in(resolved_statuses.iter().cloned()))
        .group_by_col(("c", "department_code"))
        .group_by_col(("c", "category_code"))
        .to_owned();
    f.apply(&mut stmt, Expr::col(("c", "closed_at")));
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(ComplianceRow {
                department_code: r.get("department_code")?,
                category_code: r.get("category_code")?,
                resolved: r.get("n")?,
                on_time: r.get("on_time")?,
            })
        })
        .collect()
}

/// An open case on a supervision list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCase {
    pub case_number: String,
    pub category_code: String,
    pub urgency: String,
    pub department_code: Option<String>,
    pub status: String,
    pub sla_state: Option<String>,
    pub requested_at: i64,
    pub resolution_due_at: Option<i64>,
}

/// Which open cases a supervision list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// Past their resolution due date at `now`.
    Overdue { now: i64 },
    /// Not past their resolution due date at `now`, but flagged by SLA supervision
    /// (`sla_state` `at_risk`, or `breached` for a missed acknowledgement or first response).
    AtRisk { now: i64 },
}

fn watched(
    jurisdiction_id: &str,
    open_statuses: &[String],
    f: &ReportFilter,
    watch: Watch,
) -> SelectStatement {
    let mut stmt = open_cases(jurisdiction_id, open_statuses, f);
    let due = || Expr::col(("c", "resolution_due_at"));
    match watch {
        Watch::Overdue { now } => stmt.and_where(due().lt(now)),
        Watch::AtRisk { now } => stmt
            .cond_where(due().is_null().or(due().gte(now)))
            .and_where(Expr::col(("c", "sla_state")).is_in(["at_risk", "breached"])),
    };
    stmt
}

/// The open cases on a list, earliest resolution due date first (cases without one last),
/// at most `limit`, and how many there are in all.
pub async fn watch_list(
    db: &Db,
    jurisdiction_id: &str,
    open_statuses: &[String],
    f: &ReportFilter,
    watch: Watch,
    limit: u64,
) -> Result<(Vec<ListedCase>, i64), StoreError> {
    let list = list_statement(jurisdiction_id, open_statuses, f, watch, limit);
    let cases = db
        .fetch_all(&list)
        .await?
        .iter()
        .map(listed)
        .collect::<Result<Vec<_>, _>>()?;
    let total = if (cases.len() as u64) < limit {
        cases.len() as i64
    } else {
        let count = watched(jurisdiction_id, open_statuses, f, watch)
            .expr_as(count_all(), "n")
            .to_owned();
        db.fetch_all(&count)
            .await?
            .first()
            .map_or(Ok(0), |r| r.get("n"))?
    };
    Ok((cases, total))
}

fn list_statement(
    jurisdiction_id: &str,
    open_statuses: &[String],
    f: &ReportFilter,
    watch: Watch,
    limit: u64,
) -> SelectStatement {
    const NEVER: i64 = i64::MAX / 2;
    watched(jurisdiction_id, open_statuses, f, watch)
        .columns([
            ("c", "case_number"),
            ("c", "category_code"),
            ("c", "urgency"),
            ("c", "department_code"),
            ("c", "status"),
            ("c", "sla_state"),
            ("c", "requested_at"),
            ("c", "resolution_due_at"),
        ])
        // Func::coalesce, not a custom `COALESCE($1, $2)`: SQLite's builder does not number
        // its placeholders, so `$1` would reach SQLite as an unbound parameter.
        .order_by_expr(
            Func::coalesce([Expr::col(("c", "resolution_due_at")), Expr::val(NEVER)]).into(),
            Order::Asc,
        )
        .order_by(("c", "case_number"), Order::Asc)
        .limit(limit)
        .to_owned()
}

fn listed(r: &Row) -> Result<ListedCase, StoreError> {
    Ok(ListedCase {
        case_number: r.get("case_number")?,
        category_code: r.get("category_code")?,
        urgency: r.get("urgency")?,
        department_code: r.get("department_code")?,
        status: r.get("status")?,
        sla_state: r.get("sla_state")?,
        requested_at: r.get("requested_at")?,
        resolution_due_at: r.get("resolution_due_at")?,
    })
}

/// Answers of one score for one department's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub department_code: Option<String>,
    pub score: i64,
    pub count: i64,
}

/// Surveys answered in the filter's period, by the case's department and the score.
pub async fn ratings(
    db: &Db,
    jurisdiction_id: &str,
    f: &ReportFilter,
) -> Result<Vec<RatingRow>, StoreError> {
    let mut stmt = Query::select()
        .from_as("case_surveys", "s")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "cases",
            "c",
            Expr::col(("c", "id")).equals(("s", "case_id")),
        )
        .column(("c", "department_code"))
        .column(("s", "score"))
        .expr_as(count_all(), "n")
        .and_where(Expr::col(("s", "jurisdiction_id")).eq(jurisdiction_id))
        // Matches the partial index case_surveys_answered.
        .and_where(Expr::col(("s", "score")).is_not_null())
        .group_by_col(("c", "department_code"))
        .group_by_col(("s", "score"))
        .to_owned();
    f.apply(&mut stmt, Expr::col(("s", "submitted_at")));
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(RatingRow {
                department_code: r.get("department_code")?,
                score: r.get("score")?,
                count: r.get("n")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    /// Every value reaches the statement as a bound parameter of the backend's own syntax.
    #[test]
    fn lists_order_by_due_date_on_both_backends() {
        let f = ReportFilter::default();
        let stmt = list_statement("j", &["assigned".into()], &f, Watch::Overdue { now: 5 }, 10);
        let (sqlite, values) = stmt.build(SqliteQueryBuilder);
        assert!(
            sqlite.contains(r#"ORDER BY COALESCE("c"."resolution_due_at", ?) ASC"#),
            "{sqlite}"
        );
        assert!(!sqlite.contains('$'), "{sqlite}");
        assert_eq!(values.0.len(), 5, "{sqlite}");
        let (postgres, _) = stmt.build(PostgresQueryBuilder);
        assert!(
            postgres.contains(r#"COALESCE("c"."resolution_due_at", $4)"#),
            "{postgres}"
        );
    }
}
