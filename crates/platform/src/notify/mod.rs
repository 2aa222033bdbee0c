//! Notification delivery: e-mail over SMTP and SMS through an HTTP gateway, from an outbox
//! written in the same transaction as the change that causes a message.
//!
//! - [`enqueue`] is what the rest of the code calls, inside its own transaction.
//! - [`worker`] is the `notify.deliver` job kind: render, send, retry, dead-letter (the claim,
//!   lease and worker loop are [`crate::jobs`]'s).
//! - [`templates`] holds the built-in texts and the sandboxed renderer for admins' overrides.
//! - [`email`] and [`sms`] are the two transports; [`sms`] also checks delivery receipts.
//! - [`admin`] has the functions behind the admin screens (templates, logs, preferences).
//!
//! Addresses and phone numbers are masked in every log line and in what the admin functions
//! return; message bodies are never logged. See docs/NOTIFICATIONS.md.

pub mod admin;
pub mod email;
pub mod sms;
pub mod templates;
pub mod worker;

pub use worker::{Notifier, process_due, run_worker, send_test};

use crate::ServiceError;
use domain::notify::{Channel, channel_of, mask_address, parse_channels, quiet_until};
use domain::{Locale, Message};
use std::collections::BTreeMap;
use std::time::Duration;
use store::outbox::{self, NewNotification};

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// An account: its address(es) are chosen by its channel preferences (default: e-mail if it
    /// has one, else SMS), and its quiet hours delay non-urgent messages.
    Account(String),
    /// An e-mail address (e.g. one being verified).
    Email(String),
    /// A mobile number in E.164 form, e.g. `+886912345678`.
    Sms(String),
}

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub jurisdiction_id: String,
    pub recipient: Recipient,
    /// A template key, e.g. `case_accepted` (see [`templates::SPECS`]).
    pub template: String,
    pub locale: Locale,
    /// A JSON object with the template's variables.
    pub vars: serde_json::Value,
    /// Urgent messages (one-time codes, P1 cases) ignore quiet hours.
    pub urgent: bool,
}

/// One row to queue: where, when, and why it waits (for the log).
struct Target {
    account_id: Option<String>,
    channel: Channel,
    address: String,
    due: i64,
    why: Option<String>,
}

/// Queues a message in the caller's transaction at `now` (the services' clock); nothing is sent
/// until it commits.
///
/// Fails when the template key is unknown, a required variable is missing, an explicit
/// address is malformed, or the account or jurisdiction does not exist. An account with no
/// usable address or channel gets a `suppressed` row with a log line instead, so the admin can
/// see why nothing went out.
pub async fn enqueue(tx: &mut store::Tx, n: &Notification, now: i64) -> Result<(), ServiceError> {
    enqueue_many(tx, std::slice::from_ref(n), now).await
}

/// [`enqueue`] for several messages at once (a batch of changes written together): the
/// jurisdictions' offsets, the accounts and their preferences are read once each, and the
/// messages, their delivery jobs and their log lines are written with one statement each.
/// Fails, queuing none, if any one would fail alone.
pub async fn enqueue_many(
    tx: &mut store::Tx,
    ns: &[Notification],
    now: i64,
) -> Result<(), ServiceError> {
    if ns.is_empty() {
        return Ok(());
    }
    let mut checked = Vec::with_capacity(ns.len());
    for n in ns {
        checked.push(checked_vars(n)?);
    }
    let mut offsets: BTreeMap<&str, i32> = BTreeMap::new();
    for n in ns {
        if offsets.contains_key(n.jurisdiction_id.as_str()) {
            continue;
        }
        let offset = outbox::utc_offset_in(tx, &n.jurisdiction_id)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(
                    Message::new("error-jurisdiction-unknown").arg("id", &n.jurisdiction_id),
                )
            })?;
        offsets.insert(&n.jurisdiction_id, offset);
    }
    let mut accounts: Vec<String> = ns
        .iter()
        .filter_map(|n| match &n.recipient {
            Recipient::Account(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let contacts = outbox::account_contacts_in(tx, &accounts).await?;
    let preferences = outbox::preferences_in(tx, &accounts).await?;

    let mut rows: Vec<NewNotification> = Vec::new();
    let mut jobs: Vec<store::jobs::NewJob> = Vec::new();
    let mut logs: Vec<outbox::Attempt> = Vec::new();
    for (n, vars) in ns.iter().zip(checked) {
        let offset = offsets
            .get(n.jurisdiction_id.as_str())
            .copied()
            .unwrap_or(0);
        let mut targets: Vec<Target> = Vec::new();
        let mut suppressed: Option<(Option<String>, String)> = None;
        match &n.recipient {
            Recipient::Email(address) | Recipient::Sms(address) => {
                let expected = match n.recipient {
                    Recipient::Email(_) => Channel::Email,
                    _ => Channel::Sms,
                };
                if channel_of(address) != Some(expected) {
                    return Err(ServiceError::invalid(Message::new("error-notify-address")));
                }
                targets.push(Target {
                    account_id: None,
                    channel: expected,
                    address: address.clone(),
                    due: now,
                    why: None,
                });
            }
            Recipient::Account(account_id) => {
                let contact = contacts.get(account_id).ok_or_else(|| {
                    ServiceError::NotFound(Message::new("error-notify-account-unknown"))
                })?;
                let prefs = preferences.get(account_id);
                let default: Vec<Channel> = if contact.email.is_some() {
                    vec![Channel::Email]
                } else if contact.mobile.is_some() {
                    vec![Channel::Sms]
                } else {
                    Vec::new()
                };
                let mut channels = prefs
                    .and_then(|p| parse_channels(&p.channels))
                    .unwrap_or_else(|| default.clone());
                if channels.is_empty() && n.urgent {
                    // A code the person asked for goes out even if they opted out of notices.
                    channels = default;
                }
                let due = match prefs {
                    Some(p) if !n.urgent => quiet_until(now, offset, p.quiet_start, p.quiet_end),
                    _ => None,
                };
                for channel in channels {
                    let address = match channel {
                        Channel::Email => contact.email.clone(),
                        Channel::Sms => contact.mobile.clone(),
                    };
                    if let Some(address) = address.filter(|a| channel_of(a) == Some(channel)) {
                        let why = due.map(|t| {
                            format!(
                                "quiet hours: held until {}",
                                domain::datetime::format_unix(t)
                            )
                        });
                        targets.push(Target {
                            account_id: Some(account_id.clone()),
                            channel,
                            address,
                            due: due.unwrap_or(now),
                            why,
                        });
                    }
                }
                if targets.is_empty() {
                    let why = if prefs.is_some_and(|p| p.channels == "none") {
                        "the recipient turned notifications off"
                    } else {
                        "the recipient has no address for the chosen channels"
                    };
                    suppressed = Some((Some(account_id.clone()), why.to_string()));
                }
            }
        }
        for Target {
            account_id,
            channel,
            address,
            due,
            why,
        } in targets
        {
            let id = uuid::Uuid::now_v7().to_string();
            tracing::debug!(
                notification = %id,
                template = %n.template,
                channel = channel.as_str(),
                to = %mask_address(&address),
                "notification queued"
            );
            rows.push(NewNotification {
                id: id.clone(),
                jurisdiction_id: n.jurisdiction_id.clone(),
                account_id,
                channel: channel.as_str().into(),
                address,
                template: n.template.clone(),
                locale: n.locale.tag().into(),
                vars: vars.clone(),
                urgent: n.urgent,
                status: outbox::STATUS_QUEUED.into(),
                next_attempt_at: due,
                created_at: now,
            });
            jobs.push(crate::jobs::new_job(
                crate::jobs::NOTIFY_DELIVER,
                channel.as_str(),
                Some(&id),
                Some(&n.jurisdiction_id),
                due,
                now,
            ));
            if let Some(why) = why {
                logs.push(log_line(&id, 0, now, "deferred", &why));
            }
        }
        if let Some((account_id, why)) = suppressed {
            let id = uuid::Uuid::now_v7().to_string();
            rows.push(NewNotification {
                id: id.clone(),
                jurisdiction_id: n.jurisdiction_id.clone(),
                account_id,
                channel: Channel::Email.as_str().into(),
                address: String::new(),
                template: n.template.clone(),
                locale: n.locale.tag().into(),
                vars: "{}".into(),
                urgent: n.urgent,
                status: outbox::STATUS_SUPPRESSED.into(),
                next_attempt_at: now,
                created_at: now,
            });
            logs.push(log_line(&id, 0, now, "suppressed", &why));
        }
    }
    outbox::insert_many(tx, &rows).await?;
    store::jobs::insert_many(tx, &jobs).await?;
    for line in &logs {
        outbox::log(tx, line).await?;
    }
    Ok(())
}

/// A message's variables, checked against its template and with the optional ones filled in,
/// as stored.
fn checked_vars(n: &Notification) -> Result<String, ServiceError> {
    let spec = templates::spec(&n.template).ok_or_else(|| {
        ServiceError::invalid(Message::new("error-notify-template-unknown").arg("key", &n.template))
    })?;
    let mut vars = match &n.vars {
        serde_json::Value::Object(map) => map.clone(),
        serde_json::Value::Null => serde_json::Map::new(),
        _ => {
            return Err(ServiceError::Internal(
                "notification vars must be a JSON object".into(),
            ));
        }
    };
    if let Some(missing) = spec.required.iter().find(|k| !vars.contains_key(**k)) {
        return Err(ServiceError::Internal(format!(
            "notification {}: variable {missing} is missing",
            n.template
        )));
    }
    templates::with_optional_defaults(spec, &mut vars);
    Ok(serde_json::Value::Object(vars).to_string())
}

pub(crate) fn log_line(
    id: &str,
    attempt: i64,
    at: i64,
    outcome: &str,
    detail: &str,
) -> outbox::Attempt {
    outbox::Attempt {
        id: uuid::Uuid::now_v7().to_string(),
        notification_id: id.to_string(),
        attempt,
        at,
        outcome: outcome.to_string(),
        detail: safe_detail(detail),
    }
}

/// Error text made fit for the delivery log: personal data (addresses, numbers) masked, one
/// line, bounded.
pub(crate) fn safe_detail(detail: &str) -> String {
    let one_line = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = text::redact::redact_personal_data(&one_line);
    redacted.chars().take(500).collect()
}

/// Why a transport did not take a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Retrying cannot help (e.g. the server rejected the recipient).
    pub permanent: bool,
    pub detail: String,
}

impl SendError {
    pub fn permanent(detail: impl Into<String>) -> Self {
        SendError {
            permanent: true,
            detail: detail.into(),
        }
    }

    pub fn transient(detail: impl Into<String>) -> Self {
        SendError {
            permanent: false,
            detail: detail.into(),
        }
    }
}

/// How a node delivers notifications.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// E-mail is sent only when this is set; until then e-mail messages wait in the outbox.
    pub smtp: Option<SmtpConfig>,
    /// SMS is sent only when this is set; until then SMS messages wait in the outbox.
    pub sms: Option<SmsConfig>,
    /// Daily caps per jurisdiction and channel.
    pub caps: DailyCaps,
    /// Whether this node's job workers send notifications (false: `notify.deliver` jobs wait
    /// for another node). How many workers, how often they poll and how long a claim lasts
    /// are [`crate::jobs::JobsConfig`]'s, shared by every kind.
    pub enabled: bool,
    /// Timeout of one SMTP conversation or gateway request.
    pub send_timeout: Duration,
    /// Delays in seconds before the 1st, 2nd, … retry (the last repeats), spread ±20 %.
    pub retry_schedule: Vec<u64>,
    /// Attempts before a message is dead.
    pub max_attempts: u32,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            smtp: None,
            sms: None,
            caps: DailyCaps::default(),
            enabled: true,
            send_timeout: Duration::from_secs(30),
            retry_schedule: vec![30, 120, 600, 3600, 21600],
            max_attempts: 6,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or network (port 25).
    None,
}

impl SmtpTls {
    pub fn parse(text: &str) -> Option<SmtpTls> {
        match text.trim().to_ascii_lowercase().as_str() {
            "starttls" => Some(SmtpTls::Starttls),
            "tls" | "smtps" => Some(SmtpTls::Tls),
            "none" | "plain" => Some(SmtpTls::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::Starttls => "starttls",
            SmtpTls::Tls => "tls",
            SmtpTls::None => "none",
        }
    }
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The From header, e.g. `臺北市 1999 <no-reply@1999.gov.taipei>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

#[derive(Clone)]
pub struct SmsConfig {
    /// Where messages are POSTed.
    pub url: String,
    /// The shared HMAC secret of requests and delivery receipts.
    pub secret: String,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("secret", &"***")
            .finish()
    }
}

/// Messages a jurisdiction may send per local day and channel (`None`: no cap).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyCaps {
    pub email: Option<u64>,
    pub sms: Option<u64>,
    /// Overrides per jurisdiction id.
    pub jurisdictions: BTreeMap<String, ChannelCaps>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelCaps {
    pub email: Option<u64>,
    pub sms: Option<u64>,
}

impl DailyCaps {
    pub fn cap(&self, jurisdiction_id: &str, channel: Channel) -> Option<u64> {
        let pick = |c: &ChannelCaps| match channel {
            Channel::Email => c.email,
            Channel::Sms => c.sms,
        };
        self.jurisdictions
            .get(jurisdiction_id)
            .and_then(pick)
            .or_else(|| {
                pick(&ChannelCaps {
                    email: self.email,
                    sms: self.sms,
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_fall_back_to_the_defaults() {
        let mut caps = DailyCaps {
            email: Some(100),
            sms: None,
            jurisdictions: BTreeMap::new(),
        };
        caps.jurisdictions.insert(
            "kcg.gov.tw".into(),
            ChannelCaps {
                email: None,
                sms: Some(5),
            },
        );
        assert_eq!(caps.cap("taipei.gov.tw", Channel::Email), Some(100));
        assert_eq!(caps.cap("taipei.gov.tw", Channel::Sms), None);
        assert_eq!(caps.cap("kcg.gov.tw", Channel::Sms), Some(5));
        assert_eq!(caps.cap("kcg.gov.tw", Channel::Email), Some(100));
    }

    #[test]
    fn log_details_hide_addresses() {
        let d = safe_detail("550 5.1.1 <bob@example.com>: Recipient\n rejected; +886912345678");
        assert!(
            !d.contains("bob@example.com") && !d.contains("912345678"),
            "{d}"
        );
        assert!(!d.contains('\n'));
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let c = NotifyConfig {
            smtp: Some(SmtpConfig {
                host: "smtp".into(),
                port: 587,
                tls: SmtpTls::Starttls,
                username: Some("u".into()),
                password: Some("hunter2".into()),
                from: "a@b.c".into(),
            }),
            sms: Some(SmsConfig {
                url: "http://gw".into(),
                secret: "s3cret".into(),
            }),
            ..NotifyConfig::default()
        };
        let text = format!("{c:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("s3cret"),
            "{text}"
        );
    }
}
