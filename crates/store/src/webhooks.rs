//! Webhook subscriptions of department back-office systems, the delivery outbox and its
//! attempt log.
//!
//! Deliveries are inserted in the caller's transaction (nothing is sent for a change that
//! rolls back), each with a `webhook.deliver` job in [`crate::jobs`], the one queue whose
//! claim and lease decide which worker sends a delivery. This module keeps what a delivery is
//! and what became of it; the job holds the claim.

use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

pub const STATUS_QUEUED: &str = "queued";
pub const STATUS_SENDING: &str = "sending";
pub const STATUS_DELIVERED: &str = "delivered";
pub const STATUS_FAILED: &str = "failed";
pub const STATUS_DEAD: &str = "dead";

/// A receiver of events. `secret` is the HMAC key deliveries are signed with.
#[derive(Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub url: String,
    pub secret: String,
    /// Comma-separated event types, e.g. `case.created,case.resolved`.
    pub event_types: String,
    /// Only events of this department's cases, when set.
    pub department_code: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("jurisdiction_id", &self.jurisdiction_id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"***")
            .field("event_types", &self.event_types)
            .field("department_code", &self.department_code)
            .field("active", &self.active)
            .finish()
    }
}

const SUBSCRIPTION_COLUMNS: [&str; 10] = [
    "id",
    "jurisdiction_id",
    "name",
    "url",
    "secret",
    "event_types",
    "department_code",
    "active",
    "created_at",
    "updated_at",
];

fn subscription_from_row(r: &Row) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        name: r.get("name")?,
        url: r.get("url")?,
        secret: r.get("secret")?,
        event_types: r.get("event_types")?,
        department_code: r.get("department_code")?,
        active: r.get("active")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub async fn insert_subscription(tx: &mut Tx, s: &Subscription) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("webhook_subscriptions")
        .columns(SUBSCRIPTION_COLUMNS)
        .values_panic([
            s.id.clone().into(),
            s.jurisdiction_id.clone().into(),
            s.name.clone().into(),
            s.url.clone().into(),
            s.secret.clone().into(),
            s.event_types.clone().into(),
            s.department_code.clone().into(),
            s.active.into(),
            s.created_at.into(),
            s.updated_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

fn subscription_query(jurisdiction_id: &str, id: &str) -> SelectStatement {
    Query::select()
        .columns(SUBSCRIPTION_COLUMNS)
        .from("webhook_subscriptions")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned()
}

pub async fn get_subscription(
    mut conn: impl crate::Conn,
    jurisdiction_id: &str,
    id: &str,
) -> Result<Option<Subscription>, StoreError> {
    conn.fetch_optional(&subscription_query(jurisdiction_id, id))
        .await?
        .as_ref()
        .map(subscription_from_row)
        .transpose()
}

/// The subscriptions of a jurisdiction, oldest first.
pub async fn list_subscriptions(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<Vec<Subscription>, StoreError> {
    let stmt = Query::select()
        .columns(SUBSCRIPTION_COLUMNS)
        .from("webhook_subscriptions")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(subscription_from_row)
        .collect()
}

/// The active subscriptions of a jurisdiction, read in the caller's transaction.
pub async fn active_subscriptions_in(
    tx: &mut Tx,
    jurisdiction_id: &str,
) -> Result<Vec<Subscription>, StoreError> {
    let stmt = Query::select()
        .columns(SUBSCRIPTION_COLUMNS)
        .from("webhook_subscriptions")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("active").eq(true))
        .order_by("id", Order::Asc)
        .to_owned();
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(subscription_from_row)
        .collect()
}

/// Writes every editable field (name, URL, secret, event types, department, active).
/// Returns false if no such subscription exists in the jurisdiction.
pub async fn update_subscription(tx: &mut Tx, s: &Subscription) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("webhook_subscriptions")
        .value("name", s.name.clone())
        .value("url", s.url.clone())
        .value("secret", s.secret.clone())
        .value("event_types", s.event_types.clone())
        .value("department_code", s.department_code.clone())
        .value("active", s.active)
        .value("updated_at", s.updated_at)
        .and_where(Expr::col("jurisdiction_id").eq(s.jurisdiction_id.clone()))
        .and_where(Expr::col("id").eq(s.id.clone()))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Turns an active subscription off (the receiver answered 410 Gone). Returns false if it
/// was already off or does not exist.
pub async fn disable_subscription(tx: &mut Tx, id: &str, now: i64) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("webhook_subscriptions")
        .value("active", false)
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("active").eq(true))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// The ids of a subscription's deliveries, as a statement to nest (e.g. to remove their jobs).
pub fn deliveries_of(jurisdiction_id: &str, subscription_id: &str) -> SelectStatement {
    Query::select()
        .column("id")
        .from("webhook_deliveries")
        .and_where(Expr::col("subscription_id").eq(subscription_id))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned()
}

/// Removes a subscription with its deliveries and their log. Returns false if it did not
/// exist in the jurisdiction. The caller removes the deliveries' jobs first.
pub async fn delete_subscription(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let deliveries = deliveries_of(jurisdiction_id, id);
    let attempts = Query::delete()
        .from_table("webhook_attempts")
        .and_where(Expr::col("delivery_id").in_subquery(deliveries))
        .to_owned();
    tx.execute(&attempts).await?;
    let deliveries = Query::delete()
        .from_table("webhook_deliveries")
        .and_where(Expr::col("subscription_id").eq(id))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    tx.execute(&deliveries).await?;
    let subscription = Query::delete()
        .from_table("webhook_subscriptions")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.execute(&subscription).await? == 1)
}

// --- deliveries ------------------------------------------------------------------------

/// A delivery to insert into the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub id: String,
    pub subscription_id: String,
    pub jurisdiction_id: String,
    pub event_type: String,
    pub event_id: String,
    /// The request body, exactly as it will be sent and signed.
    pub payload: String,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub subscription_id: String,
    pub jurisdiction_id: String,
    pub event_type: String,
    pub event_id: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

const DELIVERY_COLUMNS: [&str; 13] = [
    "id",
    "subscription_id",
    "jurisdiction_id",
    "event_type",
    "event_id",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_status_code",
    "last_error",
    "delivered_at",
    "created_at",
];

fn delivery_from_row(r: &Row) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: r.get("id")?,
        subscription_id: r.get("subscription_id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        event_type: r.get("event_type")?,
        event_id: r.get("event_id")?,
        payload: r.get("payload")?,
        status: r.get("status")?,
        attempts: r.get("attempts")?,
        next_attempt_at: r.get("next_attempt_at")?,
        last_status_code: r.get("last_status_code")?,
        last_error: r.get("last_error")?,
        delivered_at: r.get("delivered_at")?,
        created_at: r.get("created_at")?,
    })
}

/// Queues a delivery inside the caller's transaction.
pub async fn insert_delivery(tx: &mut Tx, d: &NewDelivery) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("webhook_deliveries")
        .columns([
            "id",
            "subscription_id",
            "jurisdiction_id",
            "event_type",
            "event_id",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ])
        .values_panic([
            d.id.clone().into(),
            d.subscription_id.clone().into(),
            d.jurisdiction_id.clone().into(),
            d.event_type.clone().into(),
            d.event_id.clone().into(),
            d.payload.clone().into(),
            STATUS_QUEUED.into(),
            0i64.into(),
            d.next_attempt_at.into(),
            d.created_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The deliveries with these ids (in no particular order).
pub async fn get_many(db: &Db, ids: &[&str]) -> Result<Vec<Delivery>, StoreError> {
    crate::db::rows_with_ids(
        db,
        "webhook_deliveries",
        &DELIVERY_COLUMNS,
        ids,
        delivery_from_row,
    )
    .await
}

/// Marks queued deliveries as being sent (their jobs were just claimed).
pub async fn mark_sending(db: &Db, ids: &[&str]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let stmt = Query::update()
        .table("webhook_deliveries")
        .value("status", STATUS_SENDING)
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .and_where(Expr::col("status").eq(STATUS_QUEUED))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// How a claimed delivery leaves the `sending` state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// The receiver answered 2xx.
    Delivered { status_code: i64 },
    /// Failed for now; queued again for `next_attempt_at`.
    Retry {
        next_attempt_at: i64,
        status_code: Option<i64>,
        error: String,
    },
    /// Failed `max_attempts` times.
    Dead {
        status_code: Option<i64>,
        error: String,
    },
    /// Will not be attempted again on its own (410 Gone, subscription off or removed); an
    /// administrator may redeliver it.
    Failed {
        status_code: Option<i64>,
        error: String,
    },
    /// Not attempted; queued again for `until`. Does not count as an attempt.
    Defer { until: i64 },
}

/// Records what became of an attempt inside the caller's transaction, where the delivery's
/// job is settled too. `attempts` is the delivery's new attempt count. Returns false (and
/// changes nothing) if the delivery is no longer pending.
pub async fn settle(
    tx: &mut Tx,
    id: &str,
    now: i64,
    attempts: i64,
    how: &Settle,
) -> Result<bool, StoreError> {
    let mut stmt = Query::update();
    stmt.table("webhook_deliveries")
        .value("attempts", attempts)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").is_in([STATUS_QUEUED, STATUS_SENDING]));
    match how {
        Settle::Delivered { status_code } => {
            stmt.value("status", STATUS_DELIVERED)
                .value("delivered_at", now)
                .value("last_status_code", *status_code)
                .value("last_error", Option::<String>::None);
        }
        Settle::Retry {
            next_attempt_at,
            status_code,
            error,
        } => {
            stmt.value("status", STATUS_QUEUED)
                .value("next_attempt_at", *next_attempt_at)
                .value("last_status_code", *status_code)
                .value("last_error", error.clone());
        }
        Settle::Dead { status_code, error } => {
            stmt.value("status", STATUS_DEAD)
                .value("last_status_code", *status_code)
                .value("last_error", error.clone());
        }
        Settle::Failed { status_code, error } => {
            stmt.value("status", STATUS_FAILED)
                .value("last_status_code", *status_code)
                .value("last_error", error.clone());
        }
        Settle::Defer { until } => {
            stmt.value("status", STATUS_QUEUED)
                .value("next_attempt_at", *until);
        }
    }
    Ok(tx.execute(&stmt).await? == 1)
}

/// Queues a failed or dead delivery again for `now`, with a fresh round of attempts.
/// Returns false if it does not exist in the jurisdiction or is not failed or dead.
pub async fn requeue(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("webhook_deliveries")
        .value("status", STATUS_QUEUED)
        .value("attempts", 0i64)
        .value("next_attempt_at", now)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").is_in([STATUS_FAILED, STATUS_DEAD]))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

pub async fn get_delivery(
    db: &Db,
    jurisdiction_id: &str,
    id: &str,
) -> Result<Option<Delivery>, StoreError> {
    let stmt = Query::select()
        .columns(DELIVERY_COLUMNS)
        .from("webhook_deliveries")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(delivery_from_row)
        .transpose()
}

/// Deliveries of a subscription, newest first, `limit` at a time; pass the last id of a page
/// as `before` for the next one (ids are uuid v7, so they sort by creation time).
pub async fn list_deliveries(
    db: &Db,
    jurisdiction_id: &str,
    subscription_id: &str,
    before: Option<&str>,
    limit: u64,
) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = Query::select()
        .columns(DELIVERY_COLUMNS)
        .from("webhook_deliveries")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("subscription_id").eq(subscription_id))
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(before) = before {
        stmt.and_where(Expr::col("id").lt(before));
    }
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(delivery_from_row)
        .collect()
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: String,
    pub delivery_id: String,
    pub attempt: i64,
    pub at: i64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i64>,
    /// `delivered`, `retry`, `dead`, `gone`, `failed` or `redeliver`.
    pub outcome: String,
    pub detail: String,
    pub duration_ms: Option<i64>,
}

const ATTEMPT_COLUMNS: [&str; 8] = [
    "id",
    "delivery_id",
    "attempt",
    "at",
    "status_code",
    "outcome",
    "detail",
    "duration_ms",
];

/// Appends a line to a delivery's log.
pub async fn log(tx: &mut Tx, a: &Attempt) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("webhook_attempts")
        .columns(ATTEMPT_COLUMNS)
        .values_panic([
            a.id.clone().into(),
            a.delivery_id.clone().into(),
            a.attempt.into(),
            a.at.into(),
            a.status_code.into(),
            a.outcome.clone().into(),
            a.detail.clone().into(),
            a.duration_ms.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The log of one delivery, oldest first.
pub async fn attempts(db: &Db, delivery_id: &str) -> Result<Vec<Attempt>, StoreError> {
    let stmt = Query::select()
        .columns(ATTEMPT_COLUMNS)
        .from("webhook_attempts")
        .and_where(Expr::col("delivery_id").eq(delivery_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(Attempt {
                id: r.get("id")?,
                delivery_id: r.get("delivery_id")?,
                attempt: r.get("attempt")?,
                at: r.get("at")?,
                status_code: r.get("status_code")?,
                outcome: r.get("outcome")?,
                detail: r.get("detail")?,
                duration_ms: r.get("duration_ms")?,
            })
        })
        .collect()
}
