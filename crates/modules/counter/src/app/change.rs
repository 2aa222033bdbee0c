//! The one way an application changes: [`CounterApp::step_in`]. The lifecycle decides; the
//! row is written guarded by the version it was read at (a second clerk deciding at the same
//! moment gets 409 and nothing is written); the event joins the hash chain; the review clock is
//! recomputed when the change touches it; and what the applicant is told is queued, all in the
//! caller's transaction.

use super::{Application, CounterApp, Result, new_id};
use crate::domain::application::{Action, Role, State, transition};
use crate::domain::review_clock;
use crate::store;
use ::store::Tx;
use domain::Message;
use platform::ServiceError;
use platform::notify::{self, Notification, Recipient};
use store::events::NewEvent;

/// One change: what is done, by whom (their role and how the event names them), and what
/// they said.
pub(crate) struct Step<'a> {
    pub action: Action,
    pub role: Role,
    pub actor: &'a str,
    pub data: serde_json::Value,
}

/// What the applicant is told of a change, by template key (`platform::notify::templates`).
pub(crate) struct Tell {
    pub template: &'static str,
    pub vars: serde_json::Value,
    /// Also by SMS to this mobile (the pickup code goes by SMS).
    pub sms_to: Option<String>,
    pub urgent: bool,
}

impl CounterApp {
    /// Applies a step to `app`, whose other fields the caller has already set as the action
    /// needs.
    pub(crate) async fn step_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        step: Step<'_>,
        now: i64,
    ) -> Result<()> {
        let event = self.step_row_in(tx, app, step, now).await?;
        store::events::append(tx, &app.jurisdiction_id, &[event]).await?;
        Ok(())
    }

    /// [`CounterApp::step_in`] but for its event, which is returned for the caller to append
    /// (with others: a batch of pickups appends one stretch of the chain).
    pub(crate) async fn step_row_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        step: Step<'_>,
        now: i64,
    ) -> Result<NewEvent> {
        let event = self.step_unwritten_in(tx, app, step, now).await?;
        if !store::applications::update(tx, app, app.version - 1).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-changed",
            )));
        }
        Ok(event)
    }

    /// [`CounterApp::step_row_in`] but for writing the row, which the caller does (a batch
    /// of pickups writes its applications with one statement): the application as changed,
    /// its version one past the one read.
    pub(crate) async fn step_unwritten_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        step: Step<'_>,
        now: i64,
    ) -> Result<NewEvent> {
        let Step {
            action,
            role,
            actor,
            data,
        } = step;
        let from = app.state;
        let to = transition(from, action, role).map_err(|r| ServiceError::Conflict(r.0))?;
        app.state = to;
        app.version += 1;
        app.updated_at = now;
        if review_clock::timeline_kind(to, from).is_some() {
            app.due_at = Some(self.review_due_in(tx, app, (now, from, to), now).await?);
        }
        Ok(NewEvent {
            id: new_id(),
            application_id: app.id.clone(),
            kind: action.as_str().to_string(),
            actor: actor.to_string(),
            from_state: Some(from.as_str().to_string()),
            to_state: Some(to.as_str().to_string()),
            data: data.to_string(),
            created_at: now,
        })
    }

    /// Records something that happened to an application without changing its state (a
    /// document added, a fee paid, a grant's code rotated).
    pub(crate) async fn note_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        kind: &str,
        actor: &str,
        data: serde_json::Value,
        now: i64,
    ) -> Result<()> {
        let read_version = app.version;
        app.version += 1;
        app.updated_at = now;
        if !store::applications::update(tx, app, read_version).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-changed",
            )));
        }
        store::events::append(
            tx,
            &app.jurisdiction_id,
            &[NewEvent {
                id: new_id(),
                application_id: app.id.clone(),
                kind: kind.to_string(),
                actor: actor.to_string(),
                from_state: None,
                to_state: None,
                data: data.to_string(),
                created_at: now,
            }],
        )
        .await?;
        Ok(())
    }

    /// The review clock's due instant with the change `(at, from, to)` about to be recorded.
    async fn review_due_in(
        &self,
        tx: &mut Tx,
        app: &Application,
        change: (i64, State, State),
        now: i64,
    ) -> Result<i64> {
        let service = self
            .catalogue(&app.jurisdiction_id)
            .await?
            .service(&app.service_code)
            .map(|s| s.processing_days);
        let days = service.unwrap_or(1);
        let calendar = self.calendar(&app.jurisdiction_id).await?;
        let mut changes: Vec<(i64, State, State)> =
            store::events::of_application(&mut *tx, &app.id)
                .await?
                .into_iter()
                .filter_map(|e| {
                    let from = State::parse(e.event.from_state.as_deref()?)?;
                    let to = State::parse(e.event.to_state.as_deref()?)?;
                    Some((e.event.created_at, from, to))
                })
                .collect();
        changes.push(change);
        let clock = review_clock::evaluate(days, &calendar, &changes, now);
        Ok(clock
            .due
            .unwrap_or_else(|| review_clock::due_from(days, &calendar, now)))
    }

    /// Queues what the applicant is told, in the change's transaction.
    pub(crate) async fn tell_in(
        &self,
        tx: &mut Tx,
        app: &Application,
        tell: Tell,
        now: i64,
    ) -> Result<()> {
        let locale = self.applicant_locale_in(tx, app).await?;
        self.tell_in_as(tx, app, tell, locale, now).await
    }

    /// The applicant's language, read through the transaction (Chinese when unknown).
    pub(crate) async fn applicant_locale_in(
        &self,
        tx: &mut Tx,
        app: &Application,
    ) -> Result<domain::Locale> {
        Ok(::store::outbox::account_contact_in(tx, &app.applicant_id)
            .await?
            .and_then(|c| domain::Locale::from_tag(&c.locale))
            .unwrap_or(domain::Locale::ZhTw))
    }

    /// [`CounterApp::tell_in`] in the applicant's language, already read.
    pub(crate) async fn tell_in_as(
        &self,
        tx: &mut Tx,
        app: &Application,
        tell: Tell,
        locale: domain::Locale,
        now: i64,
    ) -> Result<()> {
        let messages = self.messages(app, tell, locale).await?;
        notify::enqueue_many(tx, &messages, now).await?;
        Ok(())
    }

    /// The messages that tell an application's applicant (and an SMS number, if given).
    pub(crate) async fn messages(
        &self,
        app: &Application,
        tell: Tell,
        locale: domain::Locale,
    ) -> Result<Vec<Notification>> {
        let catalogue = self.catalogue(&app.jurisdiction_id).await?;
        let service = catalogue
            .service(&app.service_code)
            .map(|s| s.name.get(locale).to_string())
            .unwrap_or_else(|| app.service_code.clone());
        let mut vars = serde_json::json!({
            "application_number": app.number,
            "service": service,
            "track_url": format!("{}/services/applications/{}", self.platform.config().public_base(), app.id),
        });
        if let (Some(map), serde_json::Value::Object(more)) = (vars.as_object_mut(), tell.vars) {
            map.extend(more);
        }
        let mut recipients = vec![Recipient::Account(app.applicant_id.clone())];
        if let Some(mobile) = tell.sms_to {
            recipients.push(Recipient::Sms(mobile));
        }
        Ok(recipients
            .into_iter()
            .map(|recipient| Notification {
                jurisdiction_id: app.jurisdiction_id.clone(),
                recipient,
                template: tell.template.to_string(),
                locale,
                vars: vars.clone(),
                urgent: tell.urgent,
            })
            .collect())
    }

    /// An account's language (Chinese when it cannot be read).
    pub(crate) async fn account_locale(
        &self,
        jurisdiction_id: &str,
        account_id: &str,
    ) -> domain::Locale {
        match self.identity.account_in(jurisdiction_id, account_id).await {
            Ok(a) => domain::Locale::from_tag(&a.locale).unwrap_or(domain::Locale::ZhTw),
            Err(_) => domain::Locale::ZhTw,
        }
    }
}
