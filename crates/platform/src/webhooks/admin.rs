//! What the admin API calls: subscriptions (created with a secret shown once, listed without
//! it, changed, secret rotated, removed), the delivery log, redelivery and the test ping.
//! Every function needs `manage_webhooks` over the jurisdiction, and every write is audited
//! in its own transaction.

use super::{EVENT_TYPES, PING, event_types_of, log_line, queue};
use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::{Platform, ServiceError, secrets};
use domain::Message;
use domain::webhooks::{UrlError, parse_target_url};
use store::webhooks::{self as repo, Attempt, Delivery, Subscription};

/// Longest subscription name.
pub const MAX_NAME_CHARS: usize = 100;
/// Most deliveries listed at a time.
pub const MAX_PAGE: u64 = 200;

/// A new subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub department_code: Option<String>,
    pub active: bool,
}

/// Changes to a subscription; `None` keeps a field. `department_code: Some(None)` removes
/// the department filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookUpdate {
    pub name: Option<String>,
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub department_code: Option<Option<String>>,
    pub active: Option<bool>,
}

/// A subscription as an administrator sees it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub department_code: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&Subscription> for WebhookView {
    fn from(s: &Subscription) -> Self {
        WebhookView {
            id: s.id.clone(),
            name: s.name.clone(),
            url: s.url.clone(),
            event_types: event_types_of(s),
            department_code: s.department_code.clone(),
            active: s.active,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A subscription with its secret, returned only when it is created or the secret rotated.
#[derive(Clone)]
pub struct WebhookWithSecret {
    pub webhook: WebhookView,
    pub secret: String,
}

/// A delivery as listed (no claim details).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryView {
    pub id: String,
    pub subscription_id: String,
    pub event_type: String,
    pub event_id: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    /// The body as sent.
    pub payload: serde_json::Value,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
            id: d.id,
            subscription_id: d.subscription_id,
            event_type: d.event_type,
            event_id: d.event_id,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
        }
    }
}

/// A new shared secret: `whsec_` and 32 random bytes in hex.
fn new_secret() -> String {
    format!("whsec_{}", secrets::token_of::<32>())
}

fn subject(id: &str) -> Subject<'_> {
    Subject {
        kind: "webhook",
        id,
        data_subject: None,
    }
}

/// A URL for the audit trail: without its query, which may hold a receiver's token.
fn url_for_audit(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

fn not_found() -> ServiceError {
    ServiceError::NotFound(Message::new("error-webhook-unknown"))
}

fn delivery_not_found() -> ServiceError {
    ServiceError::NotFound(Message::new("error-webhook-delivery-unknown"))
}

impl Platform {
    /// Checks the fields of a subscription and returns them cleaned (trimmed, event types
    /// de-duplicated in the documented order). Every problem is reported at once.
    async fn check_webhook(
        &self,
        jurisdiction_id: &str,
        name: &str,
        url: &str,
        event_types: &[String],
        department_code: Option<&str>,
    ) -> Result<(String, String, String, Option<String>), ServiceError> {
        let mut problems = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            problems
                .push(Message::new("error-webhook-name").arg("max", MAX_NAME_CHARS.to_string()));
        }
        let url = url.trim();
        match parse_target_url(url) {
            Ok(t) if t.is_private() && !self.config().webhooks.allow_private_targets => {
                problems.push(Message::new("error-webhook-url-private"));
            }
            Ok(_) => {}
            Err(UrlError::Credentials) => {
                problems.push(Message::new("error-webhook-url-credentials"))
            }
            Err(UrlError::Invalid) => problems.push(Message::new("error-webhook-url")),
        }
        if event_types.is_empty() {
            problems.push(Message::new("error-webhook-events-required"));
        }
        for t in event_types {
            if !EVENT_TYPES.contains(&t.trim()) {
                problems.push(Message::new("error-webhook-event-unknown").arg("event", t.trim()));
            }
        }
        let events: Vec<&str> = EVENT_TYPES
            .iter()
            .copied()
            .filter(|e| event_types.iter().any(|t| t.trim() == *e))
            .collect();
        let department = department_code
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        if let Some(code) = &department {
            let known = store::catalog::list_departments(&self.db, jurisdiction_id)
                .await?
                .iter()
                .any(|d| &d.code == code);
            if !known {
                problems.push(Message::new("error-webhook-department-unknown").arg("code", code));
            }
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        Ok((
            name.to_string(),
            url.to_string(),
            events.join(","),
            department,
        ))
    }

    async fn subscription(&self, actor: &Actor, id: &str) -> Result<Subscription, ServiceError> {
        repo::get_subscription(&self.db, &actor.jurisdiction_id, id)
            .await?
            .ok_or_else(not_found)
    }

    /// Creates a subscription. Its secret is in the answer and never shown again.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        new: NewWebhook,
    ) -> Result<WebhookWithSecret, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        let (name, url, event_types, department_code) = self
            .check_webhook(
                &actor.jurisdiction_id,
                &new.name,
                &new.url,
                &new.event_types,
                new.department_code.as_deref(),
            )
            .await?;
        let now = self.now();
        let s = Subscription {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: actor.jurisdiction_id.clone(),
            name,
            url,
            secret: new_secret(),
            event_types,
            department_code,
            active: new.active,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        repo::insert_subscription(&mut tx, &s).await?;
        audit::record(
            &mut tx,
            actor,
            "webhook.create",
            subject(&s.id),
            None,
            serde_json::json!({
                "name": s.name,
                "url": url_for_audit(&s.url),
                "event_types": event_types_of(&s),
                "department_code": s.department_code,
                "active": s.active,
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookWithSecret {
            webhook: WebhookView::from(&s),
            secret: s.secret,
        })
    }

    /// The subscriptions of the actor's jurisdiction, oldest first, without secrets.
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookView>, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        Ok(repo::list_subscriptions(&self.db, &actor.jurisdiction_id)
            .await?
            .iter()
            .map(WebhookView::from)
            .collect())
    }

    pub async fn webhook(&self, actor: &Actor, id: &str) -> Result<WebhookView, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        Ok(WebhookView::from(&self.subscription(actor, id).await?))
    }

    /// Changes a subscription's name, URL, event types, department filter or whether it is
    /// active. The new values are checked like a new subscription's.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: &str,
        update: WebhookUpdate,
    ) -> Result<WebhookView, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        let old = self.subscription(actor, id).await?;
        let event_types = update
            .event_types
            .clone()
            .unwrap_or_else(|| event_types_of(&old));
        let department = update
            .department_code
            .clone()
            .unwrap_or_else(|| old.department_code.clone());
        let (name, url, event_types, department_code) = self
            .check_webhook(
                &actor.jurisdiction_id,
                update.name.as_deref().unwrap_or(&old.name),
                update.url.as_deref().unwrap_or(&old.url),
                &event_types,
                department.as_deref(),
            )
            .await?;
        let s = Subscription {
            name,
            url,
            event_types,
            department_code,
            active: update.active.unwrap_or(old.active),
            updated_at: self.now(),
            ..old.clone()
        };
        let mut tx = self.db.begin().await?;
        if !repo::update_subscription(&mut tx, &s).await? {
            return Err(not_found());
        }
        let mut changed = serde_json::Map::new();
        if s.name != old.name {
            changed.insert("name".into(), s.name.clone().into());
        }
        if s.url != old.url {
            changed.insert("url".into(), url_for_audit(&s.url).into());
        }
        if s.event_types != old.event_types {
            changed.insert("event_types".into(), event_types_of(&s).into());
        }
        if s.department_code != old.department_code {
            changed.insert("department_code".into(), s.department_code.clone().into());
        }
        if s.active != old.active {
            changed.insert("active".into(), s.active.into());
        }
        audit::record(
            &mut tx,
            actor,
            "webhook.update",
            subject(&s.id),
            None,
            serde_json::Value::Object(changed),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookView::from(&s))
    }

    /// Replaces a subscription's secret; the new one is in the answer and never shown
    /// again. Deliveries sent from now on, including retries, are signed with it.
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<WebhookWithSecret, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        let old = self.subscription(actor, id).await?;
        let s = Subscription {
            secret: new_secret(),
            updated_at: self.now(),
            ..old
        };
        let mut tx = self.db.begin().await?;
        if !repo::update_subscription(&mut tx, &s).await? {
            return Err(not_found());
        }
        audit::record(
            &mut tx,
            actor,
            "webhook.rotate_secret",
            subject(&s.id),
            None,
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookWithSecret {
            webhook: WebhookView::from(&s),
            secret: s.secret,
        })
    }

    /// Removes a subscription with its deliveries and their log (the audit trail keeps the
    /// record of it).
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<(), ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        let s = self.subscription(actor, id).await?;
        let mut tx = self.db.begin().await?;
        store::jobs::delete_for_subjects(
            &mut tx,
            crate::jobs::WEBHOOK_DELIVER,
            repo::deliveries_of(&actor.jurisdiction_id, id),
        )
        .await?;
        if !repo::delete_subscription(&mut tx, &actor.jurisdiction_id, id).await? {
            return Err(not_found());
        }
        audit::record(
            &mut tx,
            actor,
            "webhook.delete",
            subject(id),
            None,
            serde_json::json!({ "name": s.name, "url": url_for_audit(&s.url) }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deliveries of a subscription, newest first; pass the last id of a page as `before`
    /// for the next one.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: &str,
        before: Option<&str>,
        limit: u64,
    ) -> Result<Vec<DeliveryView>, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        self.subscription(actor, id).await?;
        Ok(repo::list_deliveries(
            &self.db,
            &actor.jurisdiction_id,
            id,
            before,
            limit.clamp(1, MAX_PAGE),
        )
        .await?
        .into_iter()
        .map(DeliveryView::from)
        .collect())
    }

    /// A delivery with its log, oldest line first.
    pub async fn webhook_delivery(
        &self,
        actor: &Actor,
        delivery_id: &str,
    ) -> Result<(DeliveryView, Vec<Attempt>), ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        let d = repo::get_delivery(&self.db, &actor.jurisdiction_id, delivery_id)
            .await?
            .ok_or_else(delivery_not_found)?;
        let log = repo::attempts(&self.db, &d.id).await?;
        Ok((DeliveryView::from(d), log))
    }

    /// Queues a failed or dead delivery again, now, with the same id and body and a fresh
    /// round of attempts. The subscription must be active.
    pub async fn redeliver_webhook(
        &self,
        actor: &Actor,
        delivery_id: &str,
    ) -> Result<DeliveryView, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        let d = repo::get_delivery(&self.db, &actor.jurisdiction_id, delivery_id)
            .await?
            .ok_or_else(delivery_not_found)?;
        let s = self.subscription(actor, &d.subscription_id).await?;
        if !s.active {
            return Err(ServiceError::invalid(Message::new(
                "error-webhook-inactive",
            )));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !repo::requeue(&mut tx, &actor.jurisdiction_id, &d.id, now).await? {
            return Err(ServiceError::invalid(
                Message::new("error-webhook-not-redeliverable").arg("status", &d.status),
            ));
        }
        crate::jobs::admin::rerun_subject(
            &mut tx,
            crate::jobs::WEBHOOK_DELIVER,
            "",
            &d.id,
            &actor.jurisdiction_id,
            now,
        )
        .await?;
        repo::log(
            &mut tx,
            &log_line(
                &d.id,
                0,
                now,
                None,
                "redeliver",
                "redelivery requested",
                None,
            ),
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            "webhook.redeliver",
            subject(&s.id),
            None,
            serde_json::json!({ "delivery_id": d.id, "event_type": d.event_type }),
            now,
        )
        .await?;
        tx.commit().await?;
        let d = repo::get_delivery(&self.db, &actor.jurisdiction_id, delivery_id)
            .await?
            .ok_or_else(delivery_not_found)?;
        Ok(DeliveryView::from(d))
    }

    /// Queues a `ping` event to one subscription (whatever its event types) to test the
    /// receiver. The subscription must be active.
    pub async fn ping_webhook(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<DeliveryView, ServiceError> {
        actor.require(crate::permissions::MANAGE_WEBHOOKS, Target::Jurisdiction)?;
        let s = self.subscription(actor, id).await?;
        if !s.active {
            return Err(ServiceError::invalid(Message::new(
                "error-webhook-inactive",
            )));
        }
        let now = self.now();
        let event_id = uuid::Uuid::now_v7().to_string();
        let data = serde_json::json!({
            "subscription_id": s.id,
            "name": s.name,
            "event_types": event_types_of(&s),
        });
        let mut tx = self.db.begin().await?;
        let delivery_id = queue(&mut tx, &s, PING, &event_id, &data, now).await?;
        audit::record(
            &mut tx,
            actor,
            "webhook.ping",
            subject(&s.id),
            None,
            serde_json::json!({ "delivery_id": delivery_id }),
            now,
        )
        .await?;
        tx.commit().await?;
        let d = repo::get_delivery(&self.db, &actor.jurisdiction_id, &delivery_id)
            .await?
            .ok_or_else(delivery_not_found)?;
        Ok(DeliveryView::from(d))
    }
}
