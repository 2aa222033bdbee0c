//! The working state of cases: who holds them (department, field worker, co-signing
//! department), why they were routed there, their SLA due dates, and the queues built on them.
//! The case row is the materialised state; the events remain the source of truth.

use sea_query::{Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use store::{Db, Row, StoreError, Tx};

mod queue;
mod sla;
#[cfg(test)]
mod tests;

/// Re-exported: the queue and the SLA candidates are reads of the working state.
pub use queue::{QueueFilter, queue};
pub use sla::sla_candidates;

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
    /// Where the reporter placed it (WGS84), for staff: never published as it is.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
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
    pub fn of_new(c: &crate::store::cases::NewCase) -> WorkView {
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
            lat: c.lat,
            lon: c.lon,
        }
    }
}

const COLUMNS: [&str; 28] = [
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
    "lat",
    "lon",
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
        lat: r.get("lat")?,
        lon: r.get("lon")?,
    })
}

/// The most recently received cases of a jurisdiction, newest first.
pub async fn recent(
    db: &Db,
    jurisdiction_id: &str,
    limit: u64,
) -> Result<Vec<WorkView>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("requested_at", Order::Desc)
        .order_by("case_number", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
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
    if tx.backend() == store::Backend::Postgres {
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

/// A reporter's name and how to reach them, for staff who may call back.
#[derive(Debug, Clone, PartialEq)]
pub struct ReporterDetails {
    pub account_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The names and contact details of a case's reporters (and of the cases merged into it),
/// oldest first.
pub async fn reporter_details(
    tx: &mut Tx,
    case_id: &str,
) -> Result<Vec<ReporterDetails>, StoreError> {
    let mut stmt = reporters_query(case_id);
    stmt.columns(["first_name", "last_name", "created_at"])
        .order_by("created_at", Order::Asc);
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            let first: Option<String> = r.get("first_name")?;
            let last: Option<String> = r.get("last_name")?;
            // Chinese names are written surname first, without a space; others given first.
            let name = match (
                last.filter(|s| !s.trim().is_empty()),
                first.filter(|s| !s.trim().is_empty()),
            ) {
                (Some(l), Some(f)) if l.is_ascii() && f.is_ascii() => Some(format!("{f} {l}")),
                (Some(l), Some(f)) => Some(format!("{l}{f}")),
                (one, other) => one.or(other),
            };
            Ok(ReporterDetails {
                account_id: r.get("account_id")?,
                name,
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

/// Whose reports a citizen sees as theirs: those made signed in to their account, and those
/// made without an account with the e-mail address or mobile number the account verified.
#[derive(Debug, Clone, Default)]
pub struct ReporterKeys {
    pub account_id: String,
    /// Lower-case.
    pub email: Option<String>,
    /// The caller-number key (`CallerNumber::key`).
    pub phone_key: Option<String>,
}

fn reported_by_keys(jurisdiction_id: &str, keys: &ReporterKeys) -> SelectStatement {
    let mut anonymous = Cond::any();
    if let Some(e) = &keys.email {
        anonymous = anonymous.add(Func::lower(Expr::col("email")).eq(e.as_str()));
    }
    if let Some(k) = &keys.phone_key {
        anonymous = anonymous.add(Expr::col("phone_key").eq(k.as_str()));
    }
    let mut by = Cond::any().add(Expr::col("account_id").eq(keys.account_id.as_str()));
    if !anonymous.is_empty() {
        by = by.add(
            Cond::all()
                .add(Expr::col("account_id").is_null())
                .add(anonymous),
        );
    }
    Query::select()
        .column("case_id")
        .from("case_reporters")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .cond_where(by)
        .to_owned()
}

/// The cases a citizen reported (see [`ReporterKeys`]), newest first.
pub async fn reported_by(
    db: &Db,
    jurisdiction_id: &str,
    keys: &ReporterKeys,
    limit: u64,
) -> Result<Vec<WorkView>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").in_subquery(reported_by_keys(jurisdiction_id, keys)))
        .order_by("requested_at", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// The case with this number, if the citizen reported it (see [`ReporterKeys`]).
pub async fn reported_case(
    db: &Db,
    jurisdiction_id: &str,
    keys: &ReporterKeys,
    case_number: &str,
) -> Result<Option<WorkView>, StoreError> {
    let stmt = by_number(jurisdiction_id, case_number)
        .and_where(Expr::col("id").in_subquery(reported_by_keys(jurisdiction_id, keys)))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
