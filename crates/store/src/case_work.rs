//! The working state of cases: who holds them (department, field worker, co-signing
//! department), why they were routed there, their SLA due dates, and the queues built on them.
//! The case row is the materialised state; the events remain the source of truth.

use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement};

/// Read from a row by name, or from an array of [`COLUMNS`] (`Deserialize` takes the fields
/// in declaration order, so the two lists must agree).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct WorkView {
    pub id: String,
    pub jurisdiction_id: String,
    pub case_number: String,
    pub category_code: String,
    pub status: String,
    pub outcome: Option<String>,
    pub urgency: String,
    pub department_code: Option<String>,
    pub assignee_id: Option<String>,
    pub cosign_department_code: Option<String>,
    pub district_code: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub attributes: String,
    pub status_notes: Option<String>,
    pub routing: Option<String>,
    pub triage: Option<String>,
    pub ack_due_at: Option<i64>,
    pub response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub sla_state: Option<String>,
    pub merged_into: Option<String>,
    pub requested_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub media_urls: String,
}

/// `queue_due` of a case without a resolution due date: after every real one.
pub const NO_DUE_DATE: i64 = i64::MAX / 2;

impl WorkView {
    /// The case's place in a queue by due date (the generated column `queue_due`): its
    /// resolution due date, or [`NO_DUE_DATE`]. With the case number, a queue's cursor.
    pub fn queue_due(&self) -> i64 {
        self.resolution_due_at.unwrap_or(NO_DUE_DATE)
    }

    /// The working state of a case just inserted from `c`, exactly as [`find`] would read it
    /// back: intake needs it for the case's first webhook event, and a read-back would cost
    /// the filing's transaction another round trip.
    pub fn of_new(c: &crate::cases::NewCase) -> WorkView {
        WorkView {
            id: c.id.clone(),
            jurisdiction_id: c.jurisdiction_id.clone(),
            case_number: c.case_number.clone(),
            category_code: c.category_code.clone(),
            status: c.status.clone(),
            outcome: None,
            urgency: c.urgency.clone(),
            department_code: c.department_code.clone(),
            assignee_id: None,
            cosign_department_code: None,
            district_code: c.district_code.clone(),
            description: c.description.clone(),
            address: c.address.clone(),
            attributes: c.attributes.clone(),
            status_notes: c.status_notes.clone(),
            routing: c.routing.clone(),
            triage: c.triage.clone(),
            ack_due_at: c.ack_due_at,
            response_due_at: c.response_due_at,
            resolution_due_at: c.resolution_due_at,
            sla_state: c.sla_state.clone(),
            merged_into: None,
            requested_at: c.requested_at,
            updated_at: c.requested_at,
            closed_at: None,
            media_urls: c.media_urls.clone(),
        }
    }
}

const COLUMNS: [&str; 26] = [
    "id",
    "jurisdiction_id",
    "case_number",
    "category_code",
    "status",
    "outcome",
    "urgency",
    "department_code",
    "assignee_id",
    "cosign_department_code",
    "district_code",
    "description",
    "address",
    "attributes",
    "status_notes",
    "routing",
    "triage",
    "ack_due_at",
    "response_due_at",
    "resolution_due_at",
    "sla_state",
    "merged_into",
    "requested_at",
    "updated_at",
    "closed_at",
    "media_urls",
];

fn from_row(r: &Row) -> Result<WorkView, StoreError> {
    Ok(WorkView {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        case_number: r.get("case_number")?,
        category_code: r.get("category_code")?,
        status: r.get("status")?,
        outcome: r.get("outcome")?,
        urgency: r.get("urgency")?,
        department_code: r.get("department_code")?,
        assignee_id: r.get("assignee_id")?,
        cosign_department_code: r.get("cosign_department_code")?,
        district_code: r.get("district_code")?,
        description: r.get("description")?,
        address: r.get("address")?,
        attributes: r.get("attributes")?,
        status_notes: r.get("status_notes")?,
        routing: r.get("routing")?,
        triage: r.get("triage")?,
        ack_due_at: r.get("ack_due_at")?,
        response_due_at: r.get("response_due_at")?,
        resolution_due_at: r.get("resolution_due_at")?,
        sla_state: r.get("sla_state")?,
        merged_into: r.get("merged_into")?,
        requested_at: r.get("requested_at")?,
        updated_at: r.get("updated_at")?,
        closed_at: r.get("closed_at")?,
        media_urls: r.get("media_urls")?,
    })
}

/// One case of a jurisdiction, by `column` (`case_number` or `id`).
fn one_case(jurisdiction_id: &str, column: &'static str, value: &str) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col(column).eq(value))
        .to_owned()
}

fn by_number(jurisdiction_id: &str, case_number: &str) -> SelectStatement {
    one_case(jurisdiction_id, "case_number", case_number)
}

pub async fn find(
    db: &Db,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<Option<WorkView>, StoreError> {
    db.fetch_optional(&by_number(jurisdiction_id, case_number))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A case by its id (not its number).
pub async fn find_by_id(
    db: &Db,
    jurisdiction_id: &str,
    case_id: &str,
) -> Result<Option<WorkView>, StoreError> {
    db.fetch_optional(&one_case(jurisdiction_id, "id", case_id))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The case, locked until the transaction ends (PostgreSQL; SQLite's write lock serialises).
pub async fn find_for_update(
    tx: &mut Tx,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<Option<WorkView>, StoreError> {
    let mut stmt = by_number(jurisdiction_id, case_number);
    if tx.backend() == crate::Backend::Postgres {
        stmt.lock(sea_query::LockType::Update);
    }
    tx.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Changes to the working state; `None` keeps a column.
#[derive(Debug, Clone, Default)]
pub struct WorkUpdate {
    pub department_code: Option<Option<String>>,
    pub assignee_id: Option<Option<String>>,
    pub cosign_department_code: Option<Option<String>>,
    pub urgency: Option<String>,
    pub routing: Option<Option<String>>,
    pub triage: Option<Option<String>>,
    pub ack_due_at: Option<Option<i64>>,
    pub response_due_at: Option<Option<i64>>,
    pub resolution_due_at: Option<Option<i64>>,
    /// The due date shown to the citizen and to Open311 clients (`expected_datetime`).
    pub expected_at: Option<Option<i64>>,
    pub sla_state: Option<Option<String>>,
    pub merged_into: Option<Option<String>>,
}

pub async fn update(tx: &mut Tx, case_id: &str, u: &WorkUpdate, at: i64) -> Result<(), StoreError> {
    let mut stmt = Query::update();
    stmt.table("cases").value("updated_at", at);
    let text = [
        ("department_code", &u.department_code),
        ("assignee_id", &u.assignee_id),
        ("cosign_department_code", &u.cosign_department_code),
        ("routing", &u.routing),
        ("triage", &u.triage),
        ("sla_state", &u.sla_state),
        ("merged_into", &u.merged_into),
    ];
    for (column, value) in text {
        if let Some(v) = value {
            stmt.value(column, v.clone());
        }
    }
    let times = [
        ("ack_due_at", u.ack_due_at),
        ("response_due_at", u.response_due_at),
        ("resolution_due_at", u.resolution_due_at),
        ("expected_at", u.expected_at),
    ];
    for (column, value) in times {
        if let Some(v) = value {
            stmt.value(column, v);
        }
    }
    if let Some(v) = &u.urgency {
        stmt.value("urgency", v.clone());
    }
    stmt.and_where(Expr::col("id").eq(case_id));
    tx.execute(&stmt).await?;
    Ok(())
}

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
            .all(|s| domain::lifecycle::CaseStatus::parse(s).is_some_and(|s| !s.is_final()))
    })
}

/// The queue's SQL. It orders by the generated columns `queue_rank` (0 breached, 1 at risk,
/// 2 the rest; NULL once a case is final) and `queue_due` (the resolution due date, cases
/// without one last), which the partial indexes `cases_queue_by_due` and `cases_queue_by_risk`
/// hold for open cases (migration 0011): a page of open cases reads its rows in index order
/// instead of sorting every open case in scope.
fn queue_statement(jurisdiction_id: &str, f: &QueueFilter) -> SelectStatement {
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

/// How to reach the people who reported a case (never shown publicly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterContact {
    pub account_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The reporters of a case and of the cases merged into it.
pub async fn reporters(tx: &mut Tx, case_id: &str) -> Result<Vec<ReporterContact>, StoreError> {
    let stmt = reporters_query(case_id);
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(ReporterContact {
                account_id: r.get("account_id")?,
                email: r.get("email")?,
                phone: r.get("phone")?,
            })
        })
        .collect()
}

/// Runs at every filing, inside its write transaction: it must not scan `cases`.
fn reporters_query(case_id: &str) -> SelectStatement {
    let merged = Query::select()
        .column("id")
        .from("cases")
        .and_where(Expr::col("merged_into").eq(case_id))
        .to_owned();
    Query::select()
        .columns(["account_id", "email", "phone"])
        .from("case_reporters")
        .cond_where(
            Expr::col("case_id")
                .eq(case_id)
                .or(Expr::col("case_id").in_subquery(merged)),
        )
        .to_owned()
}

/// A case's events as the SLA clocks read them: kind, new status, time, public, data.
pub type EventRow = (String, Option<String>, i64, bool, String);

fn events_query(case_id: &str) -> SelectStatement {
    Query::select()
        .columns(["kind", "to_status", "created_at", "public", "data"])
        .from("case_events")
        .and_where(Expr::col("case_id").eq(case_id))
        .order_by("chain_seq", Order::Asc)
        .to_owned()
}

fn event_row(r: &Row) -> Result<EventRow, StoreError> {
    Ok((
        r.get("kind")?,
        r.get("to_status")?,
        r.get("created_at")?,
        r.get("public")?,
        r.get("data")?,
    ))
}

/// The events of one case inside a transaction, oldest first.
pub async fn events_in(tx: &mut Tx, case_id: &str) -> Result<Vec<EventRow>, StoreError> {
    tx.fetch_all(&events_query(case_id))
        .await?
        .iter()
        .map(event_row)
        .collect()
}

/// The events of one case, oldest first, read outside any transaction.
pub async fn events(db: &Db, case_id: &str) -> Result<Vec<EventRow>, StoreError> {
    db.fetch_all(&events_query(case_id))
        .await?
        .iter()
        .map(event_row)
        .collect()
}

/// The category and urgency of a case, inside a transaction.
pub async fn category_and_urgency(
    tx: &mut Tx,
    case_id: &str,
) -> Result<(String, String), StoreError> {
    let stmt = Query::select()
        .columns(["category_code", "urgency"])
        .from("cases")
        .and_where(Expr::col("id").eq(case_id))
        .to_owned();
    let row = tx.fetch_one(&stmt).await?;
    Ok((row.get("category_code")?, row.get("urgency")?))
}

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

fn sla_candidates_statement(
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

/// Cases after `(due, number)` in the queue's order by due date: a row value, which both
/// backends walk the index from (an OR of the two comparisons would be read from the start
/// of the queue and filtered).
fn after_in_queue(due: i64, number: &str) -> Expr {
    Expr::tuple([Expr::col("queue_due"), Expr::col("case_number")])
        .gt(Expr::tuple([Expr::val(due), Expr::val(number)]))
}

/// Active staff holding a role in the jurisdiction (e.g. the supervisors to warn).
pub async fn staff_with_role(
    db: &Db,
    jurisdiction_id: &str,
    role: &str,
) -> Result<Vec<String>, StoreError> {
    let stmt = Query::select()
        .column(("a", "id"))
        .from_as("accounts", "a")
        .inner_join(
            sea_query::Alias::new("account_roles"),
            Expr::col((
                sea_query::Alias::new("account_roles"),
                sea_query::Alias::new("account_id"),
            ))
            .equals(("a", "id")),
        )
        .and_where(Expr::col(("a", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("a", "status")).eq("active"))
        .and_where(
            Expr::col((
                sea_query::Alias::new("account_roles"),
                sea_query::Alias::new("role"),
            ))
            .eq(role),
        )
        .distinct()
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect()
}

/// An open case that a new report may duplicate.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCase {
    pub id: String,
    pub case_number: String,
    pub status: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub requested_at: i64,
}

/// Open cases of a category filed since `since`, newest first.
pub async fn recent_open_in_category(
    db: &Db,
    jurisdiction_id: &str,
    category: &str,
    since: i64,
    open_statuses: &[String],
    limit: u64,
) -> Result<Vec<OpenCase>, StoreError> {
    let stmt = Query::select()
        .columns([
            "id",
            "case_number",
            "status",
            "lat",
            "lon",
            "address",
            "requested_at",
        ])
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("category_code").eq(category))
        .and_where(Expr::col("requested_at").gte(since))
        .and_where(Expr::col("status").is_in(open_statuses.iter().cloned()))
        .order_by("requested_at", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(OpenCase {
                id: r.get("id")?,
                case_number: r.get("case_number")?,
                status: r.get("status")?,
                lat: r.get("lat")?,
                lon: r.get("lon")?,
                address: r.get("address")?,
                requested_at: r.get("requested_at")?,
            })
        })
        .collect()
}

/// The cases an account reported, newest first.
pub async fn reported_by(
    db: &Db,
    jurisdiction_id: &str,
    account_id: &str,
    limit: u64,
) -> Result<Vec<WorkView>, StoreError> {
    let reported = Query::select()
        .column("case_id")
        .from("case_reporters")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").in_subquery(reported))
        .order_by("requested_at", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_orders_by_risk_and_due_date_with_bound_values() {
        let f = QueueFilter {
            by_risk: true,
            text: Some("50%_路燈".into()),
            after: Some((1, "2026112400001".into())),
            limit: 10,
            ..QueueFilter::default()
        };
        let (sql, values) = sea_query_sqlx::SqlxBinder::build_sqlx(
            &queue_statement("j", &f),
            sea_query::SqliteQueryBuilder,
        );
        assert!(!sql.contains('$'), "every placeholder is bound: {sql}");
        assert!(
            sql.contains(r#"ORDER BY "queue_rank" ASC, "queue_due" ASC, "case_number" ASC"#),
            "{sql}"
        );
        assert!(sql.contains(r#""queue_rank" IS NOT NULL"#), "{sql}");
        assert!(
            format!("{values:?}").contains(r"%50!%!_路燈%"),
            "{values:?}"
        );
        let (pg, _) = sea_query_sqlx::SqlxBinder::build_sqlx(
            &queue_statement("j", &f),
            sea_query::PostgresQueryBuilder,
        );
        assert!(!pg.contains('?'), "every placeholder is bound: {pg}");
    }

    use sea_query::SqliteQueryBuilder;

    /// A migrated database holding the test city, and a transaction open to add its cases.
    async fn city_db() -> (tempfile::TempDir, Db, Tx) {
        let (dir, db) = crate::db::testing::sqlite_db().await;
        let mut tx = db.begin().await.unwrap();
        crate::catalog::upsert_jurisdiction(&mut tx, &city())
            .await
            .unwrap();
        (dir, db, tx)
    }

    /// The plan SQLite chooses for `stmt`, with its values bound, over a city's worth of
    /// cases (the planner's choice depends on the table's size): 20,000 of `status`,
    /// analysed, then changed by `then`.
    async fn plan_among_many_cases(
        status: &str,
        then: &str,
        stmt: &SelectStatement,
    ) -> Vec<String> {
        let (_dir, db) = crate::db::testing::sqlite_db().await;
        let Db::Sqlite(pool, _) = &db else {
            unreachable!("a SQLite URL")
        };
        let mut conn = pool.acquire().await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "PRAGMA foreign_keys = OFF;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
             INSERT INTO cases (id, jurisdiction_id, case_number, category_code, status, urgency,
                                channel, description, password_hash, requested_at, updated_at)
             SELECT 'c' || i, 'j', printf('2026112%06d', i), 'x', '{status}', 'normal', 'web',
                    '', '', i, i FROM n;
             ANALYZE;
             {then}"
        )))
        .execute(&mut *conn)
        .await
        .unwrap();
        let (sql, values) = sea_query_sqlx::SqlxBinder::build_sqlx(stmt, SqliteQueryBuilder);
        let plan = sqlx::query_with(
            sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")),
            values,
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::get::<String, _>(r, 3))
        .collect();
        drop(conn);
        db.close().await;
        plan
    }

    /// A full scan here once made intake slow down as cases accumulated (it runs inside the
    /// filing's write transaction, so every writer waited for it).
    #[tokio::test]
    async fn finding_the_reporters_of_a_case_uses_indexes_only() {
        let plan = plan_among_many_cases("open", "", &reporters_query("c1")).await;
        assert!(!plan.is_empty());
        assert!(
            plan.iter().all(|line| !line.starts_with("SCAN")),
            "{plan:#?}"
        );
    }

    fn city() -> domain::catalog::Jurisdiction {
        domain::catalog::Jurisdiction {
            id: "j".into(),
            name: domain::locale::Localized::new("市", "City"),
            timezone: "Asia/Taipei".into(),
            utc_offset_minutes: 480,
            contact: "1999".into(),
            key_service: String::new(),
            bounds: None,
        }
    }

    fn new_case(n: u32, sla_state: &str, due: Option<i64>) -> crate::cases::NewCase {
        crate::cases::NewCase {
            id: format!("c{n}"),
            jurisdiction_id: "j".into(),
            case_number: format!("202611240000{n:02}"),
            token: None,
            category_code: "1999-L01".into(),
            status: "assigned".into(),
            urgency: "P3".into(),
            department_code: Some("TPWD".into()),
            channel: "web".into(),
            description: format!("路燈 {n}"),
            address: None,
            address_id: None,
            zipcode: None,
            district_code: None,
            lat: Some(25.03396412345679),
            lon: None,
            attributes: "[]".into(),
            media_urls: "[]".into(),
            status_notes: None,
            password_hash: "h".into(),
            api_client_id: None,
            requested_at: 1_790_000_000,
            expected_at: None,
            routing: None,
            triage: None,
            sla_state: Some(sla_state.into()),
            ack_due_at: None,
            response_due_at: None,
            resolution_due_at: due,
        }
    }

    /// A city's cases are nearly all closed (after an import, all of them were when the
    /// statistics were taken). A queue page (and a page of SLA supervision's pass) must find
    /// its few open ones through an index, in the queue's order (no sort of every open case), whatever the planner may know of the
    /// values bound to it (see `.cargo/config.toml`: one build of SQLite scanned the table
    /// here).
    #[tokio::test]
    async fn the_queue_reads_a_page_in_index_order_among_many_closed_cases() {
        let page = QueueFilter {
            limit: 100,
            ..QueueFilter::default()
        };
        let queues = [
            ("by due date", page.clone()),
            (
                "by risk",
                QueueFilter {
                    by_risk: true,
                    ..page.clone()
                },
            ),
            (
                "a department's, after a cursor",
                QueueFilter {
                    departments: Some(vec!["TPWD".into(), "TPPD".into()]),
                    after: Some((1_790_000_000, "20261124000100".into())),
                    ..page.clone()
                },
            ),
            (
                "in progress, by risk",
                QueueFilter {
                    statuses: Some(vec!["in_progress".into()]),
                    by_risk: true,
                    ..page.clone()
                },
            ),
        ];
        let after = (1_790_000_000, "20261124000100".to_string());
        let statements = queues
            .into_iter()
            .map(|(name, f)| (name, queue_statement("j", &f)))
            .chain([(
                "SLA supervision's candidates, after a cursor",
                sla_candidates_statement("j", 1_800_000_000, Some(&after), 500),
            )]);
        for (name, stmt) in statements {
            let plan = plan_among_many_cases(
                "closed",
                "UPDATE cases SET status = 'assigned', resolution_due_at = requested_at WHERE rowid % 1000 = 0;",
                &stmt,
            )
            .await;
            assert!(
                plan.iter()
                    .any(|line| line.starts_with("SEARCH cases USING INDEX cases_queue_by")),
                "{name}: {plan:#?}"
            );
            assert!(
                plan.iter().all(|line| !line.contains("TEMP B-TREE")),
                "{name}: {plan:#?}"
            );
        }
    }

    /// `queue_rank` (migration 0011) decides which cases a queue holds: NULL exactly for the
    /// final statuses of the lifecycle, and otherwise the SLA risk.
    #[tokio::test]
    async fn queue_rank_agrees_with_the_lifecycle() {
        use domain::lifecycle::CaseStatus;
        let (_dir, db, mut tx) = city_db().await;
        let sla_states = [("breached", 0), ("at_risk", 1), ("running", 2), ("met", 2)];
        let mut n = 0;
        let mut expected = Vec::new();
        for status in CaseStatus::ALL {
            for (sla, rank) in sla_states {
                n += 1;
                let mut c = new_case(n, sla, None);
                c.status = status.as_str().into();
                crate::cases::insert(&mut tx, &c).await.unwrap();
                let rank = (!status.is_final()).then_some(rank);
                expected.push((c.case_number, status.as_str(), sla, rank));
            }
        }
        tx.commit().await.unwrap();
        let stmt = Query::select()
            .columns(["case_number", "queue_rank"])
            .from("cases")
            .order_by("case_number", Order::Asc)
            .to_owned();
        let read: Vec<(String, Option<i64>)> = db
            .fetch_all(&stmt)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("case_number").unwrap(), r.get("queue_rank").unwrap()))
            .collect();
        let want: Vec<(String, Option<i64>)> = expected
            .iter()
            .map(|(number, _, _, rank)| (number.clone(), *rank))
            .collect();
        assert_eq!(read, want, "{expected:#?}");
        db.close().await;
    }

    /// The queue is read as one JSON page; it must keep the order the SQL sorts by.
    #[tokio::test]
    async fn the_queue_keeps_its_order_by_risk_and_due_date() {
        let (_dir, db, mut tx) = city_db().await;
        let cases = [
            new_case(1, "running", Some(300)),
            new_case(2, "breached", Some(500)),
            new_case(3, "running", None),
            new_case(4, "at_risk", Some(400)),
            new_case(5, "running", Some(100)),
            new_case(6, "breached", Some(200)),
            new_case(7, "running", Some(100)),
        ];
        for c in &cases {
            crate::cases::insert(&mut tx, c).await.unwrap();
        }
        tx.commit().await.unwrap();
        let numbers = |by_risk: bool| {
            let db = db.clone();
            async move {
                let f = QueueFilter {
                    by_risk,
                    limit: 10,
                    ..QueueFilter::default()
                };
                queue(&db, "j", &f)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|w| w.case_number[10..].to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        assert_eq!(numbers(false).await, "0005 0007 0006 0001 0004 0002 0003");
        assert_eq!(numbers(true).await, "0006 0002 0004 0005 0007 0001 0003");
        let read = queue(
            &db,
            "j",
            &QueueFilter {
                limit: 1,
                ..QueueFilter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(read, vec![WorkView::of_new(&cases[4])]);
        db.close().await;
    }

    #[tokio::test]
    async fn the_view_of_a_new_case_is_what_reading_it_back_gives() {
        let (_dir, db, mut tx) = city_db().await;
        // Every optional column filled, so that a field the view forgot shows up.
        let new = crate::cases::NewCase {
            id: "c1".into(),
            jurisdiction_id: "j".into(),
            case_number: "20261124000001".into(),
            token: Some("t".into()),
            category_code: "1999-L01".into(),
            status: "assigned".into(),
            urgency: "P3".into(),
            department_code: Some("TPWD".into()),
            channel: "web".into(),
            description: "路燈不亮".into(),
            address: Some("中正區重慶南路一段122號".into()),
            address_id: Some("a".into()),
            zipcode: Some("100".into()),
            district_code: Some("100".into()),
            lat: Some(25.04),
            lon: Some(121.51),
            attributes: r#"[{"code":"lamps_out","value":2}]"#.into(),
            media_urls: r#"["https://example.org/1.jpg"]"#.into(),
            status_notes: Some("n".into()),
            password_hash: "h".into(),
            api_client_id: None,
            requested_at: 1_790_000_000,
            expected_at: Some(1_790_500_000),
            routing: Some(r#"{"rule":"r"}"#.into()),
            triage: Some(r#"{"rule":"t"}"#.into()),
            sla_state: Some("running".into()),
            ack_due_at: Some(1_790_003_600),
            response_due_at: Some(1_790_086_400),
            resolution_due_at: Some(1_790_400_000),
        };
        crate::cases::insert(&mut tx, &new).await.unwrap();
        tx.commit().await.unwrap();
        let read = find(&db, "j", "20261124000001").await.unwrap();
        assert_eq!(read, Some(WorkView::of_new(&new)));
        db.close().await;
    }
}
