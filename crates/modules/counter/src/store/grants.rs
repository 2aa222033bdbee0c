//! Pickup grants: who may take an issued document, with the hash of their one-time code.

use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, SimpleExpr};
use store::{Conn, Row, StoreError, Tx};

/// A pickup grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub application_id: String,
    pub site_id: Option<String>,
    pub door_id: Option<String>,
    pub holder: String,
    pub mobile_hash: Option<String>,
    pub mandate_id: Option<String>,
    pub agent_name: Option<String>,
    pub agent_mobile: Option<String>,
    pub code_hash: String,
    pub active: bool,
    pub revoked: bool,
    pub locked_at: Option<i64>,
    pub wrong: i64,
    pub used_at: Option<i64>,
    pub expires_at: i64,
    pub reminded_at: Option<i64>,
    pub created_at: i64,
}

const GRANT: [&str; 18] = [
    "id",
    "application_id",
    "site_id",
    "door_id",
    "holder",
    "mobile_hash",
    "mandate_id",
    "agent_name",
    "agent_mobile",
    "code_hash",
    "active",
    "revoked",
    "locked_at",
    "wrong",
    "used_at",
    "expires_at",
    "reminded_at",
    "created_at",
];

fn grant(r: &Row) -> Result<Grant, StoreError> {
    let active: i64 = r.get("active")?;
    let revoked: i64 = r.get("revoked")?;
    Ok(Grant {
        id: r.get("id")?,
        application_id: r.get("application_id")?,
        site_id: r.get("site_id")?,
        door_id: r.get("door_id")?,
        holder: r.get("holder")?,
        mobile_hash: r.get("mobile_hash")?,
        mandate_id: r.get("mandate_id")?,
        agent_name: r.get("agent_name")?,
        agent_mobile: r.get("agent_mobile")?,
        code_hash: r.get("code_hash")?,
        active: active != 0,
        revoked: revoked != 0,
        locked_at: r.get("locked_at")?,
        wrong: r.get("wrong")?,
        used_at: r.get("used_at")?,
        expires_at: r.get("expires_at")?,
        reminded_at: r.get("reminded_at")?,
        created_at: r.get("created_at")?,
    })
}

pub async fn insert_grant(mut conn: impl Conn, g: &Grant) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("counter_grants")
        .columns(GRANT)
        .values_panic([
            g.id.clone().into(),
            g.application_id.clone().into(),
            g.site_id.clone().into(),
            g.door_id.clone().into(),
            g.holder.clone().into(),
            g.mobile_hash.clone().into(),
            g.mandate_id.clone().into(),
            g.agent_name.clone().into(),
            g.agent_mobile.clone().into(),
            g.code_hash.clone().into(),
            i64::from(g.active).into(),
            i64::from(g.revoked).into(),
            g.locked_at.into(),
            g.wrong.into(),
            g.used_at.into(),
            g.expires_at.into(),
            g.reminded_at.into(),
            g.created_at.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

pub async fn update_grant(tx: &mut Tx, g: &Grant) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("counter_grants")
        .value("door_id", g.door_id.clone())
        .value("site_id", g.site_id.clone())
        .value("mobile_hash", g.mobile_hash.clone())
        .value("code_hash", g.code_hash.as_str())
        .value("active", i64::from(g.active))
        .value("revoked", i64::from(g.revoked))
        .value("locked_at", g.locked_at)
        .value("wrong", g.wrong)
        .value("used_at", g.used_at)
        .value("expires_at", g.expires_at)
        .value("reminded_at", g.reminded_at)
        .and_where(Expr::col("id").eq(g.id.as_str()))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Counts a wrong code on each grant in one statement; each grant's new count.
pub async fn bump_wrong_many(
    tx: &mut Tx,
    ids: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::update()
        .table("counter_grants")
        .value("wrong", Expr::col("wrong").add(1))
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .returning(Query::returning().columns(["id", "wrong"]))
        .to_owned();
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("id")?, r.get("wrong")?)))
        .collect()
}

/// Marks grants used (not used before); how many.
pub async fn use_grants(tx: &mut Tx, ids: &[String], now: i64) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let stmt = Query::update()
        .table("counter_grants")
        .value("used_at", now)
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .and_where(Expr::col("used_at").is_null())
        .to_owned();
    tx.execute(&stmt).await
}

/// Revokes the live grants of applications (after their pickup); how many.
pub async fn revoke_live_of(tx: &mut Tx, application_ids: &[String]) -> Result<u64, StoreError> {
    if application_ids.is_empty() {
        return Ok(0);
    }
    let stmt = Query::update()
        .table("counter_grants")
        .value("revoked", 1i64)
        .and_where(Expr::col("application_id").is_in(application_ids.iter().map(String::as_str)))
        .and_where(live())
        .to_owned();
    tx.execute(&stmt).await
}

/// Locks a grant (once).
pub async fn lock(tx: &mut Tx, id: &str, now: i64) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("counter_grants")
        .value("locked_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("locked_at").is_null())
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

fn grants_select() -> SelectStatement {
    Query::select()
        .columns(GRANT)
        .from("counter_grants")
        .to_owned()
}

pub async fn grant_by_id(mut conn: impl Conn, id: &str) -> Result<Option<Grant>, StoreError> {
    let stmt = grants_select().and_where(Expr::col("id").eq(id)).to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(grant)
        .transpose()
}

pub async fn grants_of(
    mut conn: impl Conn,
    application_id: &str,
) -> Result<Vec<Grant>, StoreError> {
    let stmt = grants_select()
        .and_where(Expr::col("application_id").eq(application_id))
        .order_by("created_at", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(grant).collect()
}

/// Not revoked and not used, spelled as the partial indexes' predicate (a literal, not a bound
/// value: a planner uses a partial index only when it can prove the query implies it).
fn live() -> SimpleExpr {
    Expr::cust("revoked = 0 AND used_at IS NULL")
}

/// The live (not revoked, not used) grant at a site with this code hash.
pub async fn live_by_code(
    mut conn: impl Conn,
    site_id: &str,
    code_hash: &str,
) -> Result<Option<Grant>, StoreError> {
    let stmt = grants_select()
        .and_where(Expr::col("site_id").eq(site_id))
        .and_where(Expr::col("code_hash").eq(code_hash))
        .and_where(live())
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(grant)
        .transpose()
}

/// Grants by id (those that exist).
pub async fn grants_by_ids(mut conn: impl Conn, ids: &[String]) -> Result<Vec<Grant>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = grants_select()
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(grant).collect()
}

/// The live grants at a site held by the owners of any of these mobile numbers, by id.
pub async fn live_by_mobiles(
    mut conn: impl Conn,
    site_id: &str,
    mobile_hashes: &[String],
) -> Result<Vec<Grant>, StoreError> {
    if mobile_hashes.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = grants_select()
        .and_where(Expr::col("site_id").eq(site_id))
        .and_where(Expr::col("mobile_hash").is_in(mobile_hashes.iter().map(String::as_str)))
        .and_where(live())
        .order_by("id", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(grant).collect()
}

/// The active, live grants of a site, for a device's offline list.
pub async fn active_at_site(
    mut conn: impl Conn,
    site_id: &str,
    now: i64,
) -> Result<Vec<Grant>, StoreError> {
    let stmt = grants_select()
        .and_where(Expr::col("site_id").eq(site_id))
        .and_where(Expr::col("active").eq(1i64))
        .and_where(live())
        .and_where(Expr::col("expires_at").gt(now))
        .order_by("id", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(grant).collect()
}
