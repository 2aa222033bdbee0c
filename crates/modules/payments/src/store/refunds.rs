//! Refunds of payments.

use crate::app::Refund;
use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Conn, Row, StoreError};

const COLUMNS: [&str; 10] = [
    "id",
    "jurisdiction_id",
    "payment_id",
    "amount",
    "reason",
    "how",
    "state",
    "provider_ref",
    "created_by",
    "created_at",
];

fn from_row(r: &Row) -> Result<Refund, StoreError> {
    Ok(Refund {
        id: r.get("id")?,
        payment_id: r.get("payment_id")?,
        amount: r.get("amount")?,
        reason: r.get("reason")?,
        how: r.get("how")?,
        state: r.get("state")?,
        provider_ref: r.get("provider_ref")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
    })
}

pub async fn insert(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    r: &Refund,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("payment_refunds")
        .columns(COLUMNS)
        .values_panic([
            r.id.clone().into(),
            jurisdiction_id.into(),
            r.payment_id.clone().into(),
            r.amount.into(),
            r.reason.clone().into(),
            r.how.clone().into(),
            r.state.clone().into(),
            r.provider_ref.clone().into(),
            r.created_by.clone().into(),
            r.created_at.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// Settles a pending refund: `done` (with the provider's reference) or `refused`.
pub async fn settle(
    mut conn: impl Conn,
    id: &str,
    state: &str,
    provider_ref: Option<&str>,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("payment_refunds")
        .value("state", state)
        .value("provider_ref", provider_ref)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq("pending"))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// A refund of a payment.
pub async fn get(
    mut conn: impl Conn,
    payment_id: &str,
    id: &str,
) -> Result<Option<Refund>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("payment_refunds")
        .and_where(Expr::col("payment_id").eq(payment_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A payment's refunds, oldest first.
pub async fn of_payment(mut conn: impl Conn, payment_id: &str) -> Result<Vec<Refund>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("payment_refunds")
        .and_where(Expr::col("payment_id").eq(payment_id))
        .order_by("created_at", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// A jurisdiction's refunds made in `[from, until)` and done, for the finance office's export.
pub async fn between(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    from: i64,
    until: i64,
) -> Result<Vec<Refund>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("payment_refunds")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("created_at").gte(from))
        .and_where(Expr::col("created_at").lt(until))
        .and_where(Expr::col("state").eq("done"))
        .order_by("created_at", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}
