//! The notification outbox, its delivery log, template overrides, channel preferences and the
//! daily counters behind the per-jurisdiction caps.
//!
//! Rows are inserted in the caller's transaction (so nothing is sent for a change that rolls
//! back), each with a `notify.deliver` job in [`crate::jobs`], the one queue whose claim and
//! lease decide which worker sends a message. This module keeps what the message is and what
//! became of it; `locked_until` and `claim_token` are no longer written (the job holds them).

use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{CaseStatement, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};

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
    pub locked_until: Option<i64>,
    pub claim_token: Option<String>,
    pub sent_at: Option<i64>,
    pub provider_message_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: [&str; 19] = [
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
    "locked_until",
    "claim_token",
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
        locked_until: r.get("locked_until")?,
        claim_token: r.get("claim_token")?,
        sent_at: r.get("sent_at")?,
        provider_message_id: r.get("provider_message_id")?,
        last_error: r.get("last_error")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// Queues a message inside the caller's transaction.
pub async fn insert(tx: &mut Tx, n: &NewNotification) -> Result<(), StoreError> {
    let stmt = Query::insert()
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
        .values_panic([
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
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The messages with these ids (in no particular order).
pub async fn get_many(db: &Db, ids: &[&str]) -> Result<Vec<Notification>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("notifications")
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
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

async fn log_in(tx: &mut Tx, a: &Attempt) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("notification_attempts")
        .columns([
            "id",
            "notification_id",
            "attempt",
            "at",
            "outcome",
            "detail",
        ])
        .values_panic([
            a.id.clone().into(),
            a.notification_id.clone().into(),
            a.attempt.into(),
            a.at.into(),
            a.outcome.clone().into(),
            a.detail.clone().into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
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
    let stmt = Query::select()
        .columns([
            "id",
            "notification_id",
            "attempt",
            "at",
            "outcome",
            "detail",
        ])
        .from("notification_attempts")
        .and_where(Expr::col("notification_id").eq(notification_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(Attempt {
                id: r.get("id")?,
                notification_id: r.get("notification_id")?,
                attempt: r.get("attempt")?,
                at: r.get("at")?,
                outcome: r.get("outcome")?,
                detail: r.get("detail")?,
            })
        })
        .collect()
}

/// Writes a log line outside a claim (e.g. a message suppressed at enqueue).
pub async fn log(tx: &mut Tx, a: &Attempt) -> Result<(), StoreError> {
    log_in(tx, a).await
}

// --- daily caps --------------------------------------------------------------------------

/// Takes one unit of today's allowance of a jurisdiction's channel. Returns false, changing
/// nothing, if `cap` units are already taken. Safe under concurrency on both backends (the
/// conditional update locks the counter row).
pub async fn reserve_daily(
    db: &Db,
    jurisdiction_id: &str,
    day: &str,
    channel: &str,
    cap: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let start = Query::insert()
        .into_table("notification_daily_counts")
        .columns(["jurisdiction_id", "day", "channel", "count"])
        .values_panic([
            jurisdiction_id.into(),
            day.into(),
            channel.into(),
            0i64.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "day", "channel"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    tx.execute(&start).await?;
    let bump = Query::update()
        .table("notification_daily_counts")
        .value("count", Expr::col("count").add(1))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("day").eq(day))
        .and_where(Expr::col("channel").eq(channel))
        .and_where(Expr::col("count").lt(cap))
        .to_owned();
    let ok = tx.execute(&bump).await? == 1;
    tx.commit().await?;
    Ok(ok)
}

/// Gives back a unit taken by [`reserve_daily`] for a message that was not sent after all.
pub async fn release_daily(
    db: &Db,
    jurisdiction_id: &str,
    day: &str,
    channel: &str,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("notification_daily_counts")
        .value("count", Expr::col("count").sub(1))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("day").eq(day))
        .and_where(Expr::col("channel").eq(channel))
        .and_where(Expr::col("count").gt(0))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

pub async fn daily_count(
    db: &Db,
    jurisdiction_id: &str,
    day: &str,
    channel: &str,
) -> Result<i64, StoreError> {
    let stmt = Query::select()
        .column("count")
        .from("notification_daily_counts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("day").eq(day))
        .and_where(Expr::col("channel").eq(channel))
        .to_owned();
    Ok(match db.fetch_optional(&stmt).await? {
        Some(r) => r.get("count")?,
        None => 0,
    })
}

// --- templates ---------------------------------------------------------------------------

/// An admin's replacement for a built-in template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateOverride {
    pub jurisdiction_id: String,
    pub key: String,
    pub locale: String,
    pub channel: String,
    pub subject: Option<String>,
    pub body: String,
    pub updated_at: i64,
    pub updated_by: String,
}

const TEMPLATE_COLUMNS: [&str; 8] = [
    "jurisdiction_id",
    "key",
    "locale",
    "channel",
    "subject",
    "body",
    "updated_at",
    "updated_by",
];

fn template_from_row(r: &Row) -> Result<TemplateOverride, StoreError> {
    Ok(TemplateOverride {
        jurisdiction_id: r.get("jurisdiction_id")?,
        key: r.get("key")?,
        locale: r.get("locale")?,
        channel: r.get("channel")?,
        subject: r.get("subject")?,
        body: r.get("body")?,
        updated_at: r.get("updated_at")?,
        updated_by: r.get("updated_by")?,
    })
}

pub async fn list_templates(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<Vec<TemplateOverride>, StoreError> {
    let stmt = Query::select()
        .columns(TEMPLATE_COLUMNS)
        .from("notification_templates")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("key", Order::Asc)
        .order_by("locale", Order::Asc)
        .order_by("channel", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(template_from_row)
        .collect()
}

pub async fn get_template(
    db: &Db,
    jurisdiction_id: &str,
    key: &str,
    locale: &str,
    channel: &str,
) -> Result<Option<TemplateOverride>, StoreError> {
    let stmt = Query::select()
        .columns(TEMPLATE_COLUMNS)
        .from("notification_templates")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("key").eq(key))
        .and_where(Expr::col("locale").eq(locale))
        .and_where(Expr::col("channel").eq(channel))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(template_from_row)
        .transpose()
}

pub async fn upsert_template(tx: &mut Tx, t: &TemplateOverride) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("notification_templates")
        .columns(TEMPLATE_COLUMNS)
        .values_panic([
            t.jurisdiction_id.clone().into(),
            t.key.clone().into(),
            t.locale.clone().into(),
            t.channel.clone().into(),
            t.subject.clone().into(),
            t.body.clone().into(),
            t.updated_at.into(),
            t.updated_by.clone().into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "key", "locale", "channel"])
                .update_columns(["subject", "body", "updated_at", "updated_by"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Removes an override; returns whether one existed.
pub async fn delete_template(
    tx: &mut Tx,
    jurisdiction_id: &str,
    key: &str,
    locale: &str,
    channel: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::delete()
        .from_table("notification_templates")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("key").eq(key))
        .and_where(Expr::col("locale").eq(locale))
        .and_where(Expr::col("channel").eq(channel))
        .to_owned();
    Ok(tx.execute(&stmt).await? > 0)
}

// --- preferences and recipients ----------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub account_id: String,
    pub jurisdiction_id: String,
    /// `email`, `sms`, `email,sms` or `none`.
    pub channels: String,
    pub quiet_start: i64,
    pub quiet_end: i64,
    pub updated_at: i64,
}

fn preferences_query(account_id: &str) -> SelectStatement {
    Query::select()
        .columns([
            "account_id",
            "jurisdiction_id",
            "channels",
            "quiet_start",
            "quiet_end",
            "updated_at",
        ])
        .from("notification_preferences")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned()
}

fn preferences_from_row(r: &Row) -> Result<Preferences, StoreError> {
    Ok(Preferences {
        account_id: r.get("account_id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        channels: r.get("channels")?,
        quiet_start: r.get("quiet_start")?,
        quiet_end: r.get("quiet_end")?,
        updated_at: r.get("updated_at")?,
    })
}

pub async fn get_preferences(db: &Db, account_id: &str) -> Result<Option<Preferences>, StoreError> {
    db.fetch_optional(&preferences_query(account_id))
        .await?
        .as_ref()
        .map(preferences_from_row)
        .transpose()
}

pub async fn get_preferences_in(
    tx: &mut Tx,
    account_id: &str,
) -> Result<Option<Preferences>, StoreError> {
    tx.fetch_optional(&preferences_query(account_id))
        .await?
        .as_ref()
        .map(preferences_from_row)
        .transpose()
}

pub async fn set_preferences(tx: &mut Tx, p: &Preferences) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("notification_preferences")
        .columns([
            "account_id",
            "jurisdiction_id",
            "channels",
            "quiet_start",
            "quiet_end",
            "updated_at",
        ])
        .values_panic([
            p.account_id.clone().into(),
            p.jurisdiction_id.clone().into(),
            p.channels.clone().into(),
            p.quiet_start.into(),
            p.quiet_end.into(),
            p.updated_at.into(),
        ])
        .on_conflict(
            OnConflict::column("account_id")
                .update_columns(["channels", "quiet_start", "quiet_end", "updated_at"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Where an account can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountContact {
    pub id: String,
    pub jurisdiction_id: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub locale: String,
}

pub async fn account_contact_in(
    tx: &mut Tx,
    account_id: &str,
) -> Result<Option<AccountContact>, StoreError> {
    let stmt = Query::select()
        .columns(["id", "jurisdiction_id", "email", "mobile", "locale"])
        .from("accounts")
        .and_where(Expr::col("id").eq(account_id))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| {
            Ok(AccountContact {
                id: r.get("id")?,
                jurisdiction_id: r.get("jurisdiction_id")?,
                email: r.get("email")?,
                mobile: r.get("mobile")?,
                locale: r.get("locale")?,
            })
        })
        .transpose()
}

/// The fixed UTC offset of a jurisdiction, read in the caller's transaction.
pub async fn utc_offset_in(tx: &mut Tx, jurisdiction_id: &str) -> Result<Option<i32>, StoreError> {
    let stmt = Query::select()
        .column("utc_offset_minutes")
        .from("jurisdictions")
        .and_where(Expr::col("id").eq(jurisdiction_id))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| Ok(r.get::<i64>("utc_offset_minutes")? as i32))
        .transpose()
}
