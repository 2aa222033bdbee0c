//! Changing a case after intake, and mySociety's `servicerequestupdates` (the public update
//! feed and updates posted by client applications).

use crate::casework::CaseChange;
use crate::domain::case_event::CaseEventKind;
use crate::domain::lifecycle::{
    Action, CaseStatus, Outcome, reopen_until, reopen_window_passed, transition,
};
use crate::public::Known;
use crate::store::cases::{CaseSummary, CaseUpdate};
use crate::store::events::{Event, FeedEvent, NewEvent};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use domain::actor::ActorRef;
use domain::catalog::Jurisdiction;
use std::collections::HashMap;
use store::Tx;

/// One entry of the public update feed: made here from a public event and nothing else, its
/// note redacted by `crate::public`.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicUpdate {
    pub id: String,
    pub case_number: String,
    pub kind: String,
    pub to_status: Option<String>,
    /// What the department wrote for the public, redacted.
    pub note: Option<String>,
    pub created_at: i64,
    /// mySociety's lowercase extended status after this update.
    pub status: &'static str,
    pub media_urls: Vec<String>,
}

/// The statuses client applications may send (mySociety's uppercase set).
pub const CLIENT_STATUSES: &[&str] = &[
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "CANCELLED",
    "REOPEN",
    "FOR_TRIAGE",
    "PLANNED",
    "UNCHANGED",
];

/// An update posted by a client application.
#[derive(Debug, Clone, Default)]
pub struct ClientUpdate {
    pub service_request_id: Option<String>,
    pub update_id: Option<String>,
    pub status: Option<String>,
    pub updated_datetime: Option<String>,
    pub description: Option<String>,
    pub media_urls: Vec<String>,
}

/// mySociety's extended status after an event; `data` is the event's details, parsed.
fn extended_status(e: &FeedEvent, data: Option<&serde_json::Value>) -> &'static str {
    match e.kind.as_str() {
        "reopen" => "reopen",
        "comment" => "unchanged",
        // Another department's part of the work (the case's own status does not change).
        "request_cosign" => "internal_referral",
        _ => {
            let status = e.to_status.as_deref().and_then(CaseStatus::parse);
            let outcome = data
                .and_then(|d| d.get("outcome"))
                .and_then(|o| o.as_str())
                .and_then(Outcome::parse);
            status.map_or("unchanged", |s| s.extended(outcome))
        }
    }
}

fn public_update(event: FeedEvent, known: &Known) -> PublicUpdate {
    let data = serde_json::from_str::<serde_json::Value>(&event.data).ok();
    let media_urls = data
        .as_ref()
        .and_then(|d| d.get("media_urls").cloned())
        .and_then(|m| serde_json::from_value(m).ok())
        .unwrap_or_default();
    PublicUpdate {
        status: extended_status(&event, data.as_ref()),
        media_urls,
        note: event.note.as_deref().map(|n| known.public_text(n)),
        id: event.id,
        case_number: event.case_number,
        kind: event.kind,
        to_status: event.to_status,
        created_at: event.created_at,
    }
}

/// Whether an API client may post updates (comments, reopening) to a case: only to the cases
/// it filed itself, and never to a confidential one. Any other case answers exactly as an
/// unknown one, so a client learns nothing of cases that are not its own.
pub fn client_may_update(client_id: &str, filed_by: Option<&str>, confidential: bool) -> bool {
    filed_by == Some(client_id) && !confidential
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A client update whose fields are all valid.
struct ValidUpdate {
    update_id: String,
    /// Uppercase, one of [`CLIENT_STATUSES`].
    status: String,
    description: String,
    media_urls: Vec<String>,
}

/// Checks a client update's fields, every problem at once.
fn validate_client_update(u: &ClientUpdate) -> Result<ValidUpdate> {
    let mut errors = Vec::new();
    let update_id = trimmed(&u.update_id);
    let status = trimmed(&u.status).map(|s| s.to_ascii_uppercase().replace(' ', "_"));
    let description = trimmed(&u.description).unwrap_or_default();
    if update_id.as_ref().is_none_or(|id| id.len() > 200) {
        errors.push(Message::new("error-field-required").arg("field", "update_id"));
    }
    match &status {
        None => errors.push(Message::new("error-field-required").arg("field", "status")),
        Some(s) if !CLIENT_STATUSES.contains(&s.as_str()) => {
            errors.push(Message::new("error-update-status").arg("status", s.as_str()));
        }
        _ => {}
    }
    match trimmed(&u.updated_datetime) {
        None => errors.push(Message::new("error-field-required").arg("field", "updated_datetime")),
        Some(t) => {
            if let Err(e) = domain::datetime::parse(&t) {
                errors.push(e.message());
            }
        }
    }
    if let Err(m) = domain::limits::check_description(&description) {
        errors.push(m);
    }
    let media_urls: Vec<String> = u
        .media_urls
        .iter()
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    for url in &media_urls {
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 {
            errors.push(
                Message::new("error-media-url")
                    .arg("url", url.chars().take(80).collect::<String>()),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    Ok(ValidUpdate {
        update_id: update_id.unwrap_or_default(),
        status: status.unwrap_or_default(),
        description,
        media_urls,
    })
}

/// The part of a case's working state that [`CasesApp::apply_action`] reads.
pub(crate) fn summary_of(work: &crate::store::case_work::WorkView) -> CaseSummary {
    CaseSummary {
        id: work.id.clone(),
        case_number: work.case_number.clone(),
        category_code: work.category_code.clone(),
        status: work.status.clone(),
        outcome: work.outcome.clone(),
        closed_at: work.closed_at,
        media_urls: work.media_urls.clone(),
    }
}

impl CasesApp {
    /// Applies a lifecycle action to a locked case inside `tx`: checks the transition, updates
    /// the materialised state and appends the event. The one place a case's state changes.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn apply_action(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        case: &CaseSummary,
        action: Action,
        actor: &str,
        note: Option<String>,
        outcome: Option<Outcome>,
        public: bool,
    ) -> Result<Event> {
        let data = serde_json::json!({});
        self.apply_action_with(tx, j, case, action, actor, note, outcome, public, data)
            .await
    }

    /// [`Self::apply_action`] with details for the event (e.g. the department a case was
    /// reassigned to).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn apply_action_with(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        case: &CaseSummary,
        action: Action,
        actor: &str,
        note: Option<String>,
        outcome: Option<Outcome>,
        public: bool,
        mut data: serde_json::Value,
    ) -> Result<Event> {
        let from = CaseStatus::parse(&case.status).ok_or_else(|| {
            ServiceError::Internal(format!(
                "case {} has status {}",
                case.case_number, case.status
            ))
        })?;
        let to = transition(from, action)?;
        let now = self.now();
        let mut update = CaseUpdate {
            status: Some(to.as_str().into()),
            ..CaseUpdate::default()
        };
        if public {
            update.status_notes = Some(note.clone());
        }
        match action {
            Action::Resolve => {
                update.outcome = Some(outcome.map(|o| o.as_str().to_string()));
                update.closed_at = Some(Some(now));
            }
            Action::Reopen => {
                update.outcome = Some(None);
                update.closed_at = Some(None);
            }
            Action::Reject | Action::MarkDuplicate | Action::TransferExternal => {
                update.closed_at = Some(Some(now));
            }
            _ => {}
        }
        crate::store::cases::update(tx, &j.id, &case.id, &update, now).await?;
        data["outcome"] = serde_json::json!(outcome.map(|o| o.as_str()));
        let event = crate::store::events::append(
            tx,
            &j.id,
            NewEvent {
                id: uuid::Uuid::now_v7().to_string(),
                case_id: case.id.clone(),
                kind: action.as_str().into(),
                actor: actor.into(),
                public,
                from_status: Some(from.as_str().into()),
                to_status: Some(to.as_str().into()),
                note,
                data: data.to_string(),
                created_at: now,
            },
        )
        .await?;
        Ok(event)
    }

    /// Publishes the change `event` recorded to the case listeners (`casework::events`).
    async fn publish_change(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        case_number: &str,
        event: &Event,
        by_reporter: bool,
    ) -> Result<()> {
        let e = &event.event;
        let kind = CaseEventKind::parse(&e.kind)
            .ok_or_else(|| ServiceError::Internal(format!("unknown event kind {}", e.kind)))?;
        let Some(after) = crate::store::case_work::find_for_update(tx, &j.id, case_number).await?
        else {
            return Ok(());
        };
        let change = CaseChange {
            note: e.note.as_deref(),
            by_reporter,
            ..CaseChange::new(j, &after, kind, &e.id, e.public)
        };
        self.case_changed(tx, &[change]).await
    }

    /// Runs one action on a case by number in its own transaction.
    pub async fn act_on_case(
        &self,
        j: &Jurisdiction,
        case_number: &str,
        action: Action,
        actor: &str,
        note: Option<String>,
        outcome: Option<Outcome>,
    ) -> Result<Event> {
        let mut tx = self.db.begin().await?;
        let case = crate::store::cases::summary_for_update(&mut tx, &j.id, case_number)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(Message::new("error-request-unknown").arg("id", case_number))
            })?;
        let event = self
            .apply_action(&mut tx, j, &case, action, actor, note, outcome, true)
            .await?;
        self.publish_change(&mut tx, j, case_number, &event, false)
            .await?;
        tx.commit().await?;
        Ok(event)
    }

    /// Public updates of a jurisdiction in `[from, to]`, oldest first.
    pub async fn public_updates(
        &self,
        j: &Jurisdiction,
        from: i64,
        to: i64,
        limit: u64,
    ) -> Result<Vec<PublicUpdate>> {
        let snapshot = self.platform.snapshot_of(j).await?;
        let hidden: Vec<&str> = snapshot.confidential.iter().map(String::as_str).collect();
        let events =
            crate::store::events::public_feed(&self.db, &j.id, from, to, &hidden, limit).await?;
        self.public_view_of_feed(j, events).await
    }

    /// The feed's events as the public sees them (`crate::public`), with what each case's
    /// reporters gave masked in its notes.
    async fn public_view_of_feed(
        &self,
        j: &Jurisdiction,
        events: Vec<FeedEvent>,
    ) -> Result<Vec<PublicUpdate>> {
        let mut numbers: Vec<String> = events.iter().map(|e| e.case_number.clone()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let known: HashMap<String, Known> =
            crate::store::reporters::identifiers(&self.db, &j.id, &numbers)
                .await?
                .into_iter()
                .map(|(number, values)| (number, Known::new(values)))
                .collect();
        let nobody = Known::default();
        Ok(events
            .into_iter()
            .map(|e| {
                let known = known.get(&e.case_number).unwrap_or(&nobody);
                public_update(e, known)
            })
            .collect())
    }

    /// The public updates of the cases with these numbers in `[from, to]`, oldest first.
    pub async fn public_updates_of(
        &self,
        j: &Jurisdiction,
        case_numbers: &[String],
        from: i64,
        to: i64,
        limit: u64,
    ) -> Result<Vec<PublicUpdate>> {
        let mut ids = Vec::new();
        for number in case_numbers.iter().take(100) {
            if let Some(w) = crate::store::case_work::find(&self.db, &j.id, number).await? {
                ids.push(w.id);
            }
        }
        let mut events = crate::store::events::for_cases(&self.db, &ids, true).await?;
        events.retain(|e| (from..=to).contains(&e.event.created_at));
        events.truncate(limit as usize);
        let cases: HashMap<String, CaseSummary> =
            crate::store::cases::summaries(&self.db, &j.id, &ids)
                .await?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect();
        let snapshot = self.platform.snapshot_of(j).await?;
        let feed = events
            .into_iter()
            .filter_map(|Event { event: e, .. }| {
                let case = cases.get(&e.case_id)?;
                if snapshot.confidential.contains(&case.category_code) {
                    return None;
                }
                Some(FeedEvent {
                    id: e.id,
                    case_number: case.case_number.clone(),
                    category_code: case.category_code.clone(),
                    kind: e.kind,
                    to_status: e.to_status,
                    note: e.note,
                    data: e.data,
                    created_at: e.created_at,
                })
            })
            .collect();
        self.public_view_of_feed(j, feed).await
    }

    /// Records an update posted by a client application (a citizen's comment, or a request
    /// to reopen). Posting the same `update_id` again for the same case returns the first
    /// result and changes nothing; for another case it is refused. Clients cannot otherwise
    /// move a case: only the department does.
    ///
    /// As every operation on a case: load the case, authorise the client for it (see
    /// [`client_may_update`]), then validate the update.
    pub async fn post_client_update(
        &self,
        j: &Jurisdiction,
        client_id: &str,
        u: ClientUpdate,
    ) -> Result<Event> {
        let Some(case_number) = trimmed(&u.service_request_id) else {
            return Err(ServiceError::invalid(
                Message::new("error-field-required").arg("field", "service_request_id"),
            ));
        };
        let snapshot = self.platform.snapshot_of(j).await?;
        let mut tx = self.db.begin().await?;
        let unknown = || {
            ServiceError::NotFound(
                Message::new("error-request-unknown").arg("id", case_number.as_str()),
            )
        };
        let case = crate::store::cases::summary_for_update(&mut tx, &j.id, &case_number)
            .await?
            .ok_or_else(unknown)?;
        let filed_by = crate::store::cases::filed_by_client(&mut tx, &case.id).await?;
        let confidential = snapshot.confidential.contains(&case.category_code);
        if !client_may_update(client_id, filed_by.as_deref(), confidential) {
            return Err(unknown());
        }
        let ValidUpdate {
            update_id,
            status,
            description,
            media_urls,
        } = validate_client_update(&u)?;
        // The case row is locked, so a concurrent post of the same update for this case waits
        // and then finds this one's record.
        if let Some(existing) =
            crate::store::cases::find_client_update(&mut tx, client_id, &update_id).await?
        {
            drop(tx);
            return self
                .recorded_client_update(&case, &existing, &update_id)
                .await;
        }
        let actor = ActorRef::ApiClient {
            client_id: client_id.to_string(),
        }
        .to_string();
        let now = self.now();
        let event = if status == "REOPEN" {
            let from = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Received);
            if !matches!(from, CaseStatus::Resolved | CaseStatus::Closed) {
                return Err(ServiceError::invalid(Message::new(
                    "error-reopen-not-resolved",
                )));
            }
            if reopen_until(from, case.closed_at).is_some_and(|until| now > until) {
                return Err(ServiceError::invalid(reopen_window_passed()));
            }
            let note = (!description.is_empty()).then_some(description);
            self.apply_action(&mut tx, j, &case, Action::Reopen, &actor, note, None, true)
                .await?
        } else {
            let mut all_media: Vec<String> =
                serde_json::from_str(&case.media_urls).unwrap_or_default();
            all_media.extend(media_urls.iter().cloned());
            let media_update = CaseUpdate {
                media_urls: (!media_urls.is_empty())
                    .then(|| serde_json::to_string(&all_media).unwrap_or_default()),
                ..CaseUpdate::default()
            };
            crate::store::cases::update(&mut tx, &j.id, &case.id, &media_update, now).await?;
            let data = serde_json::json!({
                "client_update_id": update_id,
                "client_status": status,
                "media_urls": media_urls,
            });
            crate::store::events::append(
                &mut tx,
                &j.id,
                NewEvent {
                    id: uuid::Uuid::now_v7().to_string(),
                    case_id: case.id.clone(),
                    kind: "comment".into(),
                    actor,
                    public: true,
                    from_status: None,
                    to_status: None,
                    note: Some(description),
                    data: data.to_string(),
                    created_at: now,
                },
            )
            .await?
        };
        // The client filed the case for its reporter: it speaks for them.
        self.publish_change(&mut tx, j, &case.case_number, &event, true)
            .await?;
        if !crate::store::cases::insert_client_update(
            &mut tx,
            client_id,
            &update_id,
            &event.event.id,
        )
        .await?
        {
            // A post of the same update id for another case committed first (on PostgreSQL,
            // where writers to different cases run side by side): this one is undone.
            drop(tx);
            let mut tx = self.db.begin().await?;
            let existing = crate::store::cases::find_client_update(&mut tx, client_id, &update_id)
                .await?
                .ok_or_else(|| ServiceError::Internal("client update vanished".into()))?;
            drop(tx);
            return self
                .recorded_client_update(&case, &existing, &update_id)
                .await;
        }
        tx.commit().await?;
        Ok(event)
    }

    /// The answer to an update id the client used before: the first result when it was for
    /// this case, else a refusal (the key is the client's update id alone, as mySociety's
    /// clients send it).
    async fn recorded_client_update(
        &self,
        case: &CaseSummary,
        event_id: &str,
        update_id: &str,
    ) -> Result<Event> {
        let events =
            crate::store::events::for_cases(&self.db, std::slice::from_ref(&case.id), false)
                .await?;
        events
            .into_iter()
            .find(|e| e.event.id == event_id)
            .ok_or_else(|| {
                ServiceError::invalid(
                    Message::new("error-update-id-reused").arg("update_id", update_id),
                )
            })
    }
}
