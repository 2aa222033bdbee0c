//! The documents an applicant uploads with a form (PDF, JPEG, PNG, checked by content), kept in
//! the database so every node serves them.

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Conn, StoreError};

/// A stored document, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub application_id: String,
    pub field_key: String,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

pub async fn insert(mut conn: impl Conn, d: &Document, body: Vec<u8>) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("counter_documents")
        .columns([
            "id",
            "application_id",
            "field_key",
            "kind",
            "size",
            "sha256",
            "body",
            "created_at",
        ])
        .values_panic([
            d.id.clone().into(),
            d.application_id.clone().into(),
            d.field_key.clone().into(),
            d.kind.clone().into(),
            d.size.into(),
            d.sha256.clone().into(),
            body.into(),
            d.created_at.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

pub async fn of_application(
    mut conn: impl Conn,
    application_id: &str,
) -> Result<Vec<Document>, StoreError> {
    let stmt = Query::select()
        .columns([
            "id",
            "application_id",
            "field_key",
            "kind",
            "size",
            "sha256",
            "created_at",
        ])
        .from("counter_documents")
        .and_where(Expr::col("application_id").eq(application_id))
        .order_by("created_at", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(Document {
                id: r.get("id")?,
                application_id: r.get("application_id")?,
                field_key: r.get("field_key")?,
                kind: r.get("kind")?,
                size: r.get("size")?,
                sha256: r.get("sha256")?,
                created_at: r.get("created_at")?,
            })
        })
        .collect()
}

/// A document's bytes and kind.
pub async fn body(
    mut conn: impl Conn,
    application_id: &str,
    id: &str,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let stmt = Query::select()
        .columns(["kind", "body"])
        .from("counter_documents")
        .and_where(Expr::col("application_id").eq(application_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .map(|r| Ok((r.get("kind")?, r.get("body")?)))
        .transpose()
}
