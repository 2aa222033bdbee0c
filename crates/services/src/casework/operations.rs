//! The operations staff perform on a case, each in one transaction.

use super::{is_assignee, unknown_case};
use crate::authz::{Actor, Permission, Target, forbidden};
use crate::{Result, ServiceError, Services};
use domain::Message;
use domain::catalog::{DepartmentKind, Jurisdiction};
use domain::lifecycle::{Action, CaseStatus, Outcome};
use store::Tx;
use store::case_work::{self, WorkUpdate, WorkView};
use store::cases::CaseSummary;
use store::events::NewEvent;

/// Something staff do to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// 簽收: the department accepts the case.
    Acknowledge,
    /// Give the case to a field worker of the department.
    AssignWorker {
        account_id: String,
    },
    /// 改分: send the case to another department, with the reason.
    Reassign {
        department: String,
        reason: String,
    },
    /// 會簽: ask another department to co-sign.
    RequestCosign {
        department: String,
        note: String,
    },
    CompleteCosign {
        note: String,
    },
    /// Hand the case to an external utility (power, water, gas, telecom).
    TransferExternal {
        department: String,
        note: String,
    },
    Start,
    /// The field worker is on site, optionally with their location.
    Arrive {
        lat: Option<f64>,
        lon: Option<f64>,
    },
    LeaveSite,
    /// A note: public ones reach the citizen, internal ones stay with staff.
    Note {
        text: String,
        public: bool,
    },
    RequestInfo {
        note: String,
    },
    ProvideInfo {
        note: String,
    },
    /// Completion with an honest outcome.
    Resolve {
        outcome: Outcome,
        note: String,
        /// For `not_our_responsibility`: who is responsible.
        responsible: Option<String>,
        /// For `deferred`: the local date the work is planned for (YYYY-MM-DD).
        deferred_until: Option<String>,
    },
    Close {
        note: Option<String>,
    },
    Reject {
        reason: String,
    },
    /// 併案: this case duplicates another open case, which carries on; its reporters follow it.
    MergeInto {
        case_number: String,
    },
}

impl Operation {
    /// The lifecycle action, for operations that change the status.
    fn action(&self) -> Option<Action> {
        Some(match self {
            Operation::Acknowledge => Action::Acknowledge,
            Operation::Reassign { .. } => Action::Reassign,
            Operation::RequestCosign { .. } => Action::RequestCosign,
            Operation::CompleteCosign { .. } => Action::CompleteCosign,
            Operation::TransferExternal { .. } => Action::TransferExternal,
            Operation::Start => Action::Start,
            Operation::Arrive { .. } => Action::Arrive,
            Operation::LeaveSite => Action::LeaveSite,
            Operation::RequestInfo { .. } => Action::RequestInfo,
            Operation::ProvideInfo { .. } => Action::ProvideInfo,
            Operation::Resolve { .. } => Action::Resolve,
            Operation::Close { .. } => Action::Close,
            Operation::Reject { .. } => Action::Reject,
            Operation::MergeInto { .. } => Action::MarkDuplicate,
            Operation::AssignWorker { .. } | Operation::Note { .. } => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Operation::AssignWorker { .. } => "assign_worker",
            Operation::Note { .. } => "note",
            other => other.action().map_or("note", Action::as_str),
        }
    }

    /// Field operations: the assigned field worker may do these, as may the dispatcher.
    fn is_field_work(&self) -> bool {
        matches!(
            self,
            Operation::Start
                | Operation::Arrive { .. }
                | Operation::LeaveSite
                | Operation::Note { .. }
                | Operation::ProvideInfo { .. }
                | Operation::Resolve { .. }
        )
    }
}

fn required(text: &str, field: &'static str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::invalid(
            Message::new("error-field-required").arg("field", field),
        ));
    }
    if t.chars().count() > 4000 {
        return Err(ServiceError::invalid(
            Message::new("error-field-too-long")
                .arg("field", field)
                .arg("max", "4000"),
        ));
    }
    Ok(t.to_string())
}

pub(crate) fn staff_label(actor: &Actor) -> String {
    match &actor.account_id {
        Some(id) => format!("staff:{id}"),
        None => format!("system:{}", actor.label),
    }
}

impl Services {
    /// Who may do `op` to `work`: dispatchers of the holding department (the co-signing one for
    /// co-sign completion), and for field work the assigned field worker too.
    fn authorise(&self, actor: &Actor, work: &WorkView, op: &Operation) -> Result<()> {
        fn dept(d: &Option<String>) -> Target<'_> {
            d.as_deref()
                .map_or(Target::Jurisdiction, Target::Department)
        }
        let target = match op {
            Operation::CompleteCosign { .. } => dept(&work.cosign_department_code),
            _ => dept(&work.department_code),
        };
        if actor.may(Permission::DispatchCases, target) {
            return Ok(());
        }
        if op.is_field_work()
            && is_assignee(actor, work)
            && actor.may(Permission::WorkCases, dept(&work.department_code))
        {
            return Ok(());
        }
        if matches!(op, Operation::Note { .. }) && actor.may(Permission::ViewCases, target) {
            // Agents and supervisors may add notes (e.g. a caller's follow-up call).
            return Ok(());
        }
        if super::may_view(actor, work) {
            Err(forbidden())
        } else {
            Err(unknown_case(&work.case_number))
        }
    }

    async fn department_kind(&self, j: &Jurisdiction, code: &str) -> Result<DepartmentKind> {
        store::catalog::list_departments(&self.db, &j.id)
            .await?
            .into_iter()
            .find(|d| d.code == code)
            .map(|d| d.kind)
            .ok_or_else(|| {
                ServiceError::invalid(
                    Message::new("error-department-unknown").arg("department", code),
                )
            })
    }

    /// Performs one operation on a case and returns its new working state.
    pub async fn operate(
        &self,
        actor: &Actor,
        case_number: &str,
        op: Operation,
    ) -> Result<WorkView> {
        let j = self.jurisdiction(&actor.jurisdiction_id).await?;
        // Validate what needs no lock first.
        let mut update = WorkUpdate::default();
        let (note, public, mut data) = match &op {
            Operation::Acknowledge | Operation::Start | Operation::LeaveSite => {
                (None, true, serde_json::json!({}))
            }
            Operation::AssignWorker { account_id } => {
                let worker = self
                    .account_in(&j.id, account_id)
                    .await
                    .map_err(|_| ServiceError::invalid(Message::new("error-assignee-unknown")))?;
                if worker.kind != "staff" || worker.status != "active" {
                    return Err(ServiceError::invalid(Message::new(
                        "error-assignee-unknown",
                    )));
                }
                update.assignee_id = Some(Some(account_id.clone()));
                (
                    None,
                    false,
                    serde_json::json!({ "assignee": account_id, "assignee_name": worker.display_name }),
                )
            }
            Operation::Reassign { department, reason } => {
                let reason = required(reason, "reason")?;
                if self.department_kind(&j, department).await? == DepartmentKind::Utility {
                    return Err(ServiceError::invalid(Message::new(
                        "error-reassign-to-utility",
                    )));
                }
                update.department_code = Some(Some(department.clone()));
                update.assignee_id = Some(None);
                (
                    Some(reason),
                    false,
                    serde_json::json!({ "to_department": department }),
                )
            }
            Operation::RequestCosign { department, note } => {
                self.department_kind(&j, department).await?;
                update.cosign_department_code = Some(Some(department.clone()));
                (
                    Some(required(note, "note")?),
                    false,
                    serde_json::json!({ "cosign_department": department }),
                )
            }
            Operation::CompleteCosign { note } => {
                update.cosign_department_code = Some(None);
                (Some(required(note, "note")?), false, serde_json::json!({}))
            }
            Operation::TransferExternal { department, note } => {
                if self.department_kind(&j, department).await? != DepartmentKind::Utility {
                    return Err(ServiceError::invalid(
                        Message::new("error-transfer-not-utility")
                            .arg("department", department.clone()),
                    ));
                }
                update.department_code = Some(Some(department.clone()));
                update.assignee_id = Some(None);
                (
                    Some(required(note, "note")?),
                    true,
                    serde_json::json!({ "to_department": department }),
                )
            }
            Operation::Arrive { lat, lon } => {
                let at = match (lat, lon) {
                    (Some(lat), Some(lon)) => {
                        domain::geo::Point::new(*lat, *lon)
                            .map_err(|e| ServiceError::invalid(e.message()))?;
                        serde_json::json!({ "lat": lat, "long": lon })
                    }
                    (None, None) => serde_json::Value::Null,
                    _ => return Err(ServiceError::invalid(Message::new("error-location-pair"))),
                };
                // The location stays internal: it can reveal where the reporter lives.
                (None, true, serde_json::json!({ "location": at }))
            }
            Operation::Note { text, public } => (
                Some(required(text, "note")?),
                *public,
                serde_json::json!({}),
            ),
            Operation::RequestInfo { note } => {
                (Some(required(note, "note")?), true, serde_json::json!({}))
            }
            Operation::ProvideInfo { note } => {
                (Some(required(note, "note")?), true, serde_json::json!({}))
            }
            Operation::Resolve {
                outcome,
                note,
                responsible,
                deferred_until,
            } => {
                let note = required(note, "note")?;
                let mut d = serde_json::json!({});
                match outcome {
                    Outcome::NotOurResponsibility => {
                        let who = responsible
                            .as_deref()
                            .map(|r| required(r, "responsible"))
                            .transpose()?
                            .ok_or_else(|| {
                                ServiceError::invalid(
                                    Message::new("error-field-required")
                                        .arg("field", "responsible"),
                                )
                            })?;
                        d["responsible"] = serde_json::json!(who);
                    }
                    Outcome::Deferred => {
                        let until = deferred_until.as_deref().ok_or_else(|| {
                            ServiceError::invalid(
                                Message::new("error-field-required").arg("field", "deferred_until"),
                            )
                        })?;
                        let date = domain::calendar::parse_date(until)
                            .map_err(|e| ServiceError::invalid(e.message()))?;
                        d["deferred_until"] =
                            serde_json::json!(domain::calendar::format_date(date));
                    }
                    _ => {}
                }
                (Some(note), true, d)
            }
            Operation::Close { note } => (
                note.as_deref().map(|n| required(n, "note")).transpose()?,
                true,
                serde_json::json!({}),
            ),
            Operation::Reject { reason } => (
                Some(required(reason, "reason")?),
                true,
                serde_json::json!({}),
            ),
            Operation::MergeInto {
                case_number: survivor,
            } => {
                let target = case_work::find(&self.db, &j.id, survivor)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            Message::new("error-merge-target-unknown").arg("id", survivor.clone()),
                        )
                    })?;
                if survivor == case_number {
                    return Err(ServiceError::invalid(Message::new("error-merge-self")));
                }
                if CaseStatus::parse(&target.status).is_none_or(CaseStatus::is_final) {
                    return Err(ServiceError::invalid(
                        Message::new("error-merge-target-closed").arg("id", survivor.clone()),
                    ));
                }
                update.merged_into = Some(Some(target.id.clone()));
                (None, true, serde_json::json!({ "merged_into": survivor }))
            }
        };
        let mut tx = self.db.begin().await?;
        let work = case_work::find_for_update(&mut tx, &j.id, case_number)
            .await?
            .ok_or_else(|| unknown_case(case_number))?;
        self.authorise(actor, &work, &op)?;
        if let Operation::AssignWorker { account_id } = &op {
            // The worker must belong to the holding department.
            let roles = store::accounts::roles_in(&mut tx, account_id).await?;
            let dept = work.department_code.clone().unwrap_or_default();
            if !roles
                .iter()
                .any(|r| r.scope_id == dept && r.role == "field_worker")
            {
                return Err(ServiceError::invalid(
                    Message::new("error-assignee-not-in-department").arg("department", dept),
                ));
            }
            let status = CaseStatus::parse(&work.status).unwrap_or(CaseStatus::Received);
            if status.is_final()
                || matches!(
                    status,
                    CaseStatus::Received
                        | CaseStatus::Triaged
                        | CaseStatus::Assigned
                        | CaseStatus::Transferred
                )
            {
                return Err(ServiceError::invalid(Message::new(
                    "error-assign-before-acknowledge",
                )));
            }
        }
        if let Operation::RequestCosign { department, .. } = &op
            && work.department_code.as_deref() == Some(department)
        {
            return Err(ServiceError::invalid(Message::new(
                "error-cosign-same-department",
            )));
        }
        if let Some(from) = &work.department_code {
            data["from_department"] = serde_json::json!(from);
        }
        let label = staff_label(actor);
        let summary = CaseSummary {
            id: work.id.clone(),
            case_number: work.case_number.clone(),
            category_code: work.category_code.clone(),
            status: work.status.clone(),
            outcome: work.outcome.clone(),
            closed_at: work.closed_at,
            media_urls: work.media_urls.clone(),
        };
        let outcome = match &op {
            Operation::Resolve { outcome, .. } => Some(*outcome),
            _ => None,
        };
        let event_id = match op.action() {
            Some(action) => {
                self.apply_action_with(
                    &mut tx,
                    &j,
                    &summary,
                    action,
                    &label,
                    note.clone(),
                    outcome,
                    public,
                    data,
                )
                .await?
                .event
                .id
            }
            None => {
                record_event(
                    &mut tx,
                    &j,
                    &work,
                    op.name(),
                    &label,
                    public,
                    note.clone(),
                    data,
                )
                .await?
            }
        };
        let now = store::now_unix();
        case_work::update(&mut tx, &work.id, &update, now).await?;
        self.refresh_sla(&mut tx, &j, &work.id).await?;
        if let Operation::MergeInto {
            case_number: survivor,
        } = &op
            && let Some(target) = case_work::find_for_update(&mut tx, &j.id, survivor).await?
        {
            let data = serde_json::json!({ "merged": work.case_number });
            record_event(&mut tx, &j, &target, "merged", &label, false, None, data).await?;
        }
        let after = case_work::find_for_update(&mut tx, &j.id, case_number)
            .await?
            .ok_or_else(|| unknown_case(case_number))?;
        if public {
            self.notify_reporters(&mut tx, &j, &after, op.name(), note.as_deref())
                .await?;
        }
        let kind = op.action().map_or(op.name(), Action::as_str);
        self.publish_case_event(
            &mut tx,
            &j,
            &after,
            kind,
            public,
            note.as_deref(),
            &event_id,
            work.department_code.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Appends an event that does not change the status (a note, an assignment to a worker).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event(
    tx: &mut Tx,
    j: &Jurisdiction,
    work: &WorkView,
    kind: &str,
    actor: &str,
    public: bool,
    note: Option<String>,
    data: serde_json::Value,
) -> Result<String> {
    let event = store::events::append(
        tx,
        &j.id,
        NewEvent {
            id: uuid::Uuid::now_v7().to_string(),
            case_id: work.id.clone(),
            kind: kind.into(),
            actor: actor.into(),
            public,
            from_status: Some(work.status.clone()),
            to_status: Some(work.status.clone()),
            note,
            data: data.to_string(),
            created_at: store::now_unix(),
        },
    )
    .await?;
    Ok(event.event.id)
}

impl Services {
    /// Adds photos to a case (field work): type and size checked, metadata (including the
    /// location) stripped before anything is stored; public photos are shown to the citizen
    /// and to Open311 clients.
    pub async fn add_case_photos(
        &self,
        actor: &Actor,
        case_number: &str,
        uploads: Vec<crate::media::MediaUpload>,
        public: bool,
        note: Option<String>,
    ) -> Result<WorkView> {
        let j = self.jurisdiction(&actor.jurisdiction_id).await?;
        let work = case_work::find(&self.db, &j.id, case_number)
            .await?
            .ok_or_else(|| unknown_case(case_number))?;
        let op = Operation::Note {
            text: String::new(),
            public,
        };
        self.authorise(actor, &work, &op)?;
        if uploads.is_empty() {
            return Err(ServiceError::invalid(Message::new("error-photo-required")));
        }
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        let mut errors = Vec::new();
        let checked = self.check_media(uploads, &mut errors).await?;
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let stored = self.store_media(&j.id, &work.id, checked).await?;
        let result = async {
            let mut tx = self.db.begin().await?;
            let work = case_work::find_for_update(&mut tx, &j.id, case_number)
                .await?
                .ok_or_else(|| unknown_case(case_number))?;
            let now = store::now_unix();
            crate::media::record_media(&mut tx, &j.id, &work.id, &stored, public, now).await?;
            let urls: Vec<&str> = stored.iter().map(|m| m.url.as_str()).collect();
            if public {
                let mut all: Vec<String> =
                    serde_json::from_str(&work.media_urls).unwrap_or_default();
                all.extend(urls.iter().map(|u| u.to_string()));
                let update = store::cases::CaseUpdate {
                    media_urls: Some(serde_json::to_string(&all).unwrap_or_else(|_| "[]".into())),
                    ..Default::default()
                };
                store::cases::update(&mut tx, &j.id, &work.id, &update, now).await?;
            }
            let event_id = record_event(
                &mut tx,
                &j,
                &work,
                "photo",
                &staff_label(actor),
                public,
                note.clone(),
                serde_json::json!({ "photos": urls }),
            )
            .await?;
            if public {
                self.notify_reporters(&mut tx, &j, &work, "photo", note.as_deref())
                    .await?;
            }
            let after = case_work::find_for_update(&mut tx, &j.id, case_number)
                .await?
                .ok_or_else(|| unknown_case(case_number))?;
            self.publish_case_event(
                &mut tx,
                &j,
                &after,
                "photo",
                public,
                note.as_deref(),
                &event_id,
                None,
            )
            .await?;
            tx.commit().await?;
            Ok::<_, ServiceError>(after)
        }
        .await;
        if result.is_err() {
            self.discard_media(&stored).await;
        }
        result
    }
}
