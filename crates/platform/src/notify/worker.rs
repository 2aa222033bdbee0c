//! The delivery worker: claims due messages, renders them, sends them, and settles each one as
//! sent, retried later, deferred, suppressed or dead, with a line in its delivery log.
//!
//! Sending a message is the `notify.deliver` kind of job (see [`crate::jobs`]). Every node
//! may run workers; a message is sent once because only the worker holding its job's claim
//! sends it. A worker that crashes after the mail server accepted a message but before
//! recording it leaves the claim to expire, and the message is sent again: delivery is
//! exactly-once in normal operation and at-least-once across crashes.

use super::email::Mailer;
use super::sms::Gateway;
use super::templates::{self, Rendered};
use super::{NotifyConfig, SendError, log_line};
use crate::jobs::{self, JobKind};
use crate::{Platform, ServiceError};
use domain::notify::{Channel, channel_of, mask_address, next_local_midnight};
use domain::{Locale, Message};
use std::collections::HashMap;
use store::jobs::{Job, Settle as JobSettle};
use store::outbox::{self, Settle};
use tokio::sync::watch;

/// The transports of one node, built once from the configuration.
pub struct Notifier {
    config: NotifyConfig,
    mailer: Option<Mailer>,
    sms: Option<Gateway>,
}

impl Notifier {
    pub fn new(services: &Platform) -> Result<Notifier, String> {
        let config = services.config().notify.clone();
        let mailer = match &config.smtp {
            Some(smtp) => Some(Mailer::new(smtp, config.send_timeout)?),
            None => None,
        };
        let sms = match &config.sms {
            Some(sms) => Some(Gateway::new(
                &sms.url,
                &sms.secret,
                services.config().public_base(),
                config.send_timeout,
            )?),
            None => None,
        };
        Ok(Notifier {
            config,
            mailer,
            sms,
        })
    }

    /// The channels this node can send; messages of other channels stay queued.
    pub fn channels(&self) -> Vec<&'static str> {
        let mut c = Vec::new();
        if self.mailer.is_some() {
            c.push(Channel::Email.as_str());
        }
        if self.sms.is_some() {
            c.push(Channel::Sms.as_str());
        }
        c
    }

    /// Sends one rendered message; `now` is the services' clock (the SMS signature's time).
    async fn send(
        &self,
        channel: Channel,
        id: &str,
        to: &str,
        r: &Rendered,
        now: i64,
    ) -> Result<Option<String>, SendError> {
        match channel {
            Channel::Email => match &self.mailer {
                Some(m) => m.send(id, to, r).await,
                None => Err(SendError::transient("e-mail is not configured")),
            },
            Channel::Sms => match &self.sms {
                Some(g) => g.send(id, to, &r.text, now).await,
                None => Err(SendError::transient("SMS is not configured")),
            },
        }
    }
}

impl Notifier {
    /// Handles one claimed batch: each job's message is rendered, sent and settled.
    async fn run_batch(
        &self,
        services: &Platform,
        batch: &[Job],
        token: &str,
    ) -> Result<(), ServiceError> {
        let config = &self.config;
        let mut places: HashMap<String, Option<Place>> = HashMap::new();
        for (job, n) in jobs::load_subjects::<outbox::Notification>(services, batch, token).await? {
            let now = services.now();
            if jobs::lease_too_short(job, now, config.send_timeout) {
                // Not enough of the lease left to send safely: give it back untouched.
                settle_message(
                    services,
                    job,
                    token,
                    now,
                    job.attempts,
                    Settle::Defer { until: now },
                    None,
                )
                .await?;
                continue;
            }
            if !places.contains_key(&n.jurisdiction_id) {
                let place = store::catalog::get_jurisdiction(&services.db, &n.jurisdiction_id)
                    .await?
                    .map(|j| Place {
                        offset: j.utc_offset_minutes,
                        name: j.name,
                    });
                places.insert(n.jurisdiction_id.clone(), place);
            }
            let place = places.get(&n.jurisdiction_id).and_then(|p| p.as_ref());
            deliver(services, self, job, &n, place, token).await?;
        }
        Ok(())
    }
}

impl jobs::Subject for outbox::Notification {
    const NOUN: &'static str = "message";

    fn id(&self) -> &str {
        &self.id
    }

    fn status(&self) -> &str {
        &self.status
    }

    fn pending(&self) -> bool {
        self.status == outbox::STATUS_QUEUED || self.status == outbox::STATUS_SENDING
    }

    async fn load(services: &Platform, ids: &[&str]) -> Result<Vec<Self>, ServiceError> {
        outbox::mark_sending(&services.db, ids, services.now()).await?;
        Ok(outbox::get_many(&services.db, ids).await?)
    }
}

impl JobKind for Notifier {
    fn kind(&self) -> &'static str {
        jobs::NOTIFY_DELIVER
    }

    fn lanes(&self) -> Vec<&'static str> {
        self.channels()
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
    let notifier = match Notifier::new(&services) {
        Ok(n) => n,
        Err(e) => {
            tracing::error!(error = %e, "notification worker not started");
            return;
        }
    };
    if notifier.mailer.is_none() {
        tracing::info!("SMTP is not configured: e-mail notifications wait in the outbox");
    }
    if notifier.sms.is_none() {
        tracing::info!("the SMS gateway is not configured: SMS notifications wait in the outbox");
    }
    let config = services.config().jobs;
    jobs::run_worker(services, vec![Box::new(notifier)], config, shutdown).await;
}

/// Claims and handles one batch of notification jobs with a fresh set of transports; returns
/// how many it took. For tests and one-off runs; see also [`Platform::run_due_jobs`].
pub async fn process_due(services: &Platform) -> Result<usize, ServiceError> {
    let notifier = Notifier::new(services).map_err(ServiceError::Internal)?;
    jobs::process_batch(services, &[&notifier], &services.config().jobs).await
}

struct Place {
    offset: i32,
    name: domain::Localized,
}

/// What a message's settlement means for its job.
fn job_settle(how: &Settle) -> JobSettle {
    match how {
        Settle::Sent { .. } | Settle::Suppress => JobSettle::Done,
        Settle::Retry {
            next_attempt_at,
            error,
        } => JobSettle::Retry {
            run_at: *next_attempt_at,
            error: error.clone(),
        },
        Settle::Dead { error } => JobSettle::Dead {
            error: error.clone(),
        },
        Settle::Defer { until } => JobSettle::Defer { until: *until },
    }
}

/// Settles a message and its job in one transaction, with a line in the message's log when
/// given. Nothing changes if the claim was lost.
async fn settle_message(
    services: &Platform,
    job: &Job,
    token: &str,
    now: i64,
    attempts: i64,
    how: Settle,
    line: Option<(&str, &str)>,
) -> Result<(), ServiceError> {
    let Some(id) = job.subject_id.as_deref() else {
        return Ok(());
    };
    let (outcome, detail) = line.unwrap_or(("deferred", "not enough of the lease left"));
    let mut tx = services.db.begin().await?;
    let ran = jobs::Ran {
        attempts,
        how: job_settle(&how),
        outcome,
        detail,
    };
    if !jobs::settle(&mut tx, job, token, now, ran).await? {
        return Ok(());
    }
    let log = line.map(|(outcome, detail)| log_line(id, attempts, now, outcome, detail));
    outbox::settle(&mut tx, id, now, attempts, &how, log.as_ref()).await?;
    tx.commit().await?;
    Ok(())
}

async fn deliver(
    services: &Platform,
    notifier: &Notifier,
    job: &Job,
    n: &outbox::Notification,
    place: Option<&Place>,
    token: &str,
) -> Result<(), ServiceError> {
    let db = &services.db;
    let config = &notifier.config;
    let now = services.now();
    let attempt = job.attempts + 1;
    let settle = |how: Settle, attempts: i64, outcome: &'static str, detail: String| async move {
        settle_message(
            services,
            job,
            token,
            now,
            attempts,
            how,
            Some((outcome, &detail)),
        )
        .await
    };
    let (Some(channel), Some(place)) = (Channel::parse(&n.channel), place) else {
        return settle(
            Settle::Dead {
                error: "unknown channel or jurisdiction".into(),
            },
            attempt,
            "dead",
            "unknown channel or jurisdiction".into(),
        )
        .await;
    };

    // The daily cap: a unit is taken before sending and given back if the send fails.
    let mut reserved: Option<String> = None;
    if let Some(cap) = config.caps.cap(&n.jurisdiction_id, channel) {
        let day = domain::datetime::local_yyyymmdd(now, place.offset);
        if !outbox::reserve_daily(db, &n.jurisdiction_id, &day, channel.as_str(), cap as i64)
            .await?
        {
            tracing::info!(notification = %n.id, channel = channel.as_str(), cap, "daily cap reached");
            return if n.urgent {
                settle(
                    Settle::Suppress,
                    job.attempts,
                    "suppressed",
                    format!("daily {} cap of {cap} reached", channel.as_str()),
                )
                .await
            } else {
                let until = next_local_midnight(now, place.offset);
                settle(
                    Settle::Defer { until },
                    job.attempts,
                    "deferred",
                    format!(
                        "daily {} cap of {cap} reached: held until {}",
                        channel.as_str(),
                        domain::datetime::format_unix(until)
                    ),
                )
                .await
            };
        }
        reserved = Some(day);
    }
    let release = || async {
        if let Some(day) = &reserved {
            outbox::release_daily(db, &n.jurisdiction_id, day, channel.as_str()).await?;
        }
        Ok::<(), ServiceError>(())
    };

    let locale = Locale::from_tag(&n.locale).unwrap_or_default();
    let vars: serde_json::Value =
        serde_json::from_str(&n.vars).unwrap_or_else(|_| serde_json::json!({}));
    let rendered = match render_for(
        services,
        &n.jurisdiction_id,
        &place.name,
        &n.template,
        locale,
        channel,
        vars,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            release().await?;
            let detail = format!("template {}: {e}", n.template);
            return settle(
                Settle::Dead {
                    error: detail.clone(),
                },
                attempt,
                "dead",
                detail,
            )
            .await;
        }
    };

    match notifier
        .send(channel, &n.id, &n.address, &rendered, now)
        .await
    {
        Ok(provider_message_id) => {
            tracing::info!(
                notification = %n.id,
                channel = channel.as_str(),
                to = %mask_address(&n.address),
                attempt,
                "notification sent"
            );
            let detail = provider_message_id
                .clone()
                .unwrap_or_else(|| "accepted".into());
            settle(
                Settle::Sent {
                    provider_message_id,
                },
                attempt,
                "sent",
                detail,
            )
            .await
        }
        Err(e) => {
            release().await?;
            let error = super::safe_detail(&e.detail);
            if e.permanent || attempt >= i64::from(config.max_attempts) {
                tracing::warn!(
                    notification = %n.id,
                    channel = channel.as_str(),
                    to = %mask_address(&n.address),
                    attempt,
                    error = %error,
                    "notification dead"
                );
                settle(
                    Settle::Dead {
                        error: error.clone(),
                    },
                    attempt,
                    "dead",
                    error,
                )
                .await
            } else {
                let delay = jobs::backoff(attempt, &config.retry_schedule);
                tracing::info!(
                    notification = %n.id,
                    channel = channel.as_str(),
                    attempt,
                    retry_in = delay,
                    error = %error,
                    "notification failed; will retry"
                );
                settle(
                    Settle::Retry {
                        next_attempt_at: now + delay,
                        error: error.clone(),
                    },
                    attempt,
                    "retry",
                    format!("{error}; next attempt in {delay} s"),
                )
                .await
            }
        }
    }
}

/// Renders a message with the jurisdiction's override if it has one (falling back to the
/// built-in text if the override fails), adding the common variables.
async fn render_for(
    services: &Platform,
    jurisdiction_id: &str,
    jurisdiction_name: &domain::Localized,
    key: &str,
    locale: Locale,
    channel: Channel,
    mut vars: serde_json::Value,
) -> Result<Rendered, String> {
    if let Some(map) = vars.as_object_mut() {
        map.insert(
            "jurisdiction_name".into(),
            jurisdiction_name.get(locale).into(),
        );
        map.insert("site_url".into(), services.config().public_base().into());
    }
    let custom = store::outbox::get_template(
        &services.db,
        jurisdiction_id,
        key,
        locale.tag(),
        channel.as_str(),
    )
    .await
    .map_err(|e| e.to_string())?;
    if let Some(t) = custom {
        match templates::render(channel, t.subject.as_deref(), &t.body, &vars) {
            Ok(r) => return Ok(r),
            Err(e) => tracing::warn!(
                template = key,
                locale = locale.tag(),
                jurisdiction = jurisdiction_id,
                error = %e,
                "template override failed; using the built-in one"
            ),
        }
    }
    let (subject, body) = templates::default_source(key, locale, channel)
        .ok_or_else(|| "no such template".to_string())?;
    templates::render(channel, subject, body, &vars).map_err(|e| e.to_string())
}

/// What `civicdesk notify test` reports.
#[derive(Debug, Clone)]
pub struct TestSent {
    pub channel: Channel,
    /// The masked address.
    pub to: String,
    pub provider_message_id: Option<String>,
}

/// Sends the `notify_test` template to `to` (an e-mail address or E.164 number) right now,
/// bypassing the outbox, to check the transport settings. The outer error is a usage
/// problem (bad address, channel not configured, unknown jurisdiction); the inner one is the
/// transport's failure, e.g. an unreachable SMTP server.
pub async fn send_test(
    services: &Platform,
    to: &str,
    jurisdiction_id: Option<&str>,
    locale: Locale,
) -> Result<Result<TestSent, String>, ServiceError> {
    let channel = channel_of(to)
        .ok_or_else(|| ServiceError::invalid(Message::new("error-notify-address")))?;
    let jurisdiction = match jurisdiction_id.or(services.config().default_jurisdiction.as_deref()) {
        Some(id) => Some(
            store::catalog::get_jurisdiction(&services.db, id)
                .await?
                .ok_or_else(|| {
                    ServiceError::NotFound(Message::new("error-jurisdiction-unknown").arg("id", id))
                })?,
        ),
        None => store::catalog::list_jurisdictions(&services.db)
            .await?
            .into_iter()
            .next(),
    };
    let notifier = Notifier::new(services).map_err(ServiceError::Internal)?;
    if !notifier.channels().contains(&channel.as_str()) {
        return Err(ServiceError::invalid(
            Message::new("error-notify-not-configured").arg("channel", channel.as_str()),
        ));
    }
    let (jid, name) = match &jurisdiction {
        Some(j) => (j.id.clone(), j.name.clone()),
        None => (
            String::new(),
            domain::Localized::new("civicdesk", "civicdesk"),
        ),
    };
    let rendered = render_for(
        services,
        &jid,
        &name,
        "notify_test",
        locale,
        channel,
        serde_json::json!({}),
    )
    .await
    .map_err(ServiceError::Internal)?;
    let id = uuid::Uuid::now_v7().to_string();
    Ok(
        match notifier
            .send(channel, &id, to, &rendered, services.now())
            .await
        {
            Ok(provider_message_id) => Ok(TestSent {
                channel,
                to: mask_address(to),
                provider_message_id,
            }),
            Err(e) => Err(super::safe_detail(&e.detail)),
        },
    )
}
