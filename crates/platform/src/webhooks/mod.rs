//! Webhooks to department back-office systems: events about cases, POSTed as signed JSON to
//! the URLs administrators subscribe, from an outbox written in the same transaction as the
//! change that causes the event.
//!
//! - [`enqueue`] is what the case code calls, inside its own transaction.
//! - [`worker`] is the `webhook.deliver` job kind: sign, POST, retry, dead-letter (the claim,
//!   lease and worker loop are [`crate::jobs`]'s).
//! - [`admin`] has the functions behind the admin API (subscriptions, delivery log, redeliver,
//!   ping).
//!
//! Payloads never carry reporters' personal data: the case code passes the case number,
//! status, category, department, due dates and the public note only. See docs/WEBHOOKS.md.

pub mod admin;
pub mod worker;

pub use worker::{process_due, run_worker};

use crate::ServiceError;
use std::time::Duration;
use store::webhooks::{self as repo, NewDelivery, Subscription};

/// The events a subscription can choose, in the order they are documented.
pub const EVENT_TYPES: &[&str] = &[
    "case.created",
    "case.assigned",
    "case.acknowledged",
    "case.reassigned",
    "case.updated",
    "case.resolved",
    "case.closed",
    "case.reopened",
    "case.merged",
    "case.sla_at_risk",
    "case.sla_breached",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
];

/// The test event sent by [`Platform::ping_webhook`] to one subscription, whatever its
/// event types.
pub const PING: &str = "ping";

/// Request headers of a delivery.
pub const EVENT_HEADER: &str = "X-Civicdesk-Event";
pub const DELIVERY_HEADER: &str = "X-Civicdesk-Delivery";
pub use crate::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify};

/// Largest request body a delivery may have.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// How a node delivers webhooks.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Whether this node's job workers send webhooks (false: `webhook.deliver` jobs wait for
    /// another node). How many workers, how often they poll and how long a claim lasts are
    /// [`crate::jobs::JobsConfig`]'s, shared by every kind.
    pub enabled: bool,
    /// Timeout of one request, from connecting to the end of the answer.
    pub send_timeout: Duration,
    /// Delays in seconds before the 1st, 2nd, … retry (the last repeats), spread ±20 %.
    pub retry_schedule: Vec<u64>,
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
    /// Whether subscription URLs may point at loopback, private or link-local addresses (and
    /// names such as `localhost`). Off by default; the demo turns it on.
    pub allow_private_targets: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            enabled: true,
            send_timeout: Duration::from_secs(15),
            retry_schedule: vec![30, 120, 600, 3600, 21600, 86400],
            max_attempts: 8,
            allow_private_targets: false,
        }
    }
}

/// The event types of a subscription, as stored (comma-separated).
pub(crate) fn event_types_of(s: &Subscription) -> Vec<String> {
    s.event_types
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn wants(s: &Subscription, event_type: &str, departments: &[&str]) -> bool {
    event_types_of(s).iter().any(|t| t == event_type)
        && match &s.department_code {
            None => true,
            Some(d) => departments.contains(&d.as_str()),
        }
}

/// Queues an event for every active subscription of the jurisdiction that wants it (by event
/// type, and by department when the subscription names one), inside the caller's
/// transaction: nothing is sent until it commits, and nothing at all if it rolls back.
/// Returns how many deliveries were queued.
///
/// `event_type` must be one of [`EVENT_TYPES`]; `event_id` identifies the change that caused
/// the event (e.g. the case event's id) and is repeated in the envelope; `payload` becomes
/// the envelope's `data` and must hold no personal data of reporters; `now` (the services'
/// clock) is when the event happened and when its deliveries are first due.
pub async fn enqueue(
    tx: &mut store::Tx,
    jurisdiction_id: &str,
    event_type: &str,
    department_code: Option<&str>,
    event_id: &str,
    payload: serde_json::Value,
    now: i64,
) -> Result<usize, ServiceError> {
    let departments: Vec<&str> = department_code.into_iter().collect();
    enqueue_for_departments(
        tx,
        jurisdiction_id,
        event_type,
        &departments,
        event_id,
        payload,
        now,
    )
    .await
}

/// [`enqueue`] for a change that concerns several departments (a case passed from one to
/// another): a subscription of any of them gets the event, once.
pub async fn enqueue_for_departments(
    tx: &mut store::Tx,
    jurisdiction_id: &str,
    event_type: &str,
    departments: &[&str],
    event_id: &str,
    payload: serde_json::Value,
    now: i64,
) -> Result<usize, ServiceError> {
    if !EVENT_TYPES.contains(&event_type) {
        return Err(ServiceError::Internal(format!(
            "unknown webhook event type {event_type:?}"
        )));
    }
    let mut queued = 0;
    for s in repo::active_subscriptions_in(tx, jurisdiction_id).await? {
        if wants(&s, event_type, departments) {
            queue(tx, &s, event_type, event_id, &payload, now).await?;
            queued += 1;
        }
    }
    if queued > 0 {
        tracing::debug!(
            event_type,
            event_id,
            deliveries = queued,
            "webhook event queued"
        );
    }
    Ok(queued)
}

/// Inserts one delivery of an event to one subscription; returns its id.
pub(crate) async fn queue(
    tx: &mut store::Tx,
    s: &Subscription,
    event_type: &str,
    event_id: &str,
    data: &serde_json::Value,
    now: i64,
) -> Result<String, ServiceError> {
    let id = uuid::Uuid::now_v7().to_string();
    let body = serde_json::json!({
        "id": id,
        "type": event_type,
        "created_at": domain::datetime::format_unix(now),
        "jurisdiction_id": s.jurisdiction_id,
        "event_id": event_id,
        "data": data,
    })
    .to_string();
    if body.len() > MAX_PAYLOAD_BYTES {
        return Err(ServiceError::Internal(format!(
            "webhook payload of {event_type} is {} bytes, more than {MAX_PAYLOAD_BYTES}",
            body.len()
        )));
    }
    repo::insert_delivery(
        tx,
        &NewDelivery {
            id: id.clone(),
            subscription_id: s.id.clone(),
            jurisdiction_id: s.jurisdiction_id.clone(),
            event_type: event_type.to_string(),
            event_id: event_id.to_string(),
            payload: body,
            next_attempt_at: now,
            created_at: now,
        },
    )
    .await?;
    crate::jobs::enqueue(
        tx,
        crate::jobs::WEBHOOK_DELIVER,
        "",
        Some(&id),
        Some(&s.jurisdiction_id),
        now,
        now,
    )
    .await?;
    Ok(id)
}

/// A line of a delivery's log with its detail made safe: personal data masked, one line,
/// bounded.
pub(crate) fn log_line(
    delivery_id: &str,
    attempt: i64,
    at: i64,
    status_code: Option<i64>,
    outcome: &str,
    detail: &str,
    duration_ms: Option<i64>,
) -> repo::Attempt {
    repo::Attempt {
        id: uuid::Uuid::now_v7().to_string(),
        delivery_id: delivery_id.to_string(),
        attempt,
        at,
        status_code,
        outcome: outcome.to_string(),
        detail: crate::notify::safe_detail(detail),
        duration_ms,
    }
}

/// The host of a URL, for log lines (the path and query may hold a receiver's token).
pub(crate) fn host_of(url: &str) -> String {
    match domain::webhooks::parse_target_url(url) {
        Ok(t) => match t.host {
            domain::webhooks::Host::Ip(ip) => ip.to_string(),
            domain::webhooks::Host::Name(n) => n,
        },
        Err(_) => "(invalid URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(events: &str, department: Option<&str>) -> Subscription {
        Subscription {
            id: "s".into(),
            jurisdiction_id: "j".into(),
            name: "n".into(),
            url: "https://example.com/".into(),
            secret: "whsec_x".into(),
            event_types: events.into(),
            department_code: department.map(str::to_string),
            active: true,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn subscriptions_filter_by_event_type_and_department() {
        let all = sub("case.created,case.resolved", None);
        assert!(wants(&all, "case.created", &["PWD"]));
        assert!(wants(&all, "case.resolved", &[]));
        assert!(!wants(&all, "case.closed", &["PWD"]));
        let pwd = sub("case.created", Some("PWD"));
        assert!(wants(&pwd, "case.created", &["PWD"]));
        assert!(!wants(&pwd, "case.created", &["DEP"]));
        assert!(!wants(&pwd, "case.created", &[]));
        // A case passed from DEP to PWD concerns both.
        assert!(wants(&pwd, "case.created", &["DEP", "PWD"]));
    }

    #[test]
    fn the_documented_signature_example_holds() {
        // docs/WEBHOOKS.md
        assert_eq!(
            sign(b"whsec_test", 1795000000, br#"{"id":"d1","type":"ping"}"#),
            "sha256=5726707c8152c59664b54fb87dcedb03a3635e78aec47730b5f31848de94bc3f"
        );
    }

    #[test]
    fn hosts_in_logs_drop_the_path_and_query() {
        assert_eq!(
            host_of("https://Hooks.Example.gov.tw/in?token=abc"),
            "hooks.example.gov.tw"
        );
        assert_eq!(host_of("http://[::1]:8080/x"), "::1");
    }
}
