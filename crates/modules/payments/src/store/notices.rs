//! The gateways' server notices, as received, with what was done with each.

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Conn, StoreError};

/// The most of a notice's body that is kept.
pub const MAX_BODY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecord {
    pub id: String,
    pub provider: String,
    pub trade_no: Option<String>,
    pub payment_id: Option<String>,
    /// `settled`, `duplicate`, `unpaid`, or `refused:<why>`.
    pub outcome: String,
    pub body: String,
    pub received_at: i64,
}

pub async fn insert(mut conn: impl Conn, n: &NoticeRecord) -> Result<(), StoreError> {
    let mut body = n.body.clone();
    if body.len() > MAX_BODY {
        let mut cut = MAX_BODY;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
    }
    let stmt = Query::insert()
        .into_table("payment_notices")
        .columns([
            "id",
            "provider",
            "trade_no",
            "payment_id",
            "outcome",
            "body",
            "received_at",
        ])
        .values_panic([
            n.id.clone().into(),
            n.provider.clone().into(),
            n.trade_no.clone().into(),
            n.payment_id.clone().into(),
            n.outcome.clone().into(),
            body.into(),
            n.received_at.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// The notices received about a payment, oldest first.
pub async fn of_payment(
    mut conn: impl Conn,
    payment_id: &str,
) -> Result<Vec<NoticeRecord>, StoreError> {
    let stmt = Query::select()
        .columns([
            "id",
            "provider",
            "trade_no",
            "payment_id",
            "outcome",
            "body",
            "received_at",
        ])
        .from("payment_notices")
        .and_where(Expr::col("payment_id").eq(payment_id))
        .order_by("received_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(NoticeRecord {
                id: r.get("id")?,
                provider: r.get("provider")?,
                trade_no: r.get("trade_no")?,
                payment_id: r.get("payment_id")?,
                outcome: r.get("outcome")?,
                body: r.get("body")?,
                received_at: r.get("received_at")?,
            })
        })
        .collect()
}
