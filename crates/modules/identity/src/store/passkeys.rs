//! Passkeys (`passkeys`) and the ceremonies begun with them (`passkey_ceremonies`).

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};

/// A stored passkey. `credential` is webauthn-rs's `Passkey`, as JSON.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub id: String,
    pub account_id: String,
    pub credential_id: String,
    pub name: String,
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: [&str; 7] = [
    "id",
    "account_id",
    "credential_id",
    "name",
    "credential",
    "created_at",
    "last_used_at",
];

fn from_row(r: &Row) -> Result<StoredPasskey, StoreError> {
    Ok(StoredPasskey {
        id: r.get("id")?,
        account_id: r.get("account_id")?,
        credential_id: r.get("credential_id")?,
        name: r.get("name")?,
        credential: r.get("credential")?,
        created_at: r.get("created_at")?,
        last_used_at: r.get("last_used_at")?,
    })
}

/// An account's passkeys, oldest first.
pub async fn of_account(db: &Db, account_id: &str) -> Result<Vec<StoredPasskey>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("passkeys")
        .and_where(Expr::col("account_id").eq(account_id))
        .order_by("created_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// How many passkeys an account has, read in the caller's transaction.
pub async fn count_in(tx: &mut Tx, account_id: &str) -> Result<usize, StoreError> {
    let stmt = Query::select()
        .column("id")
        .from("passkeys")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    Ok(tx.fetch_all(&stmt).await?.len())
}

/// The passkey a credential id names, whoever holds it.
pub async fn by_credential(
    db: &Db,
    credential_id: &str,
) -> Result<Option<StoredPasskey>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("passkeys")
        .and_where(Expr::col("credential_id").eq(credential_id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn insert(tx: &mut Tx, p: &StoredPasskey) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("passkeys")
        .columns(COLUMNS)
        .values_panic([
            p.id.clone().into(),
            p.account_id.clone().into(),
            p.credential_id.clone().into(),
            p.name.clone().into(),
            p.credential.clone().into(),
            p.created_at.into(),
            p.last_used_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Renames one of an account's passkeys; false when it has no such passkey.
pub async fn rename(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
    name: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("passkeys")
        .value("name", name)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Records a use: the credential as it now is (its counter) and when.
pub async fn record_use(
    tx: &mut Tx,
    id: &str,
    credential: &str,
    now: i64,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("passkeys")
        .value("credential", credential)
        .value("last_used_at", now)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Deletes one of an account's passkeys; false when it has no such passkey.
pub async fn delete(tx: &mut Tx, account_id: &str, id: &str) -> Result<bool, StoreError> {
    let stmt = Query::delete()
        .from_table("passkeys")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Deletes every passkey of an account (an administrator's reset of a lost device).
pub async fn delete_all(tx: &mut Tx, account_id: &str) -> Result<u64, StoreError> {
    let stmt = Query::delete()
        .from_table("passkeys")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    tx.execute(&stmt).await
}

/// A ceremony waiting for the browser's answer.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub purpose: String,
    pub account_id: Option<String>,
    pub state: String,
    pub expires_at: i64,
}

/// Keeps a ceremony's state under the hash of its token; ceremonies past their time are
/// cleared on the way.
pub async fn begin_ceremony(
    db: &Db,
    id_hash: &str,
    c: &Ceremony,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let stale = Query::delete()
        .from_table("passkey_ceremonies")
        .and_where(Expr::col("expires_at").lt(now))
        .to_owned();
    tx.execute(&stale).await?;
    let stmt = Query::insert()
        .into_table("passkey_ceremonies")
        .columns(["id_hash", "purpose", "account_id", "state", "expires_at"])
        .values_panic([
            id_hash.into(),
            c.purpose.clone().into(),
            c.account_id.clone().into(),
            c.state.clone().into(),
            c.expires_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    tx.commit().await
}

/// Takes a ceremony of this purpose out of the table: the second taker finds nothing, so an
/// answer cannot be replayed. Its expiry is the caller's to check.
pub async fn take_ceremony(
    db: &Db,
    id_hash: &str,
    purpose: &str,
) -> Result<Option<Ceremony>, StoreError> {
    let stmt = Query::delete()
        .from_table("passkey_ceremonies")
        .and_where(Expr::col("id_hash").eq(id_hash))
        .and_where(Expr::col("purpose").eq(purpose))
        .returning(Query::returning().columns(["purpose", "account_id", "state", "expires_at"]))
        .to_owned();
    let mut tx = db.begin().await?;
    let row = tx.fetch_optional(&stmt).await?;
    tx.commit().await?;
    row.map(|r| {
        Ok(Ceremony {
            purpose: r.get("purpose")?,
            account_id: r.get("account_id")?,
            state: r.get("state")?,
            expires_at: r.get("expires_at")?,
        })
    })
    .transpose()
}

/// Whether any of the account's roles requires its second factor to be a passkey in its
/// jurisdiction.
pub async fn passkey_required(
    db: &Db,
    account_id: &str,
    jurisdiction_id: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::select()
        .column(("p", "role"))
        .from_as("account_roles", "r")
        .join_as(
            sea_query::JoinType::InnerJoin,
            sea_query::Alias::new("role_policies"),
            sea_query::Alias::new("p"),
            Expr::col(("p", "role"))
                .equals(("r", "role"))
                .and(Expr::col(("p", "jurisdiction_id")).eq(jurisdiction_id)),
        )
        .and_where(Expr::col(("r", "account_id")).eq(account_id))
        .and_where(Expr::col(("p", "require_passkey")).eq(true))
        .limit(1)
        .to_owned();
    Ok(db.fetch_optional(&stmt).await?.is_some())
}
