//! MyData imports (`mydata_imports`).

use crate::domain::mydata_import::ImportStatus;
use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};

/// An import as stored.
#[derive(Debug, Clone)]
pub struct Import {
    pub tx_id: String,
    pub jurisdiction_id: String,
    pub account_id: String,
    pub purpose: String,
    pub status: ImportStatus,
    pub permission_ticket: Option<String>,
    pub secret_key: Option<String>,
    pub failure: Option<String>,
    pub record: Option<String>,
    pub created_at: i64,
    pub retrieved_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub purge_at: Option<i64>,
}

const COLUMNS: [&str; 13] = [
    "tx_id",
    "jurisdiction_id",
    "account_id",
    "purpose",
    "status",
    "permission_ticket",
    "secret_key",
    "failure",
    "record",
    "created_at",
    "retrieved_at",
    "ended_at",
    "purge_at",
];

fn from_row(r: &Row) -> Result<Import, StoreError> {
    let status: String = r.get("status")?;
    Ok(Import {
        tx_id: r.get("tx_id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        account_id: r.get("account_id")?,
        purpose: r.get("purpose")?,
        status: ImportStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("mydata import status {status}")))?,
        permission_ticket: r.get("permission_ticket")?,
        secret_key: r.get("secret_key")?,
        failure: r.get("failure")?,
        record: r.get("record")?,
        created_at: r.get("created_at")?,
        retrieved_at: r.get("retrieved_at")?,
        ended_at: r.get("ended_at")?,
        purge_at: r.get("purge_at")?,
    })
}

pub async fn insert(tx: &mut Tx, i: &Import) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("mydata_imports")
        .columns([
            "tx_id",
            "jurisdiction_id",
            "account_id",
            "purpose",
            "status",
            "created_at",
        ])
        .values_panic([
            i.tx_id.clone().into(),
            i.jurisdiction_id.clone().into(),
            i.account_id.clone().into(),
            i.purpose.clone().into(),
            i.status.as_str().into(),
            i.created_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

pub async fn find(db: &Db, tx_id: &str) -> Result<Option<Import>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("mydata_imports")
        .and_where(Expr::col("tx_id").eq(tx_id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// An account's imports, newest first.
pub async fn of_account(db: &Db, account_id: &str) -> Result<Vec<Import>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("mydata_imports")
        .and_where(Expr::col("account_id").eq(account_id))
        .order_by("created_at", Order::Desc)
        .order_by("tx_id", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Moves an import from `from` to its next state, setting the given columns; false when it was
/// not in `from` (another request moved it first).
pub async fn advance(
    tx: &mut Tx,
    tx_id: &str,
    from: ImportStatus,
    to: ImportStatus,
    values: &[(&'static str, sea_query::Value)],
) -> Result<bool, StoreError> {
    let mut stmt = Query::update()
        .table("mydata_imports")
        .value("status", to.as_str())
        .and_where(Expr::col("tx_id").eq(tx_id))
        .and_where(Expr::col("status").eq(from.as_str()))
        .to_owned();
    for (column, value) in values {
        stmt.value(*column, value.clone());
    }
    Ok(tx.execute(&stmt).await? == 1)
}

/// The columns that empty an import of everything personal or secret.
pub fn emptied(now: i64) -> Vec<(&'static str, sea_query::Value)> {
    vec![
        ("record", Option::<String>::None.into()),
        ("secret_key", Option::<String>::None.into()),
        ("permission_ticket", Option::<String>::None.into()),
        ("purge_at", Option::<i64>::None.into()),
        ("ended_at", now.into()),
    ]
}

/// Ends every import of an account for a purpose that has not ended: a withdrawn consent
/// takes what it brought with it. Returns how many.
pub async fn discard_running(
    tx: &mut Tx,
    account_id: &str,
    purpose: &str,
    now: i64,
) -> Result<u64, StoreError> {
    let mut stmt = Query::update()
        .table("mydata_imports")
        .value("status", ImportStatus::Discarded.as_str())
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("purpose").eq(purpose))
        .and_where(Expr::col("status").is_in([
            ImportStatus::Sent.as_str(),
            ImportStatus::Consented.as_str(),
            ImportStatus::Ready.as_str(),
        ]))
        .to_owned();
    for (column, value) in emptied(now) {
        stmt.value(column, value);
    }
    tx.execute(&stmt).await
}

/// Purges the records whose time ran out unused. Returns how many.
pub async fn purge_due(tx: &mut Tx, now: i64) -> Result<u64, StoreError> {
    let mut stmt = Query::update()
        .table("mydata_imports")
        .value("status", ImportStatus::Purged.as_str())
        .and_where(Expr::col("purge_at").lte(now))
        .and_where(Expr::col("status").eq(ImportStatus::Ready.as_str()))
        .to_owned();
    for (column, value) in emptied(now) {
        stmt.value(column, value);
    }
    tx.execute(&stmt).await
}

/// Ends the imports MyData never answered (sent before `before`). Returns how many.
pub async fn expire_unanswered(tx: &mut Tx, before: i64, now: i64) -> Result<u64, StoreError> {
    let mut stmt = Query::update()
        .table("mydata_imports")
        .value("status", ImportStatus::Failed.as_str())
        .value("failure", "error-mydata-unanswered")
        .and_where(Expr::col("created_at").lt(before))
        .and_where(Expr::col("status").eq(ImportStatus::Sent.as_str()))
        .to_owned();
    for (column, value) in emptied(now) {
        stmt.value(column, value);
    }
    tx.execute(&stmt).await
}

/// Ends the consented imports whose data never came (notified before `before`), erasing their
/// key and ticket. Returns how many.
pub async fn expire_unfetched(tx: &mut Tx, before: i64, now: i64) -> Result<u64, StoreError> {
    let mut stmt = Query::update()
        .table("mydata_imports")
        .value("status", ImportStatus::Failed.as_str())
        .value("failure", "error-mydata-undelivered")
        .and_where(Expr::col("notified_at").lt(before))
        .and_where(Expr::col("status").eq(ImportStatus::Consented.as_str()))
        .to_owned();
    for (column, value) in emptied(now) {
        stmt.value(column, value);
    }
    tx.execute(&stmt).await
}

/// The accounts of a jurisdiction holding this ID number, other than `except`.
pub async fn others_with_national_id(
    db: &Db,
    jurisdiction_id: &str,
    national_id: &str,
    except: &str,
) -> Result<Vec<String>, StoreError> {
    let stmt = Query::select()
        .column("id")
        .from("accounts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("national_id").eq(national_id))
        .and_where(Expr::col("id").ne(except))
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| r.get::<String>("id"))
        .collect()
}
