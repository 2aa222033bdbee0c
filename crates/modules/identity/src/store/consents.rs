//! The consent ledger (`consents`): rows are written once and only their ending is set later.

use crate::domain::consent::{Consent, Ending};
use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};

const COLUMNS: [&str; 10] = [
    "id",
    "account_id",
    "purpose",
    "data",
    "recipient_kind",
    "recipient",
    "given_at",
    "expires_at",
    "ended_at",
    "ended_how",
];

fn from_row(r: &Row) -> Result<Consent, StoreError> {
    let data: String = r.get("data")?;
    let ended = match (
        r.get::<Option<i64>>("ended_at")?,
        r.get::<Option<String>>("ended_how")?,
    ) {
        (Some(at), Some(how)) => Some((
            at,
            Ending::parse(&how)
                .ok_or_else(|| StoreError::Corrupt(format!("consent ending {how}")))?,
        )),
        _ => None,
    };
    Ok(Consent {
        id: r.get("id")?,
        subject: r.get("account_id")?,
        purpose: r.get("purpose")?,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("consent data {e}")))?,
        recipient_kind: r.get("recipient_kind")?,
        recipient: r.get("recipient")?,
        given_at: r.get("given_at")?,
        expires_at: r.get("expires_at")?,
        ended,
    })
}

pub async fn insert(
    tx: &mut Tx,
    jurisdiction_id: &str,
    c: &Consent,
    language: &str,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("consents")
        .columns([
            "id",
            "jurisdiction_id",
            "account_id",
            "purpose",
            "data",
            "recipient_kind",
            "recipient",
            "language",
            "given_at",
            "expires_at",
        ])
        .values_panic([
            c.id.clone().into(),
            jurisdiction_id.into(),
            c.subject.clone().into(),
            c.purpose.clone().into(),
            serde_json::to_string(&c.data).unwrap_or_default().into(),
            c.recipient_kind.clone().into(),
            c.recipient.clone().into(),
            language.into(),
            c.given_at.into(),
            c.expires_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Ends every consent of the account to `purpose` still running at `at`; the number ended.
pub async fn end_running(
    tx: &mut Tx,
    account_id: &str,
    purpose: &str,
    at: i64,
    how: Ending,
) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("consents")
        .value("ended_at", at)
        .value("ended_how", how.as_str())
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("purpose").eq(purpose))
        .and_where(Expr::col("ended_at").is_null())
        .and_where(Expr::col("expires_at").gt(at))
        .to_owned();
    tx.execute(&stmt).await
}

/// Holds the account's row for the transaction, so that its consents change one at a time
/// (two renewals at once on PostgreSQL would otherwise both see none running).
pub async fn hold_account(tx: &mut Tx, account_id: &str) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("accounts")
        .value("updated_at", Expr::col("updated_at"))
        .and_where(Expr::col("id").eq(account_id))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Ends one consent of the account if it is still running at `at`; whether it did.
pub async fn end_one(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
    at: i64,
    how: Ending,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("consents")
        .value("ended_at", at)
        .value("ended_how", how.as_str())
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("ended_at").is_null())
        .and_where(Expr::col("expires_at").gt(at))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// One consent of an account.
pub async fn find(db: &Db, account_id: &str, id: &str) -> Result<Option<Consent>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("consents")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every consent of an account, newest first: its ledger and history.
pub async fn of_account(db: &Db, account_id: &str) -> Result<Vec<Consent>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("consents")
        .and_where(Expr::col("account_id").eq(account_id))
        .order_by("given_at", Order::Desc)
        .order_by("id", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

fn for_purpose_stmt(account_id: &str, purpose: &str) -> sea_query::SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from("consents")
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("purpose").eq(purpose))
        .order_by("given_at", Order::Desc)
        .limit(8)
        .to_owned()
}

/// The newest consents of an account to one purpose (enough to decide: the running one, if
/// any, is among the newest).
pub async fn for_purpose(
    db: &Db,
    account_id: &str,
    purpose: &str,
) -> Result<Vec<Consent>, StoreError> {
    let stmt = for_purpose_stmt(account_id, purpose);
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// [`for_purpose`] inside the transaction of the use, so that the use and the consent it
/// stands on are read together.
pub async fn for_purpose_in(
    tx: &mut Tx,
    account_id: &str,
    purpose: &str,
) -> Result<Vec<Consent>, StoreError> {
    let stmt = for_purpose_stmt(account_id, purpose);
    tx.fetch_all(&stmt).await?.iter().map(from_row).collect()
}
