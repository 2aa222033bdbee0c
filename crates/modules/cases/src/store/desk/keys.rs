//! Caller keys: the number keys of reporters, and the case history of a caller number.

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Conn, Db, StoreError, Tx};

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

/// The number of a case.
pub async fn case_number(mut tx: impl Conn, case_id: &str) -> Result<Option<String>, StoreError> {
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
