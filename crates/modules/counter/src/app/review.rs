//! The clerk's side: the queue by due time, an application with its documents and checks,
//! asking for a correction, approving or rejecting with reasons.

use super::apply::ApplicationView;
use super::change::{Step, Tell};
use super::{Application, CounterApp, MAX_NOTE, Result, not_found};
use crate::domain::application::{Action, Role, State};
use crate::module::REVIEW_APPLICATIONS;
use crate::store;
use crate::store::applications::QueueFilter;
use domain::Message;
use platform::ServiceError;
use platform::audit::{self, Subject};
use platform::authz::{Actor, Target};

/// The most rows of a queue page.
pub const QUEUE_PAGE: u64 = 50;

/// What a clerk's queue asks.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// One state, or the queue's states.
    pub state: Option<State>,
    pub service: Option<String>,
    pub office: Option<String>,
    /// Keyset: after this (due_at, id).
    pub after: Option<(i64, String)>,
}

/// A checked note: trimmed, 1 to [`MAX_NOTE`] characters.
fn note(text: &str, missing: &'static str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::invalid(Message::new(missing)));
    }
    if t.chars().count() > MAX_NOTE {
        return Err(ServiceError::invalid(Message::new(
            "counter-error-note-long",
        )));
    }
    Ok(t.to_string())
}

impl CounterApp {
    /// A clerk's queue: the applications waiting on the counter, soonest due first.
    pub async fn queue(&self, actor: &Actor, q: &QueueQuery) -> Result<Vec<Application>> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let states = q.state.map_or_else(|| State::QUEUE.to_vec(), |s| vec![s]);
        Ok(store::applications::queue(
            &self.platform.db,
            &actor.jurisdiction_id,
            &QueueFilter {
                states,
                service_code: q.service.clone(),
                office_code: q.office.clone(),
                after: q.after.clone(),
                limit: QUEUE_PAGE,
            },
        )
        .await?)
    }

    /// An application as a clerk reviews it. Reading it is recorded (the applicant's personal
    /// data is read by staff).
    pub async fn application_for_clerk(&self, actor: &Actor, id: &str) -> Result<ApplicationView> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let app = self.staff_find(actor, id).await?;
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        audit::record(
            &mut tx,
            actor,
            "counter.application_read",
            Subject {
                kind: "counter_application",
                id: &app.id,
                data_subject: Some(&app.applicant_id),
            },
            None,
            serde_json::json!({ "number": app.number }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.view_of(app).await
    }

    /// A document of an application, for a clerk.
    pub async fn document_for_clerk(
        &self,
        actor: &Actor,
        id: &str,
        document: &str,
    ) -> Result<(String, Vec<u8>)> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let app = self.staff_find(actor, id).await?;
        store::documents::body(&self.platform.db, &app.id, document)
            .await?
            .ok_or_else(not_found)
    }

    pub(crate) async fn staff_find(&self, actor: &Actor, id: &str) -> Result<Application> {
        store::applications::find(&self.platform.db, id)
            .await?
            .filter(|a| a.jurisdiction_id == actor.jurisdiction_id && a.state != State::Draft)
            .ok_or_else(not_found)
    }

    /// Loads, authorises and applies a clerk's action with `set` changing the row first.
    async fn clerk_step(
        &self,
        actor: &Actor,
        id: &str,
        action: Action,
        data: serde_json::Value,
        set: impl FnOnce(&mut Application, i64),
        tell: Option<fn(&Application) -> Tell>,
    ) -> Result<Application> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let mut app = self.staff_find(actor, id).await?;
        let now = self.now();
        set(&mut app, now);
        let mut tx = self.platform.db.begin().await?;
        self.step_in(
            &mut tx,
            &mut app,
            Step {
                action,
                role: Role::Clerk,
                actor: &actor.label,
                data,
            },
            now,
        )
        .await?;
        if let Some(tell) = tell {
            self.tell_in(&mut tx, &app, tell(&app), now).await?;
        }
        tx.commit().await?;
        Ok(app)
    }

    /// A clerk takes an application up (the applicant sees it is being reviewed).
    pub async fn start_review(&self, actor: &Actor, id: &str) -> Result<Application> {
        self.clerk_step(
            actor,
            id,
            Action::StartReview,
            serde_json::json!({}),
            |_, _| {},
            None,
        )
        .await
    }

    /// Asks the applicant to correct something (補正): the review clock pauses and they are
    /// told what to fix.
    pub async fn request_correction(
        &self,
        actor: &Actor,
        id: &str,
        what: &str,
    ) -> Result<Application> {
        let what = note(what, "counter-error-correction-empty")?;
        let data = serde_json::json!({ "note": what });
        self.clerk_step(
            actor,
            id,
            Action::RequestCorrection,
            data,
            move |a, _| a.correction = Some(what),
            Some(|a| Tell {
                template: "counter_correction",
                vars: serde_json::json!({ "note": a.correction.clone().unwrap_or_default() }),
                sms_to: None,
                urgent: false,
            }),
        )
        .await
    }

    /// Approves an application. A fee is then payable (online or at the counter).
    pub async fn approve(&self, actor: &Actor, id: &str) -> Result<Application> {
        self.clerk_step(
            actor,
            id,
            Action::Approve,
            serde_json::json!({}),
            |a, now| {
                a.decided_at = Some(now);
                a.correction = None;
            },
            Some(|a| Tell {
                template: "counter_approved",
                vars: serde_json::json!({ "fee": a.fee }),
                sms_to: None,
                urgent: false,
            }),
        )
        .await
    }

    /// Rejects an application with the reason the applicant reads.
    pub async fn reject(&self, actor: &Actor, id: &str, reason: &str) -> Result<Application> {
        let reason = note(reason, "counter-error-reason-empty")?;
        let data = serde_json::json!({ "reason": reason });
        self.clerk_step(
            actor,
            id,
            Action::Reject,
            data,
            move |a, now| {
                a.reason = Some(reason);
                a.decided_at = Some(now);
            },
            Some(|a| Tell {
                template: "counter_rejected",
                vars: serde_json::json!({ "note": a.reason.clone().unwrap_or_default() }),
                sms_to: None,
                urgent: false,
            }),
        )
        .await
    }
}
