//! What the admin screens and the citizen's settings page call: templates (built-in and
//! overridden), the outbox and its delivery log, channel preferences, and the SMS gateway's
//! delivery receipts. Each function checks the actor's permission itself: templates need
//! `manage_notifications`, the outbox `view_notification_log`, and preferences are the
//! signed-in person's own.

use super::log_line;
use super::sms::{self, SignatureError};
use super::templates::{self, MAX_SMS_CHARS, MAX_SOURCE_CHARS, MAX_SUBJECT_CHARS};
use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::{Platform, ServiceError};
use domain::notify::{Channel, MINUTES_PER_DAY, format_channels, mask_address, parse_channels};
use domain::{Locale, Message};
use store::outbox;

/// A template as an admin sees it: the override if there is one, else the built-in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateView {
    pub key: String,
    pub locale: Locale,
    pub channel: Channel,
    pub subject: Option<String>,
    pub body: String,
    /// The variables the template may use.
    pub variables: Vec<String>,
    pub overridden: bool,
    pub updated_at: Option<i64>,
    pub updated_by: Option<String>,
}

/// A message as listed for an admin: the address masked, no variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub id: String,
    pub account_id: Option<String>,
    pub channel: String,
    pub to: String,
    pub template: String,
    pub locale: String,
    pub urgent: bool,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

impl From<outbox::Notification> for MessageView {
    fn from(n: outbox::Notification) -> Self {
        MessageView {
            to: if n.address.is_empty() {
                String::new()
            } else {
                mask_address(&n.address)
            },
            id: n.id,
            account_id: n.account_id,
            channel: n.channel,
            template: n.template,
            locale: n.locale,
            urgent: n.urgent,
            status: n.status,
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at,
            sent_at: n.sent_at,
            last_error: n.last_error,
            created_at: n.created_at,
        }
    }
}

/// A citizen's notification settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferencesView {
    pub channels: Vec<Channel>,
    /// Minutes of the local day; equal values mean no quiet hours.
    pub quiet_start: i64,
    pub quiet_end: i64,
    /// False when nothing was saved and these are the defaults.
    pub saved: bool,
}

fn variables(spec: &templates::Spec) -> Vec<String> {
    templates::COMMON_VARS
        .iter()
        .chain(spec.required)
        .chain(spec.optional)
        .map(|s| s.to_string())
        .collect()
}

fn spec_of(key: &str) -> Result<&'static templates::Spec, ServiceError> {
    templates::spec(key).ok_or_else(|| {
        ServiceError::NotFound(Message::new("error-notify-template-unknown").arg("key", key))
    })
}

/// Checks a template by rendering it with sample values: the subject an e-mail needs, the
/// length limits, MiniJinja syntax errors, unknown variables and runaway loops. Returns the
/// subject to store and the rendering.
fn check_template(
    spec: &templates::Spec,
    locale: Locale,
    channel: Channel,
    subject: Option<&str>,
    body: &str,
) -> Result<(Option<String>, templates::Rendered), ServiceError> {
    let subject = match channel {
        Channel::Email => {
            let s = subject.map(str::trim).unwrap_or_default();
            if s.is_empty() {
                return Err(ServiceError::invalid(
                    Message::new("error-notify-template-subject").arg("field", "subject"),
                ));
            }
            Some(s.to_string())
        }
        Channel::Sms => None,
    };
    let mut problems = Vec::new();
    if body.trim().is_empty() {
        problems.push(Message::new("error-field-required").arg("field", "body"));
    }
    if body.chars().count() > MAX_SOURCE_CHARS {
        problems.push(
            Message::new("error-field-too-long")
                .arg("field", "body")
                .arg("max", MAX_SOURCE_CHARS.to_string()),
        );
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let rendered = templates::render(
        channel,
        subject.as_deref(),
        body,
        &templates::sample_vars(spec, locale),
    )
    .map_err(|e| {
        ServiceError::invalid(
            Message::new("error-notify-template-invalid")
                .arg("detail", e.0)
                .arg("field", "body"),
        )
    })?;
    if rendered.subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ServiceError::invalid(
            Message::new("error-field-too-long")
                .arg("field", "subject")
                .arg("max", MAX_SUBJECT_CHARS.to_string()),
        ));
    }
    if channel == Channel::Sms && rendered.text.chars().count() > MAX_SMS_CHARS {
        return Err(ServiceError::invalid(
            Message::new("error-notify-sms-too-long")
                .arg("max", MAX_SMS_CHARS.to_string())
                .arg("field", "body"),
        ));
    }
    Ok((subject, rendered))
}

impl Platform {
    async fn require_jurisdiction(&self, jurisdiction_id: &str) -> Result<(), ServiceError> {
        match store::catalog::get_jurisdiction(&self.db, jurisdiction_id).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::NotFound(
                Message::new("error-jurisdiction-unknown").arg("id", jurisdiction_id),
            )),
        }
    }

    /// Every template of a jurisdiction, for every language and channel.
    pub async fn notify_templates(&self, actor: &Actor) -> Result<Vec<TemplateView>, ServiceError> {
        actor.require(
            crate::permissions::MANAGE_NOTIFICATIONS,
            Target::Jurisdiction,
        )?;
        let jurisdiction_id = actor.jurisdiction_id.as_str();
        self.require_jurisdiction(jurisdiction_id).await?;
        let overrides = outbox::list_templates(&self.db, jurisdiction_id).await?;
        let mut out = Vec::new();
        for spec in templates::all_specs() {
            for locale in Locale::ALL {
                for channel in Channel::ALL {
                    let custom = overrides.iter().find(|t| {
                        t.key == spec.key
                            && t.locale == locale.tag()
                            && t.channel == channel.as_str()
                    });
                    let view = match custom {
                        Some(t) => TemplateView {
                            key: spec.key.into(),
                            locale,
                            channel,
                            subject: t.subject.clone(),
                            body: t.body.clone(),
                            variables: variables(spec),
                            overridden: true,
                            updated_at: Some(t.updated_at),
                            updated_by: Some(t.updated_by.clone()),
                        },
                        None => {
                            let (subject, body) = templates::default_source(
                                spec.key, locale, channel,
                            )
                            .ok_or_else(|| {
                                ServiceError::Internal(format!(
                                    "built-in template {} missing",
                                    spec.key
                                ))
                            })?;
                            TemplateView {
                                key: spec.key.into(),
                                locale,
                                channel,
                                subject: subject.map(str::to_string),
                                body: body.to_string(),
                                variables: variables(spec),
                                overridden: false,
                                updated_at: None,
                                updated_by: None,
                            }
                        }
                    };
                    out.push(view);
                }
            }
        }
        Ok(out)
    }

    /// Saves an admin's version of a template after rendering it with sample values: syntax
    /// errors, unknown variables, runaway loops and over-long results are refused with the
    /// reason, and nothing is stored.
    pub async fn save_notify_template(
        &self,
        actor: &Actor,
        key: &str,
        locale: Locale,
        channel: Channel,
        subject: Option<&str>,
        body: &str,
    ) -> Result<(), ServiceError> {
        actor.require(
            crate::permissions::MANAGE_NOTIFICATIONS,
            Target::Jurisdiction,
        )?;
        let jurisdiction_id = actor.jurisdiction_id.as_str();
        self.require_jurisdiction(jurisdiction_id).await?;
        let spec = spec_of(key)?;
        let (subject, _) = check_template(spec, locale, channel, subject, body)?;
        let mut tx = self.db.begin().await?;
        outbox::upsert_template(
            &mut tx,
            &outbox::TemplateOverride {
                jurisdiction_id: jurisdiction_id.into(),
                key: key.into(),
                locale: locale.tag().into(),
                channel: channel.as_str().into(),
                subject,
                body: body.to_string(),
                updated_at: self.now(),
                updated_by: actor.label.clone(),
            },
        )
        .await?;
        let id = format!("{key}/{}/{}", locale.tag(), channel.as_str());
        audit::record(
            &mut tx,
            actor,
            "notify.template_save",
            Subject {
                kind: "notify_template",
                id: &id,
                data_subject: None,
            },
            None,
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renders a template with sample values without saving it, for an administrator to see
    /// the result (or the same problems saving would report).
    pub async fn preview_notify_template(
        &self,
        actor: &Actor,
        key: &str,
        locale: Locale,
        channel: Channel,
        subject: Option<&str>,
        body: &str,
    ) -> Result<templates::Rendered, ServiceError> {
        actor.require(
            crate::permissions::MANAGE_NOTIFICATIONS,
            Target::Jurisdiction,
        )?;
        let spec = spec_of(key)?;
        check_template(spec, locale, channel, subject, body).map(|(_, rendered)| rendered)
    }

    /// Goes back to the built-in template; returns whether there was an override.
    pub async fn reset_notify_template(
        &self,
        actor: &Actor,
        key: &str,
        locale: Locale,
        channel: Channel,
    ) -> Result<bool, ServiceError> {
        actor.require(
            crate::permissions::MANAGE_NOTIFICATIONS,
            Target::Jurisdiction,
        )?;
        spec_of(key)?;
        let mut tx = self.db.begin().await?;
        let existed = outbox::delete_template(
            &mut tx,
            &actor.jurisdiction_id,
            key,
            locale.tag(),
            channel.as_str(),
        )
        .await?;
        if existed {
            let id = format!("{key}/{}/{}", locale.tag(), channel.as_str());
            audit::record(
                &mut tx,
                actor,
                "notify.template_reset",
                Subject {
                    kind: "notify_template",
                    id: &id,
                    data_subject: None,
                },
                None,
                serde_json::json!({}),
                self.now(),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(existed)
    }

    /// Messages of a jurisdiction, newest first; pass the last id of a page as `before`.
    pub async fn notifications(
        &self,
        actor: &Actor,
        before: Option<&str>,
        limit: u64,
    ) -> Result<Vec<MessageView>, ServiceError> {
        actor.require(
            crate::permissions::VIEW_NOTIFICATION_LOG,
            Target::Jurisdiction,
        )?;
        let jurisdiction_id = actor.jurisdiction_id.as_str();
        let rows = outbox::list(&self.db, jurisdiction_id, before, limit.clamp(1, 200)).await?;
        Ok(rows.into_iter().map(MessageView::from).collect())
    }

    /// One message of a jurisdiction.
    pub async fn notification(&self, actor: &Actor, id: &str) -> Result<MessageView, ServiceError> {
        actor.require(
            crate::permissions::VIEW_NOTIFICATION_LOG,
            Target::Jurisdiction,
        )?;
        match outbox::get(&self.db, id).await? {
            Some(n) if n.jurisdiction_id == actor.jurisdiction_id => Ok(n.into()),
            _ => Err(ServiceError::NotFound(Message::new(
                "error-notify-message-unknown",
            ))),
        }
    }

    /// The delivery log of a message of a jurisdiction, oldest first.
    pub async fn notification_log(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<outbox::Attempt>, ServiceError> {
        self.notification(actor, id).await?;
        Ok(outbox::attempts(&self.db, id).await?)
    }

    /// An account's settings, or the defaults if it saved none.
    pub async fn notify_preferences(&self, actor: &Actor) -> Result<PreferencesView, ServiceError> {
        let account_id = actor.account()?;
        Ok(match outbox::get_preferences(&self.db, account_id).await? {
            Some(p) => PreferencesView {
                channels: parse_channels(&p.channels).unwrap_or_default(),
                quiet_start: p.quiet_start,
                quiet_end: p.quiet_end,
                saved: true,
            },
            None => PreferencesView {
                channels: Vec::new(),
                quiet_start: 0,
                quiet_end: 0,
                saved: false,
            },
        })
    }

    /// Saves an account's channels (`[]` turns non-urgent notifications off) and quiet hours
    /// (minutes of the local day, 0–1439; equal values mean none).
    pub async fn set_notify_preferences(
        &self,
        actor: &Actor,
        channels: &[Channel],
        quiet_start: i64,
        quiet_end: i64,
    ) -> Result<(), ServiceError> {
        let account_id = actor.account()?;
        let range = 0..MINUTES_PER_DAY;
        if !range.contains(&quiet_start) || !range.contains(&quiet_end) {
            return Err(ServiceError::invalid(Message::new(
                "error-notify-quiet-hours",
            )));
        }
        let formatted = format_channels(channels);
        if parse_channels(&formatted).is_none() {
            return Err(ServiceError::invalid(Message::new("error-notify-channels")));
        }
        let mut tx = self.db.begin().await?;
        let contact = outbox::account_contact_in(&mut tx, account_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(Message::new("error-notify-account-unknown")))?;
        outbox::set_preferences(
            &mut tx,
            &outbox::Preferences {
                account_id: account_id.into(),
                jurisdiction_id: contact.jurisdiction_id,
                channels: formatted.clone(),
                quiet_start,
                quiet_end,
                updated_at: self.now(),
            },
        )
        .await?;
        audit::record(&mut tx, actor, "notify.preferences", Subject::account(account_id), None, serde_json::json!({ "channels": formatted, "quiet_start": quiet_start, "quiet_end": quiet_end }), self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a delivery receipt posted by the SMS gateway, after checking its signature and
    /// age. A bad or missing signature is `Forbidden` and changes nothing.
    pub async fn sms_receipt(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), ServiceError> {
        let Some(sms_config) = &self.config().notify.sms else {
            return Err(ServiceError::Forbidden(Message::new(
                "error-notify-signature",
            )));
        };
        let now = self.now();
        sms::verify(
            sms_config.secret.as_bytes(),
            timestamp,
            signature,
            body,
            now,
        )
        .map_err(|e| {
            tracing::warn!(reason = ?e, "SMS receipt refused");
            ServiceError::Forbidden(Message::new(match e {
                SignatureError::Stale => "error-notify-receipt-stale",
                SignatureError::Missing | SignatureError::Mismatch => "error-notify-signature",
            }))
        })?;
        let receipt: sms::Receipt = serde_json::from_slice(body)
            .map_err(|_| ServiceError::invalid(Message::new("error-notify-receipt-body")))?;
        let status = match receipt.status.as_str() {
            "delivered" => outbox::STATUS_DELIVERED,
            "failed" | "undelivered" => outbox::STATUS_FAILED,
            _ => {
                return Err(ServiceError::invalid(Message::new(
                    "error-notify-receipt-body",
                )));
            }
        };
        let detail = receipt.detail.as_deref().unwrap_or(receipt.status.as_str());
        let line = log_line(
            &receipt.message_id,
            0,
            now,
            status,
            &format!("receipt: {detail}"),
        );
        let provider_id = receipt
            .provider_message_id
            .as_deref()
            .map(|p| p.chars().take(200).collect::<String>());
        let mut tx = self.db.begin().await?;
        if !outbox::apply_receipt(
            &mut tx,
            &receipt.message_id,
            status,
            provider_id.as_deref(),
            now,
            &line,
        )
        .await?
        {
            return Err(ServiceError::NotFound(Message::new(
                "error-notify-message-unknown",
            )));
        }
        // A message waiting for a retry that the gateway did deliver is not sent again.
        store::jobs::finish_subject(
            &mut tx,
            crate::jobs::NOTIFY_DELIVER,
            &receipt.message_id,
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(notification = %receipt.message_id, status, "SMS receipt recorded");
        Ok(())
    }
}
