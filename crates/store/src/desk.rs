//! The agent's desk: the contact log, the out-call queue, care flags, and the case history of a
//! caller number. Phone numbers are stored as the keys `domain::desk::CallerNumber` makes.

use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

/// A citizen account whose mobile number is the caller's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenMatch {
    pub id: String,
    pub display_name: String,
    pub status: String,
}

pub async fn citizen_by_mobile(
    db: &Db,
    jurisdiction_id: &str,
    mobile: &str,
) -> Result<Option<CitizenMatch>, StoreError> {
    let stmt = Query::select()
        .columns(["id", "display_name", "status"])
        .from("accounts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("mobile").eq(mobile))
        .and_where(Expr::col("kind").eq("citizen"))
        .order_by("created_at", Order::Asc)
        .limit(1)
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .map(|r| {
            Ok(CitizenMatch {
                id: r.get("id")?,
                display_name: r.get("display_name")?,
                status: r.get("status")?,
            })
        })
        .transpose()
}

/// Sets the caller-number key of a case's reporters (intake).
pub async fn set_reporter_phone_key(
    tx: &mut Tx,
    case_id: &str,
    key: &str,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("case_reporters")
        .value("phone_key", key)
        .and_where(Expr::col("case_id").eq(case_id))
        .and_where(Expr::col("phone").is_not_null())
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Sets the caller-number key of one reporter (a caller added to an existing case).
pub async fn set_phone_key_of_reporter(
    tx: &mut Tx,
    reporter_id: &str,
    key: &str,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("case_reporters")
        .value("phone_key", key)
        .and_where(Expr::col("id").eq(reporter_id))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// How to reach the reporters of a case by phone: their number key, the raw number, and the
/// mobile of their account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterPhone {
    pub phone_key: Option<String>,
    pub phone: Option<String>,
    pub account_id: Option<String>,
    pub account_mobile: Option<String>,
}

pub async fn reporter_phones(tx: &mut Tx, case_id: &str) -> Result<Vec<ReporterPhone>, StoreError> {
    let stmt = Query::select()
        // Aliased: a SQLite connection whose schema predates migration 6 prepares a bare
        // "phone_key" as a string literal, and sqlx keeps that first statement's column names
        // after SQLite re-prepares it; an alias names the column the same either way.
        .expr_as(Expr::col(("case_reporters", "phone_key")), "phone_key")
        .column(("case_reporters", "phone"))
        .column(("case_reporters", "account_id"))
        .expr_as(Expr::col(("accounts", "mobile")), "account_mobile")
        .from("case_reporters")
        .left_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("case_reporters", "account_id")),
        )
        .and_where(Expr::col(("case_reporters", "case_id")).eq(case_id))
        .order_by(("case_reporters", "created_at"), Order::Asc)
        .order_by(("case_reporters", "id"), Order::Asc)
        .to_owned();
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(ReporterPhone {
                phone_key: row.get("phone_key")?,
                phone: row.get("phone")?,
                account_id: row.get("account_id")?,
                account_mobile: row.get("account_mobile")?,
            })
        })
        .collect()
}

/// The number of a case, inside a transaction.
pub async fn case_number_in(tx: &mut Tx, case_id: &str) -> Result<Option<String>, StoreError> {
    let stmt = Query::select()
        .column("case_number")
        .from("cases")
        .and_where(Expr::col("id").eq(case_id))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| r.get("case_number"))
        .transpose()
}

/// A case in a caller's history: its number and state only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerCase {
    pub case_number: String,
    pub status: String,
    pub category_code: String,
    pub category_name_zh: Option<String>,
    pub category_name_en: Option<String>,
    pub requested_at: i64,
}

/// The cases reported from a number (or by an account), newest first.
pub async fn caller_cases(
    db: &Db,
    jurisdiction_id: &str,
    phone_key: &str,
    account_id: Option<&str>,
    limit: u64,
) -> Result<Vec<CallerCase>, StoreError> {
    let mut by = Expr::col("phone_key").eq(phone_key);
    if let Some(a) = account_id {
        by = by.or(Expr::col("account_id").eq(a));
    }
    let reporters = Query::select()
        .column("case_id")
        .from("case_reporters")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(by)
        .to_owned();
    let stmt = Query::select()
        .column(("cases", "case_number"))
        .column(("cases", "status"))
        .column(("cases", "category_code"))
        .column(("cases", "requested_at"))
        .expr_as(Expr::col(("categories", "name_zh")), "category_name_zh")
        .expr_as(Expr::col(("categories", "name_en")), "category_name_en")
        .from("cases")
        .left_join(
            "categories",
            Expr::col(("categories", "jurisdiction_id"))
                .equals(("cases", "jurisdiction_id"))
                .and(Expr::col(("categories", "code")).equals(("cases", "category_code"))),
        )
        .and_where(Expr::col(("cases", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("cases", "id")).in_subquery(reporters))
        .order_by(("cases", "requested_at"), Order::Desc)
        .order_by(("cases", "case_number"), Order::Desc)
        .limit(limit.clamp(1, 500))
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(CallerCase {
                case_number: r.get("case_number")?,
                status: r.get("status")?,
                category_code: r.get("category_code")?,
                category_name_zh: r.get("category_name_zh")?,
                category_name_en: r.get("category_name_en")?,
                requested_at: r.get("requested_at")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Contacts

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub jurisdiction_id: String,
    pub agent_id: String,
    pub caller_phone: String,
    pub service_type: String,
    pub category_code: Option<String>,
    pub case_number: Option<String>,
    pub summary: String,
    pub emergency_kind: Option<String>,
    pub created_at: i64,
}

/// A contact as listed, with the agent's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub contact: Contact,
    pub agent_name: Option<String>,
}

const CONTACT_COLUMNS: [&str; 10] = [
    "id",
    "jurisdiction_id",
    "agent_id",
    "caller_phone",
    "service_type",
    "category_code",
    "case_number",
    "summary",
    "emergency_kind",
    "created_at",
];

pub async fn insert_contact(tx: &mut Tx, c: &Contact) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("contacts")
        .columns(CONTACT_COLUMNS)
        .values_panic([
            c.id.clone().into(),
            c.jurisdiction_id.clone().into(),
            c.agent_id.clone().into(),
            c.caller_phone.clone().into(),
            c.service_type.clone().into(),
            c.category_code.clone().into(),
            c.case_number.clone().into(),
            c.summary.clone().into(),
            c.emergency_kind.clone().into(),
            c.created_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Which contacts to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub caller_phone: Option<String>,
    /// Keyset: contacts before this (created_at, id).
    pub before: Option<(i64, String)>,
    pub limit: u64,
}

pub async fn list_contacts(
    db: &Db,
    jurisdiction_id: &str,
    f: &ContactFilter,
) -> Result<Vec<ContactRow>, StoreError> {
    let mut stmt = Query::select();
    for c in CONTACT_COLUMNS {
        stmt.column(("contacts", c));
    }
    stmt.expr_as(Expr::col(("accounts", "display_name")), "agent_name")
        .from("contacts")
        .left_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("contacts", "agent_id")),
        )
        .and_where(Expr::col(("contacts", "jurisdiction_id")).eq(jurisdiction_id))
        .order_by(("contacts", "created_at"), Order::Desc)
        .order_by(("contacts", "id"), Order::Desc)
        .limit(f.limit.clamp(1, 500));
    if let Some(p) = &f.caller_phone {
        stmt.and_where(Expr::col(("contacts", "caller_phone")).eq(p.as_str()));
    }
    if let Some((at, id)) = &f.before {
        let created = || Expr::col(("contacts", "created_at"));
        stmt.and_where(
            created().lt(*at).or(created()
                .eq(*at)
                .and(Expr::col(("contacts", "id")).lt(id.as_str()))),
        );
    }
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(ContactRow {
                contact: Contact {
                    id: r.get("id")?,
                    jurisdiction_id: r.get("jurisdiction_id")?,
                    agent_id: r.get("agent_id")?,
                    caller_phone: r.get("caller_phone")?,
                    service_type: r.get("service_type")?,
                    category_code: r.get("category_code")?,
                    case_number: r.get("case_number")?,
                    summary: r.get("summary")?,
                    emergency_kind: r.get("emergency_kind")?,
                    created_at: r.get("created_at")?,
                },
                agent_name: r.get("agent_name")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Out-calls

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

// ---------------------------------------------------------------------------------------------
// Care flags

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareFlag {
    pub phone: String,
    pub note: String,
    pub flagged_by: String,
    pub flagged_by_name: Option<String>,
    pub created_at: i64,
}

fn care_flag_select(jurisdiction_id: &str, phone: &str) -> SelectStatement {
    Query::select()
        .column(("care_flags", "phone"))
        .column(("care_flags", "note"))
        .column(("care_flags", "flagged_by"))
        .column(("care_flags", "created_at"))
        .expr_as(Expr::col(("accounts", "display_name")), "flagged_by_name")
        .from("care_flags")
        .left_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("care_flags", "flagged_by")),
        )
        .and_where(Expr::col(("care_flags", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("care_flags", "phone")).eq(phone))
        .to_owned()
}

fn care_flag_from_row(r: &Row) -> Result<CareFlag, StoreError> {
    Ok(CareFlag {
        phone: r.get("phone")?,
        note: r.get("note")?,
        flagged_by: r.get("flagged_by")?,
        flagged_by_name: r.get("flagged_by_name")?,
        created_at: r.get("created_at")?,
    })
}

pub async fn care_flag(
    db: &Db,
    jurisdiction_id: &str,
    phone: &str,
) -> Result<Option<CareFlag>, StoreError> {
    db.fetch_optional(&care_flag_select(jurisdiction_id, phone))
        .await?
        .as_ref()
        .map(care_flag_from_row)
        .transpose()
}

pub async fn care_flag_in(
    tx: &mut Tx,
    jurisdiction_id: &str,
    phone: &str,
) -> Result<Option<CareFlag>, StoreError> {
    tx.fetch_optional(&care_flag_select(jurisdiction_id, phone))
        .await?
        .as_ref()
        .map(care_flag_from_row)
        .transpose()
}

/// Flags a number, or replaces the note of a flagged one.
pub async fn set_care_flag(
    tx: &mut Tx,
    jurisdiction_id: &str,
    phone: &str,
    note: &str,
    flagged_by: &str,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("care_flags")
        .columns([
            "jurisdiction_id",
            "phone",
            "note",
            "flagged_by",
            "created_at",
        ])
        .values_panic([
            jurisdiction_id.into(),
            phone.into(),
            note.into(),
            flagged_by.into(),
            at.into(),
        ])
        .on_conflict(
            sea_query::OnConflict::columns(["jurisdiction_id", "phone"])
                .update_columns(["note", "flagged_by", "created_at"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Removes a flag; false if the number was not flagged.
pub async fn clear_care_flag(
    tx: &mut Tx,
    jurisdiction_id: &str,
    phone: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::delete()
        .from_table("care_flags")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("phone").eq(phone))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}
