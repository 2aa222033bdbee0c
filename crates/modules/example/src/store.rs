//! The module's queries, private to it: each written once over `store::Conn`.

use crate::Notice;
use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Conn, Db, Row, StoreError};

const COLUMNS: [&str; 5] = [
    "id",
    "jurisdiction_id",
    "title",
    "posted_at",
    "published_at",
];

fn from_row(r: &Row) -> Result<Notice, StoreError> {
    Ok(Notice {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        title: r.get("title")?,
        posted_at: r.get("posted_at")?,
        published_at: r.get("published_at")?,
    })
}

pub async fn insert(mut conn: impl Conn, n: &Notice) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("example_notices")
        .columns(COLUMNS)
        .values_panic([
            n.id.clone().into(),
            n.jurisdiction_id.clone().into(),
            n.title.clone().into(),
            n.posted_at.into(),
            n.published_at.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// Publishes the notice at `now` unless it already is; whether it was published now.
pub async fn publish(mut conn: impl Conn, id: &str, now: i64) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("example_notices")
        .value("published_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("published_at").is_null())
        .to_owned();
    Ok(conn.execute(&stmt).await? == 1)
}

pub async fn list(db: &Db, jurisdiction_id: &str) -> Result<Vec<Notice>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("example_notices")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("posted_at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(200)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}
