//! The module's queries, private to it: payments, their hash-chained events, the gateways'
//! notices as received, and refunds. Each is written once over `store::Conn`.

pub mod events;
pub mod notices;
pub mod refunds;

use crate::app::{Payment, Search};
use crate::domain::state::PaymentState;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use store::{Backend, Conn, Row, StoreError, Tx};

const COLUMNS: [&str; 29] = [
    "id",
    "jurisdiction_id",
    "trade_no",
    "owner",
    "reference",
    "description",
    "amount",
    "return_url",
    "payer_account_id",
    "language",
    "channel",
    "method",
    "state",
    "provider_ref",
    "payment_type",
    "carrier_kind",
    "carrier_id",
    "refunded",
    "retry_of",
    "failure",
    "created_by",
    "created_at",
    "updated_at",
    "expires_at",
    "submitted_at",
    "settled_at",
    "checked_at",
    "provider_status",
    "provider_amount",
];

fn from_row(r: &Row) -> Result<Payment, StoreError> {
    let state: String = r.get("state")?;
    Ok(Payment {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        trade_no: r.get("trade_no")?,
        owner: r.get("owner")?,
        reference: r.get("reference")?,
        description: r.get("description")?,
        amount: r.get("amount")?,
        return_url: r.get("return_url")?,
        payer_account_id: r.get("payer_account_id")?,
        language: r.get("language")?,
        channel: r.get("channel")?,
        method: r.get("method")?,
        state: PaymentState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("payment state {state:?}")))?,
        provider_ref: r.get("provider_ref")?,
        payment_type: r.get("payment_type")?,
        carrier_kind: r.get("carrier_kind")?,
        carrier_id: r.get("carrier_id")?,
        refunded: r.get("refunded")?,
        retry_of: r.get("retry_of")?,
        failure: r.get("failure")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        expires_at: r.get("expires_at")?,
        submitted_at: r.get("submitted_at")?,
        settled_at: r.get("settled_at")?,
        checked_at: r.get("checked_at")?,
        provider_status: r.get("provider_status")?,
        provider_amount: r.get("provider_amount")?,
    })
}

pub async fn insert(mut conn: impl Conn, p: &Payment) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("payments")
        .columns(COLUMNS)
        .values_panic([
            p.id.clone().into(),
            p.jurisdiction_id.clone().into(),
            p.trade_no.clone().into(),
            p.owner.clone().into(),
            p.reference.clone().into(),
            p.description.clone().into(),
            p.amount.into(),
            p.return_url.clone().into(),
            p.payer_account_id.clone().into(),
            p.language.clone().into(),
            p.channel.clone().into(),
            p.method.clone().into(),
            p.state.as_str().into(),
            p.provider_ref.clone().into(),
            p.payment_type.clone().into(),
            p.carrier_kind.clone().into(),
            p.carrier_id.clone().into(),
            p.refunded.into(),
            p.retry_of.clone().into(),
            p.failure.clone().into(),
            p.created_by.clone().into(),
            p.created_at.into(),
            p.updated_at.into(),
            p.expires_at.into(),
            p.submitted_at.into(),
            p.settled_at.into(),
            p.checked_at.into(),
            p.provider_status.clone().into(),
            p.provider_amount.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// Writes what changes on a payment (everything but what was asked; the trade number changes
/// when a wallet declined the last one).
pub async fn update(tx: &mut Tx, p: &Payment) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("payments")
        .value("trade_no", p.trade_no.as_str())
        .value("method", p.method.clone())
        .value("state", p.state.as_str())
        .value("provider_ref", p.provider_ref.clone())
        .value("payment_type", p.payment_type.clone())
        .value("carrier_kind", p.carrier_kind.clone())
        .value("carrier_id", p.carrier_id.clone())
        .value("refunded", p.refunded)
        .value("failure", p.failure.clone())
        .value("updated_at", p.updated_at)
        .value("expires_at", p.expires_at)
        .value("submitted_at", p.submitted_at)
        .value("settled_at", p.settled_at)
        .value("checked_at", p.checked_at)
        .value("provider_status", p.provider_status.clone())
        .value("provider_amount", p.provider_amount)
        .and_where(Expr::col("id").eq(p.id.as_str()))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Records what the provider said of a payment when asked at `now` (without changing it);
/// with `if_submitted`, only while the payment is still with the provider (a notice may have
/// settled it since the provider was asked).
pub async fn record_provider_word(
    mut conn: impl Conn,
    id: &str,
    status: &str,
    amount: Option<i64>,
    now: i64,
    if_submitted: bool,
) -> Result<(), StoreError> {
    let mut stmt = Query::update()
        .table("payments")
        .value("checked_at", now)
        .value("provider_status", status)
        .value("provider_amount", amount)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    if if_submitted {
        stmt.and_where(Expr::col("state").eq("submitted"));
    }
    conn.execute(&stmt).await?;
    Ok(())
}

fn select() -> SelectStatement {
    Query::select().columns(COLUMNS).from("payments").to_owned()
}

async fn one(mut conn: impl Conn, stmt: SelectStatement) -> Result<Option<Payment>, StoreError> {
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A payment by its id, in any jurisdiction (the payer's pages and the notices know no other).
pub async fn get(conn: impl Conn, id: &str) -> Result<Option<Payment>, StoreError> {
    one(conn, select().and_where(Expr::col("id").eq(id)).to_owned()).await
}

/// A payment, locked until the transaction ends (PostgreSQL; SQLite's write lock serialises
/// writers already), so that a notice and reconciliation never both settle it.
pub async fn get_for_update(tx: &mut Tx, id: &str) -> Result<Option<Payment>, StoreError> {
    let mut stmt = select().and_where(Expr::col("id").eq(id)).to_owned();
    if tx.backend() == Backend::Postgres {
        stmt.lock(sea_query::LockType::Update);
    }
    one(&mut *tx, stmt).await
}

/// Records a trade number a payment is handed to a provider under.
pub async fn add_trade(
    mut conn: impl Conn,
    trade_no: &str,
    payment_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("payment_trades")
        .columns(["trade_no", "payment_id", "created_at"])
        .values_panic([trade_no.into(), payment_id.into(), at.into()])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// The payment of a trade number (its current one or an earlier one), locked like
/// [`get_for_update`].
pub async fn by_trade_no_for_update(
    tx: &mut Tx,
    trade_no: &str,
) -> Result<Option<Payment>, StoreError> {
    let find = Query::select()
        .column("payment_id")
        .from("payment_trades")
        .and_where(Expr::col("trade_no").eq(trade_no))
        .to_owned();
    let Some(row) = tx.fetch_optional(&find).await? else {
        return Ok(None);
    };
    let id: String = row.get("payment_id")?;
    get_for_update(tx, &id).await
}

/// The unfinished payment an asker already asked for under this reference, if any.
pub async fn open_for_reference(
    conn: impl Conn,
    jurisdiction_id: &str,
    owner: &str,
    reference: &str,
) -> Result<Option<Payment>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("owner").eq(owner))
        .and_where(Expr::col("reference").eq(reference))
        .and_where(Expr::col("state").is_in(["created", "started", "submitted"]))
        .to_owned();
    one(conn, stmt).await
}

/// A successful payment under this reference, if any (a reference is paid once).
pub async fn paid_for_reference(
    conn: impl Conn,
    jurisdiction_id: &str,
    owner: &str,
    reference: &str,
) -> Result<Option<Payment>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("owner").eq(owner))
        .and_where(Expr::col("reference").eq(reference))
        .and_where(Expr::col("state").eq("success"))
        .limit(1)
        .to_owned();
    one(conn, stmt).await
}

/// The jurisdiction's payments settled paid in `[from, until)`, in the order they were settled.
pub async fn settled_paid_between(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    from: i64,
    until: i64,
) -> Result<Vec<Payment>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("settled_at").gte(from))
        .and_where(Expr::col("settled_at").lt(until))
        .and_where(Expr::col("state").eq("success"))
        .order_by("settled_at", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// The jurisdiction's payments of these ids (at most 1,000 ids a statement).
pub async fn get_many(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    ids: &[String],
) -> Result<Vec<Payment>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let stmt = select()
            .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
            .and_where(Expr::col("id").is_in(chunk.iter().cloned()))
            .to_owned();
        for row in conn.fetch_all(&stmt).await? {
            out.push(from_row(&row)?);
        }
    }
    Ok(out)
}

/// Whether a cash receipt number is already used in the jurisdiction (the unique index
/// `payments_receipt` decides between two clerks at once).
pub async fn receipt_used(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    receipt: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::select()
        .column("id")
        .from("payments")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("method").eq("cash"))
        .and_where(Expr::col("provider_ref").eq(receipt))
        .limit(1)
        .to_owned();
    Ok(conn.fetch_optional(&stmt).await?.is_some())
}

/// Payments of a jurisdiction matching a search, newest first, at most `limit`.
pub async fn search(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    s: &Search,
    limit: u64,
) -> Result<Vec<Payment>, StoreError> {
    let mut stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    if let Some(state) = s.state {
        stmt.and_where(Expr::col("state").eq(state.as_str()));
    }
    if let Some(method) = &s.method {
        stmt.and_where(Expr::col("method").eq(method.as_str()));
    }
    if let Some(q) = s.text.as_deref().filter(|q| !q.is_empty()) {
        stmt.and_where(
            Expr::col("trade_no")
                .eq(q)
                .or(Expr::col("reference").eq(q))
                .or(Expr::col("provider_ref").eq(q))
                .or(Expr::col("id").eq(q)),
        );
    }
    if let Some(from) = s.from {
        stmt.and_where(Expr::col("created_at").gte(from));
    }
    if let Some(until) = s.until {
        stmt.and_where(Expr::col("created_at").lt(until));
    }
    if let Some((at, id)) = &s.before {
        stmt.and_where(
            Expr::col("created_at").lt(*at).or(Expr::col("created_at")
                .eq(*at)
                .and(Expr::col("id").lt(id.as_str()))),
        );
    }
    stmt.order_by("created_at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit);
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Payments handed to `method` and not finished, submitted before `submitted_before` and not
/// asked about since `checked_before`, in (submitted_at, id) order after `after`: what
/// reconciliation asks the provider about, a page at a time.
pub async fn unsettled(
    mut conn: impl Conn,
    method: &str,
    submitted_before: i64,
    checked_before: i64,
    after: Option<(i64, &str)>,
    limit: u64,
) -> Result<Vec<Payment>, StoreError> {
    let mut stmt = select()
        .and_where(Expr::col("state").eq("submitted"))
        .and_where(Expr::col("method").eq(method))
        .and_where(Expr::col("submitted_at").lt(submitted_before))
        .and_where(
            Expr::col("checked_at")
                .is_null()
                .or(Expr::col("checked_at").lt(checked_before)),
        )
        .to_owned();
    if let Some((at, id)) = after {
        stmt.and_where(
            Expr::col("submitted_at")
                .gt(at)
                .or(Expr::col("submitted_at").eq(at).and(Expr::col("id").gt(id))),
        );
    }
    stmt.order_by("submitted_at", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit);
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Payments never handed to a provider whose time has passed: they expire without asking.
pub async fn stale_unsubmitted(
    mut conn: impl Conn,
    now: i64,
    limit: u64,
) -> Result<Vec<String>, StoreError> {
    let stmt = Query::select()
        .column("id")
        .from("payments")
        .and_where(Expr::col("state").is_in(["created", "started"]))
        .and_where(Expr::col("expires_at").lt(now))
        .limit(limit)
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect()
}

/// The payments of a jurisdiction handed to `method` whose submission (or, for cash, taking)
/// falls in `[from, until)`: one day's trades, for the reconciliation report.
pub async fn of_day(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    method: &str,
    from: i64,
    until: i64,
) -> Result<Vec<Payment>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("method").eq(method))
        .and_where(Expr::col("submitted_at").gte(from))
        .and_where(Expr::col("submitted_at").lt(until))
        .order_by("trade_no", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}
