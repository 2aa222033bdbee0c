//! The notification outbox and its delivery log; beside it, the daily counters behind the
//! per-jurisdiction caps (`caps`), template overrides (`templates`) and channel preferences
//! (`preferences`).
//!
//! Rows are inserted in the caller's transaction (so nothing is sent for a change that rolls
//! back), each with a `notify.deliver` job in [`crate::jobs`], the one queue whose claim and
//! lease decide which worker sends a message. This module keeps what the message is and what
//! became of it; the job holds the claim.

use crate::attempt_log::{Line, Log};
use crate::db::{Db, Row, StoreError, Tx};
mod caps;
mod preferences;
mod templates;

pub use caps::*;
pub use preferences::*;
pub use templates::*;

use sea_query::{CaseStatement, Expr, ExprTrait, Order, Query};

pub const STATUS_QUEUED: &str = "queued";
pub const STATUS_SENDING: &str = "sending";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_DELIVERED: &str = "delivered";
pub const STATUS_FAILED: &str = "failed";
pub const STATUS_DEAD: &str = "dead";
pub const STATUS_SUPPRESSED: &str = "suppressed";

/// A message to insert into the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub id: String,
    pub jurisdiction_id: String,
    pub account_id: Option<String>,
    pub channel: String,
    pub address: String,
    pub template: String,
    pub locale: String,
    /// A JSON object.
    pub vars: String,
    pub urgent: bool,
    /// `queued`, or `suppressed` when it must not be sent at all.
    pub status: String,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: String,
    pub jurisdiction_id: String,
    pub account_id: Option<String>,
    pub channel: String,
    pub address: String,
    pub template: String,
    pub locale: String,
    pub vars: String,
    pub urgent: bool,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub provider_message_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: [&str; 17] = [
    "id",
    "jurisdiction_id",
    "account_id",
    "channel",
    "address",
    "template",
    "locale",
    "vars",
    "urgent",
    "status",
    "attempts",
    "next_attempt_at",
    "sent_at",
    "provider_message_id",
    "last_error",
    "created_at",
    "updated_at",
];

fn from_row(r: &Row) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        account_id: r.get("account_id")?,
        channel: r.get("channel")?,
        address: r.get("address")?,
        template: r.get("template")?,
        locale: r.get("locale")?,
        vars: r.get("vars")?,
        urgent: r.get("urgent")?,
        status: r.get("status")?,
        attempts: r.get("attempts")?,
        next_attempt_at: r.get("next_attempt_at")?,
        sent_at: r.get("sent_at")?,
        provider_message_id: r.get("provider_message_id")?,
        last_error: r.get("last_error")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// Queues a message inside the caller's transaction.
pub async fn insert(tx: &mut Tx, n: &NewNotification) -> Result<(), StoreError> {
    insert_many(tx, std::slice::from_ref(n)).await
}

/// Queues messages inside the caller's transaction, with one statement.
pub async fn insert_many(tx: &mut Tx, ns: &[NewNotification]) -> Result<(), StoreError> {
    if ns.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert()
        .into_table("notifications")
        .columns([
            "id",
            "jurisdiction_id",
            "account_id",
            "channel",
            "address",
            "template",
            "locale",
            "vars",
            "urgent",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
            "updated_at",
        ])
        .to_owned();
    for n in ns {
        stmt.values_panic([
            n.id.clone().into(),
            n.jurisdiction_id.clone().into(),
            n.account_id.clone().into(),
            n.channel.clone().into(),
            n.address.clone().into(),
            n.template.clone().into(),
            n.locale.clone().into(),
            n.vars.clone().into(),
            n.urgent.into(),
            n.status.clone().into(),
            0i64.into(),
            n.next_attempt_at.into(),
            n.created_at.into(),
            n.created_at.into(),
        ]);
    }
    tx.execute(&stmt).await?;
    Ok(())
}

/// The messages with these ids (in no particular order).
pub async fn get_many(db: &Db, ids: &[&str]) -> Result<Vec<Notification>, StoreError> {
    crate::db::rows_with_ids(db, "notifications", &COLUMNS, ids, from_row).await
}

/// Marks queued messages as being sent (their jobs were just claimed).
pub async fn mark_sending(db: &Db, ids: &[&str], now: i64) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let stmt = Query::update()
        .table("notifications")
        .value("status", STATUS_SENDING)
        .value("updated_at", now)
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .and_where(Expr::col("status").eq(STATUS_QUEUED))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// How a claimed message leaves the `sending` state.
#[derive(Debug, Clone, PartialEq)]
pub enum Settle {
    /// Handed to the SMTP server or the SMS gateway.
    Sent { provider_message_id: Option<String> },
    /// Failed for now; queued again for `next_attempt_at`.
    Retry { next_attempt_at: i64, error: String },
    /// Failed for good (permanent error or attempts exhausted).
    Dead { error: String },
    /// Not attempted; queued again for `until` (quiet hours, daily cap). Does not count as an
    /// attempt.
    Defer { until: i64 },
    /// Not sent and never will be (e.g. over the daily cap for a message that would be stale
    /// tomorrow).
    Suppress,
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: String,
    pub notification_id: String,
    pub attempt: i64,
    pub at: i64,
    pub outcome: String,
    pub detail: String,
}

const LOG: Log = Log {
    table: "notification_attempts",
    key: "notification_id",
};

async fn log_in(tx: &mut Tx, a: &Attempt) -> Result<(), StoreError> {
    let line = Line {
        id: &a.id,
        subject_id: &a.notification_id,
        attempt: a.attempt,
        at: a.at,
        outcome: &a.outcome,
        detail: &a.detail,
    };
    LOG.append(tx, line).await
}

/// Records what became of an attempt, with its log line, in the caller's transaction (where
/// the message's job is settled too). `attempts` is the message's new attempt count. A
/// message a delivery receipt already settled keeps the receipt's verdict; returns false if
/// nothing changed for that reason.
pub async fn settle(
    tx: &mut Tx,
    id: &str,
    now: i64,
    attempts: i64,
    how: &Settle,
    log: Option<&Attempt>,
) -> Result<bool, StoreError> {
    let mut stmt = Query::update();
    stmt.table("notifications")
        .value("attempts", attempts)
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id));
    let pending = || Expr::col("status").is_in([STATUS_QUEUED, STATUS_SENDING]);
    let final_state = match how {
        Settle::Sent {
            provider_message_id,
        } => {
            // A fast gateway may have reported delivery before this commit: keep its verdict.
            stmt.value(
                "status",
                CaseStatement::new()
                    .case(pending(), STATUS_SENT)
                    .finally(Expr::col("status")),
            )
            .value("sent_at", now)
            .value("provider_message_id", provider_message_id.clone())
            .value("last_error", Option::<String>::None);
            true
        }
        Settle::Retry {
            next_attempt_at,
            error,
        } => {
            stmt.value("status", STATUS_QUEUED)
                .value("next_attempt_at", *next_attempt_at)
                .value("last_error", error.clone())
                .and_where(pending());
            false
        }
        Settle::Dead { error } => {
            stmt.value("status", STATUS_DEAD)
                .value("last_error", error.clone())
                .and_where(pending());
            true
        }
        Settle::Defer { until } => {
            stmt.value("status", STATUS_QUEUED)
                .value("next_attempt_at", *until)
                .and_where(pending());
            false
        }
        Settle::Suppress => {
            stmt.value("status", STATUS_SUPPRESSED).and_where(pending());
            true
        }
    };
    if final_state {
        // Variables can hold one-time codes and links: keep them only while they may be needed.
        stmt.value("vars", "{}");
    }
    if tx.execute(&stmt).await? == 0 {
        return Ok(false);
    }
    if let Some(log) = log {
        log_in(tx, log).await?;
    }
    Ok(true)
}

/// Records a delivery receipt from the SMS gateway: `delivered` or `failed`. Applies in any
/// state but `suppressed`, so a message the gateway did deliver is never sent again even if
/// its acceptance was not recorded. Returns false if no such message exists. The caller
/// finishes the message's queued job in the same transaction.
pub async fn apply_receipt(
    tx: &mut Tx,
    id: &str,
    status: &str,
    provider_message_id: Option<&str>,
    now: i64,
    log: &Attempt,
) -> Result<bool, StoreError> {
    let mut stmt = Query::update();
    stmt.table("notifications")
        .value("status", status)
        .value("updated_at", now)
        .value("vars", "{}")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("channel").eq("sms"))
        .and_where(Expr::col("status").ne(STATUS_SUPPRESSED));
    if let Some(p) = provider_message_id {
        stmt.value("provider_message_id", p);
    }
    if tx.execute(&stmt).await? == 0 {
        return Ok(false);
    }
    log_in(tx, log).await?;
    Ok(true)
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Notification>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("notifications")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Messages of a jurisdiction, newest first, `limit` at a time; pass the last id of a page as
/// `before` for the next one (ids are uuid v7, so they sort by creation time).
pub async fn list(
    db: &Db,
    jurisdiction_id: &str,
    before: Option<&str>,
    limit: u64,
) -> Result<Vec<Notification>, StoreError> {
    let mut stmt = Query::select()
        .columns(COLUMNS)
        .from("notifications")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(before) = before {
        stmt.and_where(Expr::col("id").lt(before));
    }
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// The delivery log of one message, oldest first.
pub async fn attempts(db: &Db, notification_id: &str) -> Result<Vec<Attempt>, StoreError> {
    LOG.read(
        db,
        notification_id,
        |(id, notification_id, attempt, at, outcome, detail)| Attempt {
            id,
            notification_id,
            attempt,
            at,
            outcome,
            detail,
        },
    )
    .await
}

/// Writes a log line outside a claim (e.g. a message suppressed at enqueue).
pub async fn log(tx: &mut Tx, a: &Attempt) -> Result<(), StoreError> {
    log_in(tx, a).await
}
