//! City logins: the accounts linked to a provider's person, and the sign-ins sent to a provider
//! and not back yet (used once, by the hash of their state).

use sea_query::{Expr, ExprTrait, Query};
use store::{Conn, Db, Row, StoreError, Tx};

const LINK_COLUMNS: [&str; 7] = [
    "jurisdiction_id",
    "provider",
    "subject",
    "account_id",
    "real_name",
    "linked_at",
    "last_used_at",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub jurisdiction_id: String,
    pub provider: String,
    pub subject: String,
    pub account_id: String,
    pub real_name: bool,
    pub linked_at: i64,
    pub last_used_at: i64,
}

/// The account linked to a provider's person, if any.
pub async fn account_of(
    mut db: impl Conn,
    jurisdiction_id: &str,
    provider: &str,
    subject: &str,
) -> Result<Option<String>, StoreError> {
    let stmt = Query::select()
        .column("account_id")
        .from("account_links")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("provider").eq(provider))
        .and_where(Expr::col("subject").eq(subject))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .map(|r| r.get("account_id"))
        .transpose()
}

/// The providers an account is linked to.
pub async fn of_account(db: &Db, account_id: &str) -> Result<Vec<Link>, StoreError> {
    let stmt = Query::select()
        .columns(LINK_COLUMNS)
        .from("account_links")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r: &Row| {
            Ok(Link {
                jurisdiction_id: r.get("jurisdiction_id")?,
                provider: r.get("provider")?,
                subject: r.get("subject")?,
                account_id: r.get("account_id")?,
                real_name: r.get::<i64>("real_name")? != 0,
                linked_at: r.get("linked_at")?,
                last_used_at: r.get("last_used_at")?,
            })
        })
        .collect()
}

/// Records a link, or refreshes one (what the provider last said, when it was last used).
pub async fn upsert(tx: &mut Tx, l: &Link) -> Result<(), StoreError> {
    let update = Query::update()
        .table("account_links")
        .value("real_name", i64::from(l.real_name))
        .value("last_used_at", l.last_used_at)
        .and_where(Expr::col("jurisdiction_id").eq(l.jurisdiction_id.as_str()))
        .and_where(Expr::col("provider").eq(l.provider.as_str()))
        .and_where(Expr::col("subject").eq(l.subject.as_str()))
        .and_where(Expr::col("account_id").eq(l.account_id.as_str()))
        .to_owned();
    if tx.execute(&update).await? > 0 {
        return Ok(());
    }
    let insert = Query::insert()
        .into_table("account_links")
        .columns(LINK_COLUMNS)
        .values_panic([
            l.jurisdiction_id.clone().into(),
            l.provider.clone().into(),
            l.subject.clone().into(),
            l.account_id.clone().into(),
            i64::from(l.real_name).into(),
            l.linked_at.into(),
            l.last_used_at.into(),
        ])
        .to_owned();
    tx.execute(&insert).await?;
    Ok(())
}

const ATTEMPT_COLUMNS: [&str; 9] = [
    "state_hash",
    "jurisdiction_id",
    "provider",
    "nonce",
    "pkce_verifier",
    "back",
    "link_account_id",
    "created_at",
    "expires_at",
];

/// A sign-in sent to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub state_hash: String,
    pub jurisdiction_id: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub back: String,
    /// The signed-in account that asked to link the provider, if that is what this is.
    pub link_account_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert_attempt(tx: &mut Tx, a: &Attempt) -> Result<(), StoreError> {
    // Old attempts go as new ones come.
    let expired = Query::delete()
        .from_table("login_attempts")
        .and_where(Expr::col("expires_at").lt(a.created_at))
        .to_owned();
    tx.execute(&expired).await?;
    let stmt = Query::insert()
        .into_table("login_attempts")
        .columns(ATTEMPT_COLUMNS)
        .values_panic([
            a.state_hash.clone().into(),
            a.jurisdiction_id.clone().into(),
            a.provider.clone().into(),
            a.nonce.clone().into(),
            a.pkce_verifier.clone().into(),
            a.back.clone().into(),
            a.link_account_id.clone().into(),
            a.created_at.into(),
            a.expires_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Takes the live attempt with this state hash: it is deleted as it is read, so a state works
/// once however often the provider's answer is replayed.
pub async fn take_attempt(
    tx: &mut Tx,
    state_hash: &str,
    now: i64,
) -> Result<Option<Attempt>, StoreError> {
    let select = Query::select()
        .columns(ATTEMPT_COLUMNS)
        .from("login_attempts")
        .and_where(Expr::col("state_hash").eq(state_hash))
        .to_owned();
    let Some(row) = tx.fetch_optional(&select).await? else {
        return Ok(None);
    };
    let delete = Query::delete()
        .from_table("login_attempts")
        .and_where(Expr::col("state_hash").eq(state_hash))
        .to_owned();
    // Two answers racing for one state: only the one that deletes the row goes on.
    if tx.execute(&delete).await? == 0 {
        return Ok(None);
    }
    let attempt = Attempt {
        state_hash: row.get("state_hash")?,
        jurisdiction_id: row.get("jurisdiction_id")?,
        provider: row.get("provider")?,
        nonce: row.get("nonce")?,
        pkce_verifier: row.get("pkce_verifier")?,
        back: row.get("back")?,
        link_account_id: row.get("link_account_id")?,
        created_at: row.get("created_at")?,
        expires_at: row.get("expires_at")?,
    };
    Ok((attempt.expires_at > now).then_some(attempt))
}

/// Records that the account's real name was proved, and by what.
pub async fn set_real_name(
    tx: &mut Tx,
    account_id: &str,
    by: &str,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("accounts")
        .value("real_name_at", at)
        .value("real_name_by", by)
        .value("updated_at", at)
        .and_where(Expr::col("id").eq(account_id))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Forgets that the account's real name was proved (its name or ID number changed).
pub async fn clear_real_name(tx: &mut Tx, account_id: &str, at: i64) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("accounts")
        .value("real_name_at", Option::<i64>::None)
        .value("real_name_by", Option::<String>::None)
        .value("updated_at", at)
        .and_where(Expr::col("id").eq(account_id))
        .and_where(Expr::col("real_name_at").is_not_null())
        .to_owned();
    tx.execute(&stmt).await
}

/// When the account's real name was proved, if it was.
pub async fn real_name_at(mut db: impl Conn, account_id: &str) -> Result<Option<i64>, StoreError> {
    let stmt = Query::select()
        .column("real_name_at")
        .from("accounts")
        .and_where(Expr::col("id").eq(account_id))
        .to_owned();
    Ok(db
        .fetch_optional(&stmt)
        .await?
        .map(|r| r.get::<Option<i64>>("real_name_at"))
        .transpose()?
        .flatten())
}
