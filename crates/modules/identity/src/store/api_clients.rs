//! API clients: applications allowed to file cases over Open311. Only the SHA-256 of each key
//! is stored; keys are random and long, so a fast hash is the right tool (as for tokens).

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub key_prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

const COLUMNS: [&str; 6] = [
    "id",
    "jurisdiction_id",
    "name",
    "key_prefix",
    "created_at",
    "revoked_at",
];

fn from_row(r: &Row) -> Result<ApiClient, StoreError> {
    Ok(ApiClient {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        name: r.get("name")?,
        key_prefix: r.get("key_prefix")?,
        created_at: r.get("created_at")?,
        revoked_at: r.get("revoked_at")?,
    })
}

pub async fn insert(tx: &mut Tx, client: &ApiClient, key_hash: &str) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("api_clients")
        .columns([
            "id",
            "jurisdiction_id",
            "name",
            "key_hash",
            "key_prefix",
            "created_at",
        ])
        .values_panic([
            client.id.clone().into(),
            client.jurisdiction_id.clone().into(),
            client.name.clone().into(),
            key_hash.into(),
            client.key_prefix.clone().into(),
            client.created_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The client holding the key with this hash, if it exists and is not revoked.
pub async fn find_active_by_hash(db: &Db, key_hash: &str) -> Result<Option<ApiClient>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("api_clients")
        .and_where(Expr::col("key_hash").eq(key_hash))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list(db: &Db, jurisdiction_id: Option<&str>) -> Result<Vec<ApiClient>, StoreError> {
    let mut stmt = Query::select()
        .columns(COLUMNS)
        .from("api_clients")
        .order_by("jurisdiction_id", Order::Asc)
        .order_by("created_at", Order::Asc)
        .to_owned();
    if let Some(j) = jurisdiction_id {
        stmt.and_where(Expr::col("jurisdiction_id").eq(j));
    }
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Revokes the client with this id or key prefix in a jurisdiction. Returns how many keys were
/// revoked.
pub async fn revoke(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id_or_prefix: &str,
    at: i64,
) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("api_clients")
        .value("revoked_at", at)
        .and_where(
            Expr::col("id")
                .eq(id_or_prefix)
                .or(Expr::col("key_prefix").eq(id_or_prefix)),
        )
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    tx.execute(&stmt).await
}

/// Revokes every active key of a jurisdiction with the given name (used by the demo, which
/// issues a fresh key on each start).
pub async fn revoke_named(
    tx: &mut Tx,
    jurisdiction_id: &str,
    name: &str,
    at: i64,
) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("api_clients")
        .value("revoked_at", at)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("name").eq(name))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    tx.execute(&stmt).await
}
