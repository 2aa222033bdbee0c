//! Citizens' channel preferences and quiet hours, and where an account can be reached.

use crate::db::{Conn, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub account_id: String,
    pub jurisdiction_id: String,
    /// `email`, `sms`, `email,sms` or `none`.
    pub channels: String,
    pub quiet_start: i64,
    pub quiet_end: i64,
    pub updated_at: i64,
}

/// The columns of `notification_preferences`, in the order they are read and written.
const PREFERENCE_COLUMNS: [&str; 6] = [
    "account_id",
    "jurisdiction_id",
    "channels",
    "quiet_start",
    "quiet_end",
    "updated_at",
];

fn preferences_query(account_id: &str) -> SelectStatement {
    Query::select()
        .columns(PREFERENCE_COLUMNS)
        .from("notification_preferences")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned()
}

fn preferences_from_row(r: &Row) -> Result<Preferences, StoreError> {
    Ok(Preferences {
        account_id: r.get("account_id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        channels: r.get("channels")?,
        quiet_start: r.get("quiet_start")?,
        quiet_end: r.get("quiet_end")?,
        updated_at: r.get("updated_at")?,
    })
}

pub async fn get_preferences(
    mut conn: impl Conn,
    account_id: &str,
) -> Result<Option<Preferences>, StoreError> {
    conn.fetch_optional(&preferences_query(account_id))
        .await?
        .as_ref()
        .map(preferences_from_row)
        .transpose()
}

pub async fn set_preferences(tx: &mut Tx, p: &Preferences) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("notification_preferences")
        .columns(PREFERENCE_COLUMNS)
        .values_panic([
            p.account_id.clone().into(),
            p.jurisdiction_id.clone().into(),
            p.channels.clone().into(),
            p.quiet_start.into(),
            p.quiet_end.into(),
            p.updated_at.into(),
        ])
        .on_conflict(
            OnConflict::column("account_id")
                .update_columns(["channels", "quiet_start", "quiet_end", "updated_at"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Where an account can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountContact {
    pub id: String,
    pub jurisdiction_id: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub locale: String,
}

pub async fn account_contact_in(
    tx: &mut Tx,
    account_id: &str,
) -> Result<Option<AccountContact>, StoreError> {
    let stmt = Query::select()
        .columns(["id", "jurisdiction_id", "email", "mobile", "locale"])
        .from("accounts")
        .and_where(Expr::col("id").eq(account_id))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| {
            Ok(AccountContact {
                id: r.get("id")?,
                jurisdiction_id: r.get("jurisdiction_id")?,
                email: r.get("email")?,
                mobile: r.get("mobile")?,
                locale: r.get("locale")?,
            })
        })
        .transpose()
}

/// Where each of these accounts can be reached (those that exist), by id.
pub async fn account_contacts_in(
    tx: &mut Tx,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, AccountContact>, StoreError> {
    if account_ids.is_empty() {
        return Ok(Default::default());
    }
    let stmt = Query::select()
        .columns(["id", "jurisdiction_id", "email", "mobile", "locale"])
        .from("accounts")
        .and_where(Expr::col("id").is_in(account_ids.iter().map(String::as_str)))
        .to_owned();
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            let c = AccountContact {
                id: r.get("id")?,
                jurisdiction_id: r.get("jurisdiction_id")?,
                email: r.get("email")?,
                mobile: r.get("mobile")?,
                locale: r.get("locale")?,
            };
            Ok((c.id.clone(), c))
        })
        .collect()
}

/// The preferences of these accounts (those that have set any), by account.
pub async fn preferences_in(
    tx: &mut Tx,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, Preferences>, StoreError> {
    if account_ids.is_empty() {
        return Ok(Default::default());
    }
    let stmt = Query::select()
        .columns(PREFERENCE_COLUMNS)
        .from("notification_preferences")
        .and_where(Expr::col("account_id").is_in(account_ids.iter().map(String::as_str)))
        .to_owned();
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            let p = preferences_from_row(r)?;
            Ok((p.account_id.clone(), p))
        })
        .collect()
}

/// The fixed UTC offset of a jurisdiction, read in the caller's transaction.
pub async fn utc_offset_in(tx: &mut Tx, jurisdiction_id: &str) -> Result<Option<i32>, StoreError> {
    let stmt = Query::select()
        .column("utc_offset_minutes")
        .from("jurisdictions")
        .and_where(Expr::col("id").eq(jurisdiction_id))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| Ok(r.get::<i64>("utc_offset_minutes")? as i32))
        .transpose()
}
