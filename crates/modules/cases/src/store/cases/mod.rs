//! Cases: the materialised current state of each case (its history is in `events`), the people
//! who reported it, and the queries Open311 and the REST API run over them.

use crate::domain::case_number::CaseNumber;
use domain::geo::{PublicGrid, RadiusFilter};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use store::{Backend, Db, Row, StoreError, Tx};

mod imported;
mod listing;

pub use imported::*;
pub use listing::*;

/// A case to insert. JSON columns are already encoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCase {
    pub id: String,
    pub jurisdiction_id: String,
    pub case_number: String,
    pub token: Option<String>,
    pub category_code: String,
    pub status: String,
    pub urgency: String,
    pub department_code: Option<String>,
    pub channel: String,
    pub description: String,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub district_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub attributes: String,
    pub media_urls: String,
    pub status_notes: Option<String>,
    pub password_hash: String,
    pub api_client_id: Option<String>,
    pub requested_at: i64,
    pub expected_at: Option<i64>,
    /// How intake routed and triaged it (JSON), as `case_work` stores them.
    pub routing: Option<String>,
    pub triage: Option<String>,
    /// The SLA clocks at filing: their state label and the due times of the open clocks.
    pub sla_state: Option<String>,
    pub ack_due_at: Option<i64>,
    pub response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
}

/// Personal data of a reporter. Stored apart from the case and never shown publicly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reporter {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub device_id: Option<String>,
    /// The reporter's own citizen account (a signed-in web report).
    pub account_id: Option<String>,
    /// An API client's own identifier for its user (Open311 `account_id`), prefixed with the
    /// client's id: `{api_client_id}:{account_id}`. Never an account of ours.
    pub client_reference: Option<String>,
}

impl Reporter {
    pub fn is_empty(&self) -> bool {
        *self == Reporter::default()
    }
}

/// A case as read back, with the names of its category and department.
///
/// Read from a row by name, or from an array of [`VIEW_FIELDS`] (`Deserialize` takes the
/// fields in declaration order, so the two lists must agree).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct CaseView {
    pub id: String,
    pub case_number: String,
    pub token: Option<String>,
    pub category_code: String,
    pub category_name_zh: Option<String>,
    pub category_name_en: Option<String>,
    pub status: String,
    pub outcome: Option<String>,
    pub urgency: String,
    pub department_code: Option<String>,
    pub department_name_zh: Option<String>,
    pub department_name_en: Option<String>,
    pub channel: String,
    pub description: String,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub district_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub attributes: String,
    pub media_urls: String,
    pub status_notes: Option<String>,
    pub requested_at: i64,
    pub updated_at: i64,
    pub expected_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// Takes the next number in the jurisdiction's daily sequence for local date `day`
/// (`YYYYMMDD`). The counter row is locked until the transaction ends.
#[cfg(feature = "testkit")]
pub async fn next_case_number(
    tx: &mut Tx,
    jurisdiction_id: &str,
    day: &str,
) -> Result<CaseNumber, StoreError> {
    let mut numbers = next_case_numbers(tx, jurisdiction_id, day, 1).await?;
    numbers
        .pop()
        .ok_or_else(|| StoreError::NoCaseNumber(day.to_string()))
}

/// Takes the next `n` numbers (`n` ≥ 1) of the jurisdiction's daily sequence for local date
/// `day` with one statement, in order. The counter row is locked until the transaction ends.
pub async fn next_case_numbers(
    tx: &mut Tx,
    jurisdiction_id: &str,
    day: &str,
    n: u32,
) -> Result<Vec<CaseNumber>, StoreError> {
    let n = i64::from(std::cmp::Ord::max(n, 1));
    let stmt = Query::insert()
        .into_table("case_number_counters")
        .columns(["jurisdiction_id", "day", "last"])
        .values_panic([jurisdiction_id.into(), day.into(), n.into()])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "day"])
                .value("last", Expr::col(("case_number_counters", "last")).add(n))
                .to_owned(),
        )
        .returning_col("last")
        .to_owned();
    let last: i64 = tx.fetch_one(&stmt).await?.get("last")?;
    // The sequence never runs out: past the Taipei form's 99,999 a day it widens
    // (`crate::domain::case_number`), and the counter is 64-bit on both backends.
    (last - n + 1..=last)
        .map(|k| {
            u64::try_from(k)
                .ok()
                .and_then(|k| CaseNumber::new(day, k))
                .ok_or_else(|| StoreError::NoCaseNumber(day.to_string()))
        })
        .collect()
}

#[cfg(any(test, feature = "testkit"))]
pub async fn insert(tx: &mut Tx, c: &NewCase) -> Result<(), StoreError> {
    insert_many(tx, std::slice::from_ref(c)).await
}

/// Inserts new cases with as few statements as the backend's bound-parameter limit allows
/// (one for a batch of filings).
pub async fn insert_many(tx: &mut Tx, cases: &[NewCase]) -> Result<(), StoreError> {
    for chunk in cases.chunks(rows_per_statement(tx.backend(), NEW_CASE_COLUMNS)) {
        let mut stmt = Query::insert();
        stmt.into_table("cases").columns([
            "id",
            "jurisdiction_id",
            "case_number",
            "token",
            "category_code",
            "status",
            "urgency",
            "department_code",
            "channel",
            "description",
            "address",
            "address_id",
            "zipcode",
            "district_code",
            "lat",
            "lon",
            "attributes",
            "media_urls",
            "status_notes",
            "password_hash",
            "api_client_id",
            "requested_at",
            "updated_at",
            "expected_at",
            "routing",
            "triage",
            "sla_state",
            "ack_due_at",
            "response_due_at",
            "resolution_due_at",
        ]);
        for c in chunk {
            stmt.values_panic([
                c.id.clone().into(),
                c.jurisdiction_id.clone().into(),
                c.case_number.clone().into(),
                c.token.clone().into(),
                c.category_code.clone().into(),
                c.status.clone().into(),
                c.urgency.clone().into(),
                c.department_code.clone().into(),
                c.channel.clone().into(),
                c.description.clone().into(),
                c.address.clone().into(),
                c.address_id.clone().into(),
                c.zipcode.clone().into(),
                c.district_code.clone().into(),
                c.lat.into(),
                c.lon.into(),
                c.attributes.clone().into(),
                c.media_urls.clone().into(),
                c.status_notes.clone().into(),
                c.password_hash.clone().into(),
                c.api_client_id.clone().into(),
                c.requested_at.into(),
                c.requested_at.into(),
                c.expected_at.into(),
                c.routing.clone().into(),
                c.triage.clone().into(),
                c.sla_state.clone().into(),
                c.ack_due_at.into(),
                c.response_due_at.into(),
                c.resolution_due_at.into(),
            ]);
        }
        tx.execute(&stmt).await?;
    }
    Ok(())
}

/// The columns [`insert_many`] binds per case.
const NEW_CASE_COLUMNS: usize = 30;

pub async fn insert_reporter(
    tx: &mut Tx,
    id: &str,
    jurisdiction_id: &str,
    case_id: &str,
    r: &Reporter,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("case_reporters")
        .columns([
            "id",
            "jurisdiction_id",
            "case_id",
            "email",
            "phone",
            "first_name",
            "last_name",
            "device_id",
            "account_id",
            "client_reference",
            "created_at",
        ])
        .values_panic([
            id.into(),
            jurisdiction_id.into(),
            case_id.into(),
            r.email.clone().into(),
            r.phone.clone().into(),
            r.first_name.clone().into(),
            r.last_name.clone().into(),
            r.device_id.clone().into(),
            r.account_id.clone().into(),
            r.client_reference.clone().into(),
            at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Changes the materialised state of a case after an event was appended.
#[derive(Debug, Clone, Default)]
pub struct CaseUpdate {
    pub status: Option<String>,
    pub outcome: Option<Option<String>>,
    pub department_code: Option<Option<String>>,
    pub status_notes: Option<Option<String>>,
    pub expected_at: Option<Option<i64>>,
    pub closed_at: Option<Option<i64>>,
    pub media_urls: Option<String>,
}

pub async fn update(
    tx: &mut Tx,
    jurisdiction_id: &str,
    case_id: &str,
    u: &CaseUpdate,
    at: i64,
) -> Result<(), StoreError> {
    let mut stmt = Query::update();
    stmt.table("cases").value("updated_at", at);
    if let Some(s) = &u.status {
        stmt.value("status", s.clone());
    }
    if let Some(o) = &u.outcome {
        stmt.value("outcome", o.clone());
    }
    if let Some(d) = &u.department_code {
        stmt.value("department_code", d.clone());
    }
    if let Some(n) = &u.status_notes {
        stmt.value("status_notes", n.clone());
    }
    if let Some(e) = u.expected_at {
        stmt.value("expected_at", e);
    }
    if let Some(c) = u.closed_at {
        stmt.value("closed_at", c);
    }
    if let Some(m) = &u.media_urls {
        stmt.value("media_urls", m.clone());
    }
    stmt.and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(case_id));
    tx.execute(&stmt).await?;
    Ok(())
}

/// The case number a batch token resolved to.
pub async fn number_for_token(
    db: &Db,
    jurisdiction_id: &str,
    token: &str,
) -> Result<Option<String>, StoreError> {
    let q = Query::select()
        .column("case_number")
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("token").eq(token))
        .to_owned();
    db.fetch_optional(&q)
        .await?
        .map(|r| r.get("case_number"))
        .transpose()
}

/// Counts the cases of a jurisdiction (used by the demo to seed only once).
pub async fn count(db: &Db, jurisdiction_id: &str) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    db.fetch_optional(&q)
        .await?
        .map(|r| r.get("n"))
        .transpose()
        .map(|n| n.unwrap_or(0))
}

/// The event an API client's update (mySociety `update_id`) produced, if it was sent before.
pub async fn find_client_update(
    tx: &mut Tx,
    api_client_id: &str,
    client_update_id: &str,
) -> Result<Option<String>, StoreError> {
    let q = Query::select()
        .column("event_id")
        .from("client_updates")
        .and_where(Expr::col("api_client_id").eq(api_client_id))
        .and_where(Expr::col("client_update_id").eq(client_update_id))
        .to_owned();
    tx.fetch_optional(&q)
        .await?
        .map(|r| r.get("event_id"))
        .transpose()
}

/// Records which event a client's update id made. False when the id was recorded already
/// (by a concurrent post that committed first): the caller must then roll back.
pub async fn insert_client_update(
    tx: &mut Tx,
    api_client_id: &str,
    client_update_id: &str,
    event_id: &str,
) -> Result<bool, StoreError> {
    let insert = Query::insert()
        .into_table("client_updates")
        .columns(["api_client_id", "client_update_id", "event_id"])
        .values_panic([
            api_client_id.into(),
            client_update_id.into(),
            event_id.into(),
        ])
        .on_conflict(
            OnConflict::columns(["api_client_id", "client_update_id"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.execute(&insert).await? == 1)
}

/// The API client that filed a case, if one did.
pub async fn filed_by_client(tx: &mut Tx, case_id: &str) -> Result<Option<String>, StoreError> {
    let q = Query::select()
        .column("api_client_id")
        .from("cases")
        .and_where(Expr::col("id").eq(case_id))
        .to_owned();
    Ok(tx
        .fetch_optional(&q)
        .await?
        .map(|r| r.get::<Option<String>>("api_client_id"))
        .transpose()?
        .flatten())
}

/// A stored photo of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMedia<'a> {
    pub id: &'a str,
    pub jurisdiction_id: &'a str,
    pub case_id: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    /// Published with the case (Open311, the citizen); otherwise staff only.
    pub public: bool,
}

pub async fn insert_media(tx: &mut Tx, m: &NewMedia<'_>, at: i64) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("media")
        .columns([
            "id",
            "jurisdiction_id",
            "case_id",
            "content_type",
            "size_bytes",
            "public",
            "created_at",
        ])
        .values_panic([
            m.id.into(),
            m.jurisdiction_id.into(),
            m.case_id.into(),
            m.content_type.into(),
            m.size.into(),
            m.public.into(),
            at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// What the database knows of a stored photo.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRecord {
    pub jurisdiction_id: String,
    pub case_id: Option<String>,
    pub content_type: String,
    pub public: bool,
}

/// A stored photo by id.
pub async fn media(db: &Db, id: &str) -> Result<Option<MediaRecord>, StoreError> {
    let q = Query::select()
        .columns(["jurisdiction_id", "case_id", "content_type", "public"])
        .from("media")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&q)
        .await?
        .map(|r| {
            Ok(MediaRecord {
                jurisdiction_id: r.get("jurisdiction_id")?,
                case_id: r.get("case_id")?,
                content_type: r.get("content_type")?,
                public: r.get("public")?,
            })
        })
        .transpose()
}

/// The identity and state of cases by id (for the updates feed).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSummary {
    pub id: String,
    pub case_number: String,
    pub category_code: String,
    pub status: String,
    pub outcome: Option<String>,
    pub closed_at: Option<i64>,
    pub media_urls: String,
}

pub async fn summaries(
    db: &Db,
    jurisdiction_id: &str,
    ids: &[String],
) -> Result<Vec<CaseSummary>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = summary_select(jurisdiction_id)
        .and_where(Expr::col("id").is_in(ids.iter().cloned()))
        .to_owned();
    db.fetch_all(&q)
        .await?
        .iter()
        .map(summary_from_row)
        .collect()
}

fn summary_select(jurisdiction_id: &str) -> SelectStatement {
    Query::select()
        .columns([
            "id",
            "case_number",
            "category_code",
            "status",
            "outcome",
            "closed_at",
            "media_urls",
        ])
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned()
}

fn summary_from_row(r: &Row) -> Result<CaseSummary, StoreError> {
    Ok(CaseSummary {
        id: r.get("id")?,
        case_number: r.get("case_number")?,
        category_code: r.get("category_code")?,
        status: r.get("status")?,
        outcome: r.get("outcome")?,
        closed_at: r.get("closed_at")?,
        media_urls: r.get("media_urls")?,
    })
}

/// Locks and reads a case by number inside a write transaction.
pub async fn summary_for_update(
    tx: &mut Tx,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<Option<CaseSummary>, StoreError> {
    let mut q = summary_select(jurisdiction_id)
        .and_where(Expr::col("case_number").eq(case_number))
        .to_owned();
    if tx.backend() == store::Backend::Postgres {
        q.lock(sea_query::LockType::Update);
    }
    tx.fetch_optional(&q)
        .await?
        .as_ref()
        .map(summary_from_row)
        .transpose()
}

/// The stored hash of a case's password.
pub async fn password_hash(db: &Db, case_id: &str) -> Result<Option<String>, StoreError> {
    let stmt = Query::select()
        .column("password_hash")
        .from("cases")
        .and_where(Expr::col("id").eq(case_id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .map(|r| r.get("password_hash"))
        .transpose()
}

/// The most bound parameters one statement may carry: SQLite allows 32,766 and PostgreSQL
/// 65,535. Bulk inserts split their rows to stay under it.
pub(crate) fn rows_per_statement(backend: store::Backend, columns: usize) -> usize {
    let limit = match backend {
        store::Backend::Sqlite => 32_766,
        store::Backend::Postgres => 65_535,
    };
    (limit / columns).max(1)
}
