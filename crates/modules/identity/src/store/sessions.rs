//! Server-side sessions and personal access tokens. The database holds only SHA-256 hashes of
//! the random ids, so a leaked table does not let anyone sign in.

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: String,
    pub jurisdiction_id: String,
    /// `full`; `second_factor` while a password was accepted but the TOTP code is pending;
    /// `enrol_second_factor` while a role requires a factor the account has not enrolled.
    pub stage: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_expires_at: i64,
    pub expires_at: i64,
}

const SESSION_COLUMNS: [&str; 9] = [
    "id_hash",
    "account_id",
    "jurisdiction_id",
    "stage",
    "csrf_token",
    "created_at",
    "last_seen_at",
    "idle_expires_at",
    "expires_at",
];

fn session_from_row(r: &Row) -> Result<Session, StoreError> {
    Ok(Session {
        id_hash: r.get("id_hash")?,
        account_id: r.get("account_id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        stage: r.get("stage")?,
        csrf_token: r.get("csrf_token")?,
        created_at: r.get("created_at")?,
        last_seen_at: r.get("last_seen_at")?,
        idle_expires_at: r.get("idle_expires_at")?,
        expires_at: r.get("expires_at")?,
    })
}

pub async fn insert(tx: &mut Tx, s: &Session) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("sessions")
        .columns(SESSION_COLUMNS)
        .values_panic([
            s.id_hash.clone().into(),
            s.account_id.clone().into(),
            s.jurisdiction_id.clone().into(),
            s.stage.clone().into(),
            s.csrf_token.clone().into(),
            s.created_at.into(),
            s.last_seen_at.into(),
            s.idle_expires_at.into(),
            s.expires_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// A session that has not expired at `now`.
pub async fn find_live(db: &Db, id_hash: &str, now: i64) -> Result<Option<Session>, StoreError> {
    let stmt = Query::select()
        .columns(SESSION_COLUMNS)
        .from("sessions")
        .and_where(Expr::col("id_hash").eq(id_hash))
        .and_where(Expr::col("idle_expires_at").gt(now))
        .and_where(Expr::col("expires_at").gt(now))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(session_from_row)
        .transpose()
}

/// The live sessions of an account (its signed-in browsers), newest first.
pub async fn live_of(db: &Db, account_id: &str, now: i64) -> Result<Vec<Session>, StoreError> {
    let stmt = Query::select()
        .columns(SESSION_COLUMNS)
        .from("sessions")
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("expires_at").gt(now))
        .and_where(Expr::col("idle_expires_at").gt(now))
        .order_by("created_at", sea_query::Order::Desc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(session_from_row)
        .collect()
}

/// Extends the idle expiry of a session (never past its absolute expiry).
pub async fn touch(
    db: &Db,
    id_hash: &str,
    now: i64,
    idle_expires_at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("sessions")
        .value("last_seen_at", now)
        .value("idle_expires_at", idle_expires_at)
        .and_where(Expr::col("id_hash").eq(id_hash))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Moves a session to another stage (a full session whose role now requires a second factor
/// it lacks goes back to enrolment). Returns how many sessions changed.
pub async fn set_stage(db: &Db, id_hash: &str, stage: &str) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("sessions")
        .value("stage", stage)
        .and_where(Expr::col("id_hash").eq(id_hash))
        .to_owned();
    db.execute(&stmt).await
}

pub async fn delete(tx: &mut Tx, id_hash: &str) -> Result<u64, StoreError> {
    let stmt = Query::delete()
        .from_table("sessions")
        .and_where(Expr::col("id_hash").eq(id_hash))
        .to_owned();
    tx.execute(&stmt).await
}

/// Ends every session of an account, except optionally one. Returns how many ended.
pub async fn delete_for_account(
    tx: &mut Tx,
    account_id: &str,
    except: Option<&str>,
) -> Result<u64, StoreError> {
    let mut stmt = Query::delete()
        .from_table("sessions")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    if let Some(keep) = except {
        stmt.and_where(Expr::col("id_hash").ne(keep));
    }
    tx.execute(&stmt).await
}

/// Removes expired sessions; run from time to time by any node.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    let stmt = Query::delete()
        .from_table("sessions")
        .cond_where(
            Expr::col("idle_expires_at")
                .lte(now)
                .or(Expr::col("expires_at").lte(now)),
        )
        .to_owned();
    db.execute(&stmt).await
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub id: String,
    pub account_id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const TOKEN_COLUMNS: [&str; 8] = [
    "id",
    "account_id",
    "jurisdiction_id",
    "name",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
];

fn token_from_row(r: &Row) -> Result<AccessToken, StoreError> {
    Ok(AccessToken {
        id: r.get("id")?,
        account_id: r.get("account_id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        name: r.get("name")?,
        created_at: r.get("created_at")?,
        expires_at: r.get("expires_at")?,
        last_used_at: r.get("last_used_at")?,
        revoked_at: r.get("revoked_at")?,
    })
}

pub async fn insert_token(
    tx: &mut Tx,
    t: &AccessToken,
    token_hash: &str,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("access_tokens")
        .columns([
            "id",
            "account_id",
            "jurisdiction_id",
            "name",
            "token_hash",
            "created_at",
            "expires_at",
        ])
        .values_panic([
            t.id.clone().into(),
            t.account_id.clone().into(),
            t.jurisdiction_id.clone().into(),
            t.name.clone().into(),
            token_hash.into(),
            t.created_at.into(),
            t.expires_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The token with this hash if it is neither revoked nor expired.
pub async fn find_live_token(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> Result<Option<AccessToken>, StoreError> {
    let stmt = Query::select()
        .columns(TOKEN_COLUMNS)
        .from("access_tokens")
        .and_where(Expr::col("token_hash").eq(token_hash))
        .and_where(Expr::col("revoked_at").is_null())
        .cond_where(
            Expr::col("expires_at")
                .is_null()
                .or(Expr::col("expires_at").gt(now)),
        )
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(token_from_row)
        .transpose()
}

pub async fn mark_token_used(db: &Db, id: &str, now: i64) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("access_tokens")
        .value("last_used_at", now)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

pub async fn tokens_of(db: &Db, account_id: &str) -> Result<Vec<AccessToken>, StoreError> {
    let stmt = Query::select()
        .columns(TOKEN_COLUMNS)
        .from("access_tokens")
        .and_where(Expr::col("account_id").eq(account_id))
        .order_by("created_at", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
}

/// Revokes a token of an account; 0 if it does not exist, is not theirs, or is revoked already.
pub async fn revoke_token(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
    now: i64,
) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("access_tokens")
        .value("revoked_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    tx.execute(&stmt).await
}

/// Revokes every token of an account (when it is disabled).
pub async fn revoke_all_tokens(tx: &mut Tx, account_id: &str, now: i64) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("access_tokens")
        .value("revoked_at", now)
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    tx.execute(&stmt).await
}

/// Records the city identity provider a session was signed in through.
pub async fn set_login_provider(db: &Db, id_hash: &str, provider: &str) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("sessions")
        .value("login_provider", provider)
        .and_where(Expr::col("id_hash").eq(id_hash))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// The city identity provider a session was signed in through, if any.
pub async fn login_provider(tx: &mut Tx, id_hash: &str) -> Result<Option<String>, StoreError> {
    let stmt = Query::select()
        .column("login_provider")
        .from("sessions")
        .and_where(Expr::col("id_hash").eq(id_hash))
        .to_owned();
    match tx.fetch_optional(&stmt).await? {
        Some(r) => r.get("login_provider"),
        None => Ok(None),
    }
}
