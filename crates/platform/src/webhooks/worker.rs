//! The delivery worker: claims due deliveries, signs them with their subscription's secret,
//! POSTs them, and settles each one as delivered, retried later, failed or dead, with a line
//! in its log.
//!
//! Sending a delivery is the `webhook.deliver` kind of job (see [`crate::jobs`]). Every node
//! may run workers; a delivery is sent once because only the worker holding its job's claim
//! sends it. A worker that crashes after the receiver answered but before recording
//! the answer leaves the claim to expire, and the delivery is sent again with the same id:
//! delivery is exactly-once in normal operation and at-least-once across crashes, so
//! receivers drop a `X-Civicdesk-Delivery` they have already processed.

use super::{
    DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookConfig, host_of,
    log_line, sign,
};
use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::http_client::{self, Failure};
use crate::jobs::{self, JobKind};
use crate::{Platform, ServiceError};
use domain::webhooks::{is_public_ip, parse_target_url};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use store::jobs::{Job, Settle as JobSettle};
use store::webhooks::{self as repo, Delivery, Settle, Subscription};
use tokio::sync::watch;

/// Largest part of a receiver's answer that is read (the start of it goes into the log).
const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// How much of an unsuccessful answer's body the log keeps.
const ANSWER_EXCERPT_CHARS: usize = 200;

/// What the resolver says when a name has only non-public addresses.
const NON_PUBLIC: &str = "the host name resolves only to non-public addresses";

/// Resolves host names with the system resolver and, unless private targets are allowed,
/// keeps only public addresses. Checking at connection time (not only when the URL is saved)
/// means a name that later points inside the network is still refused.
#[derive(Clone)]
struct PublicResolver {
    allow_private: bool,
}

impl tower_service::Service<Name> for PublicResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public_ip(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    NON_PUBLIC,
                ));
            }
            Ok(addrs.into_iter())
        })
    }
}

/// The HTTP client of one node's webhook workers, built once from the configuration.
pub struct Sender {
    config: WebhookConfig,
    client: http_client::Client<PublicResolver>,
}

impl Sender {
    pub fn new(config: &WebhookConfig) -> Result<Sender, String> {
        let mut http = HttpConnector::new_with_resolver(PublicResolver {
            allow_private: config.allow_private_targets,
        });
        http.set_connect_timeout(Some(config.send_timeout));
        Ok(Sender {
            config: config.clone(),
            client: http_client::client(http, "webhook")?,
        })
    }
}

impl Sender {
    /// Handles one claimed batch: each job's delivery is signed, POSTed and settled.
    async fn run_batch(
        &self,
        services: &Platform,
        batch: &[Job],
        token: &str,
    ) -> Result<(), ServiceError> {
        let mut subscriptions: HashMap<String, Option<Subscription>> = HashMap::new();
        for (job, d) in jobs::load_subjects::<Delivery>(services, batch, token).await? {
            if !subscriptions.contains_key(&d.subscription_id) {
                let s =
                    repo::get_subscription(&services.db, &d.jurisdiction_id, &d.subscription_id)
                        .await?;
                subscriptions.insert(d.subscription_id.clone(), s);
            }
            let s = subscriptions
                .get(&d.subscription_id)
                .and_then(|s| s.as_ref());
            let gone = deliver(services, self, job, &d, s, token).await?;
            if gone {
                // Later deliveries of this batch must see the subscription as turned off.
                subscriptions.insert(d.subscription_id.clone(), None);
            }
        }
        Ok(())
    }
}

impl jobs::Subject for Delivery {
    const NOUN: &'static str = "delivery";

    fn id(&self) -> &str {
        &self.id
    }

    fn status(&self) -> &str {
        &self.status
    }

    fn pending(&self) -> bool {
        self.status == repo::STATUS_QUEUED || self.status == repo::STATUS_SENDING
    }

    async fn load(services: &Platform, ids: &[&str]) -> Result<Vec<Self>, ServiceError> {
        repo::mark_sending(&services.db, ids).await?;
        Ok(repo::get_many(&services.db, ids).await?)
    }
}

impl JobKind for Sender {
    fn kind(&self) -> &'static str {
        jobs::WEBHOOK_DELIVER
    }

    fn lanes(&self) -> Vec<&'static str> {
        vec![""]
    }

    fn run<'a>(
        &'a self,
        services: &'a Platform,
        batch: &'a [Job],
        token: &'a str,
    ) -> jobs::BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(self.run_batch(services, batch, token))
    }
}

/// Runs one worker until `shutdown` turns true (or its sender is dropped).
pub async fn run_worker(services: Platform, shutdown: watch::Receiver<bool>) {
    let sender = match Sender::new(&services.config().webhooks) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker not started");
            return;
        }
    };
    let config = services.config().jobs;
    jobs::run_worker(services, vec![Box::new(sender)], config, shutdown).await;
}

/// Claims and handles one batch of webhook jobs with a fresh client; returns how many it
/// took. For tests and one-off runs; see also [`Platform::run_due_jobs`].
pub async fn process_due(services: &Platform) -> Result<usize, ServiceError> {
    let sender = Sender::new(&services.config().webhooks).map_err(ServiceError::Internal)?;
    process_batch(services, &sender).await
}

/// Claims and handles one batch of webhook jobs with the given client (e.g. one with other
/// settings than the node's); returns how many it took.
pub async fn process_batch(services: &Platform, sender: &Sender) -> Result<usize, ServiceError> {
    jobs::process_batch(services, &[sender], &services.config().jobs).await
}

/// What became of one attempt.
struct Outcome {
    settle: Settle,
    attempts: i64,
    outcome: &'static str,
    status_code: Option<i64>,
    detail: String,
    duration_ms: Option<i64>,
}

/// Handles one claimed delivery; returns true if the receiver answered 410 Gone and the
/// subscription was turned off.
async fn deliver(
    services: &Platform,
    sender: &Sender,
    job: &Job,
    d: &Delivery,
    s: Option<&Subscription>,
    token: &str,
) -> Result<bool, ServiceError> {
    let config = &sender.config;
    let now = services.now();
    if jobs::lease_too_short(job, now, config.send_timeout) {
        // Not enough of the lease left to send safely: give it back untouched.
        let mut tx = services.db.begin().await?;
        let how = Settle::Defer { until: now };
        let ran = jobs::Ran {
            attempts: job.attempts,
            how: job_settle(&how),
            outcome: "deferred",
            detail: "not enough of the lease left",
        };
        if jobs::settle(&mut tx, job, token, now, ran).await? {
            repo::settle(&mut tx, &d.id, now, job.attempts, &how).await?;
            tx.commit().await?;
        }
        return Ok(false);
    }
    let Some(s) = s.filter(|s| s.active) else {
        let error = "the subscription is turned off or was removed".to_string();
        let o = Outcome {
            settle: Settle::Failed {
                status_code: None,
                error: error.clone(),
            },
            attempts: job.attempts,
            outcome: "failed",
            status_code: None,
            detail: error,
            duration_ms: None,
        };
        settle(services, job, d, token, now, o, None).await?;
        return Ok(false);
    };
    let attempt = job.attempts + 1;
    let fail = |status_code: Option<i64>, error: String, duration_ms: Option<i64>| {
        let error = crate::notify::safe_detail(&error);
        if attempt >= i64::from(config.max_attempts) {
            Outcome {
                settle: Settle::Dead {
                    status_code,
                    error: error.clone(),
                },
                attempts: attempt,
                outcome: "dead",
                status_code,
                detail: error,
                duration_ms,
            }
        } else {
            let delay = jobs::backoff(attempt, &config.retry_schedule);
            Outcome {
                settle: Settle::Retry {
                    next_attempt_at: now + delay,
                    status_code,
                    error: error.clone(),
                },
                attempts: attempt,
                outcome: "retry",
                status_code,
                detail: format!("{error}; next attempt in {delay} s"),
                duration_ms,
            }
        }
    };
    let refuse = |error: &str| Outcome {
        settle: Settle::Failed {
            status_code: None,
            error: error.to_string(),
        },
        attempts: attempt,
        outcome: "failed",
        status_code: None,
        detail: error.to_string(),
        duration_ms: None,
    };

    // The URL was checked when it was saved; check again, as the policy may have changed.
    let target = match parse_target_url(&s.url) {
        Ok(t) => t,
        Err(_) => {
            let o = refuse("the subscription URL is invalid");
            return settle(services, job, d, token, now, o, None).await;
        }
    };
    if !config.allow_private_targets && target.is_private() {
        let o = refuse("the target is a non-public address, which this server does not allow");
        return settle(services, job, d, token, now, o, None).await;
    }
    let uri: hyper::Uri = match s.url.parse() {
        Ok(u) => u,
        Err(_) => {
            let o = refuse("the subscription URL is invalid");
            return settle(services, job, d, token, now, o, None).await;
        }
    };

    let timestamp = services.now();
    let signature = sign(s.secret.as_bytes(), timestamp, d.payload.as_bytes());
    let request = hyper::Request::post(uri)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("civicdesk/", env!("CARGO_PKG_VERSION")),
        )
        .header(EVENT_HEADER, d.event_type.as_str())
        .header(DELIVERY_HEADER, d.id.as_str())
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature)
        .body(http_body_util::Full::new(hyper::body::Bytes::from(
            d.payload.clone(),
        )));
    let request = match request {
        Ok(r) => r,
        Err(_) => {
            let o = refuse("could not build the request");
            return settle(services, job, d, token, now, o, None).await;
        }
    };
    let started = Instant::now();
    let answer = http_client::exchange(
        &sender.client,
        request,
        config.send_timeout,
        MAX_ANSWER_BYTES,
    )
    .await;
    let ms = Some(started.elapsed().as_millis().min(i64::MAX as u128) as i64);
    let host = host_of(&s.url);
    let o = match answer {
        Ok((status, _)) if status.is_success() => {
            let code = i64::from(status.as_u16());
            tracing::info!(delivery = %d.id, event = %d.event_type, host = %host, attempt, status = code, "webhook delivered");
            Outcome {
                settle: Settle::Delivered { status_code: code },
                attempts: attempt,
                outcome: "delivered",
                status_code: Some(code),
                detail: format!("HTTP {code}"),
                duration_ms: ms,
            }
        }
        Ok((status, _)) if status.as_u16() == 410 => {
            tracing::warn!(delivery = %d.id, subscription = %s.id, host = %host, "webhook receiver answered 410 Gone: subscription turned off");
            let error = "HTTP 410 Gone: the subscription was turned off".to_string();
            let o = Outcome {
                settle: Settle::Failed {
                    status_code: Some(410),
                    error: error.clone(),
                },
                attempts: attempt,
                outcome: "gone",
                status_code: Some(410),
                detail: error,
                duration_ms: ms,
            };
            settle(services, job, d, token, now, o, Some(s)).await?;
            return Ok(true);
        }
        Ok((status, body)) => {
            let code = i64::from(status.as_u16());
            let excerpt: String = String::from_utf8_lossy(&body)
                .chars()
                .take(ANSWER_EXCERPT_CHARS)
                .collect();
            let mut error = format!("HTTP {code}");
            if status.is_redirection() {
                error.push_str(" (redirects are not followed)");
            }
            if !excerpt.trim().is_empty() {
                error.push_str(": ");
                error.push_str(excerpt.trim());
            }
            fail(Some(code), error, ms)
        }
        Err(Failure::Timeout) => fail(
            None,
            format!("no answer within {} s", config.send_timeout.as_secs()),
            ms,
        ),
        Err(Failure::Connect(cause)) if cause == NON_PUBLIC => refuse(NON_PUBLIC),
        Err(Failure::Connect(cause)) => fail(None, format!("could not connect: {cause}"), ms),
        Err(Failure::Request) => fail(None, "the request failed".into(), ms),
    };
    if o.outcome != "delivered" {
        tracing::info!(delivery = %d.id, event = %d.event_type, host = %host, attempt, outcome = o.outcome, detail = %o.detail, "webhook not delivered");
    }
    settle(services, job, d, token, now, o, None).await
}

/// What a delivery's settlement means for its job: a failed delivery (410 Gone, subscription
/// off, target refused) is dead too, as only an administrator can start it again.
fn job_settle(how: &Settle) -> JobSettle {
    match how {
        Settle::Delivered { .. } => JobSettle::Done,
        Settle::Retry {
            next_attempt_at,
            error,
            ..
        } => JobSettle::Retry {
            run_at: *next_attempt_at,
            error: error.clone(),
        },
        Settle::Dead { error, .. } | Settle::Failed { error, .. } => JobSettle::Dead {
            error: error.clone(),
        },
        Settle::Defer { until } => JobSettle::Defer { until: *until },
    }
}

/// Settles a claim and writes its log line in one transaction; with `gone`, also turns the
/// subscription off and audits that as the system. Returns whether a subscription was
/// turned off.
async fn settle(
    services: &Platform,
    job: &Job,
    d: &Delivery,
    token: &str,
    now: i64,
    o: Outcome,
    gone: Option<&Subscription>,
) -> Result<bool, ServiceError> {
    let mut tx = services.db.begin().await?;
    let ran = jobs::Ran {
        attempts: o.attempts,
        how: job_settle(&o.settle),
        outcome: o.outcome,
        detail: &o.detail,
    };
    if !jobs::settle(&mut tx, job, token, now, ran).await? {
        return Ok(false);
    }
    repo::settle(&mut tx, &d.id, now, o.attempts, &o.settle).await?;
    let line = log_line(
        &d.id,
        o.attempts,
        now,
        o.status_code,
        o.outcome,
        &o.detail,
        o.duration_ms,
    );
    repo::log(&mut tx, &line).await?;
    let mut disabled = false;
    if let Some(s) = gone
        && repo::disable_subscription(&mut tx, &s.id, now).await?
    {
        audit::record(
            &mut tx,
            &Actor::system(&d.jurisdiction_id, "webhook delivery"),
            "webhook.disable",
            Subject {
                kind: "webhook",
                id: &s.id,
                data_subject: None,
            },
            Some("the receiver answered 410 Gone"),
            serde_json::json!({ "delivery_id": d.id, "status_code": 410 }),
            now,
        )
        .await?;
        disabled = true;
    }
    tx.commit().await?;
    Ok(disabled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_service::Service;

    #[tokio::test]
    async fn names_resolving_to_internal_addresses_are_refused_unless_allowed() {
        let name: Name = "localhost".parse().unwrap();
        let refused = PublicResolver {
            allow_private: false,
        }
        .call(name.clone())
        .await
        .unwrap_err();
        assert_eq!(refused.to_string(), NON_PUBLIC);
        let allowed: Vec<SocketAddr> = PublicResolver {
            allow_private: true,
        }
        .call(name)
        .await
        .unwrap()
        .collect();
        assert!(allowed.iter().all(|a| a.ip().is_loopback()) && !allowed.is_empty());
    }
}
