//! The operations staff perform on a case, each in one transaction. Every one follows the
//! same order, written once in `checks`: load the case, authorise the caller, then validate.

use super::checks::Plan;
use super::events::CaseChange;
use super::unknown_case;
use crate::authz::Actor;
use crate::domain::case_event::CaseEventKind;
use crate::domain::lifecycle::{Action, Outcome};
use crate::store::case_work::{self, WorkView};
use crate::store::events::NewEvent;
use crate::{CasesApp, Result};
use domain::catalog::Jurisdiction;
use store::Tx;

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
    /// The co-signing department's part is done.
    CompleteCosign {
        note: String,
    },
    /// The requester no longer needs the co-sign, with the reason.
    WithdrawCosign {
        reason: String,
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
    /// A personal-data request's deadline, extended once by the law's period, with the reason
    /// the citizen is told (`domain::data_requests`).
    ExtendDeadline {
        reason: String,
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
            Operation::WithdrawCosign { .. } => Action::WithdrawCosign,
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
            Operation::AssignWorker { .. }
            | Operation::Note { .. }
            | Operation::ExtendDeadline { .. } => return None,
        })
    }

    /// The kind of event the operation records.
    pub fn event_kind(&self) -> CaseEventKind {
        match self {
            Operation::AssignWorker { .. } => CaseEventKind::WorkerAssigned,
            Operation::Note { .. } => CaseEventKind::Note,
            Operation::ExtendDeadline { .. } => CaseEventKind::DeadlineExtended,
            other => other
                .action()
                .map_or(CaseEventKind::Note, CaseEventKind::Action),
        }
    }

    pub fn name(&self) -> &'static str {
        self.event_kind().as_str()
    }
}

impl CasesApp {
    /// Performs one operation on a case and returns its new working state.
    pub async fn operate(
        &self,
        actor: &Actor,
        case_number: &str,
        op: Operation,
    ) -> Result<WorkView> {
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        // Load, authorise, validate (`checks`): nothing the operation names is looked at
        // before the caller is known to be allowed to do it to this case.
        let case = self.load_authorised(actor, &j, case_number, &op).await?;
        let Plan {
            note,
            public,
            mut data,
            update,
        } = self.validate(actor, &j, &case, &op).await?;
        // The same order again under the case's lock, for what may have changed since.
        let mut tx = self.db.begin().await?;
        let case = self
            .lock_authorised(&mut tx, actor, &j, case_number, &op)
            .await?;
        self.check_locked(&mut tx, &case, &op).await?;
        let work = case.into_work();
        if let Some(from) = &work.department_code {
            data["from_department"] = serde_json::json!(from);
        }
        let label = actor.event_ref().to_string();
        let summary = crate::updates::summary_of(&work);
        let outcome = match &op {
            Operation::Resolve { outcome, .. } => Some(*outcome),
            _ => None,
        };
        let now = self.now();
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
                    op.event_kind(),
                    &label,
                    public,
                    note.clone(),
                    data,
                    now,
                )
                .await?
            }
        };
        case_work::update(&mut tx, &work.id, &update, now).await?;
        self.refresh_sla(&mut tx, &j, &work.id).await?;
        if let Operation::MergeInto {
            case_number: survivor,
        } = &op
            && let Some(target) = case_work::find_for_update(&mut tx, &j.id, survivor).await?
        {
            let data = serde_json::json!({ "merged": work.case_number });
            let kind = CaseEventKind::Merged;
            let event_id =
                record_event(&mut tx, &j, &target, kind, &label, false, None, data, now).await?;
            self.case_changed(
                &mut tx,
                &[CaseChange::new(&j, &target, kind, &event_id, false)],
            )
            .await?;
        }
        let after = case_work::find_for_update(&mut tx, &j.id, case_number)
            .await?
            .ok_or_else(|| unknown_case(case_number))?;
        let change = CaseChange {
            note: note.as_deref(),
            previous_department: work.department_code.as_deref(),
            ..CaseChange::new(&j, &after, op.event_kind(), &event_id, public)
        };
        self.case_changed(&mut tx, &[change]).await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Appends an event that does not change the status (a note, an assignment to a worker), made
/// at `now`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event(
    tx: &mut Tx,
    j: &Jurisdiction,
    work: &WorkView,
    kind: CaseEventKind,
    actor: &str,
    public: bool,
    note: Option<String>,
    data: serde_json::Value,
    now: i64,
) -> Result<String> {
    let event = crate::store::events::append(
        tx,
        &j.id,
        NewEvent {
            id: uuid::Uuid::now_v7().to_string(),
            case_id: work.id.clone(),
            kind: kind.as_str().into(),
            actor: actor.into(),
            public,
            from_status: Some(work.status.clone()),
            to_status: Some(work.status.clone()),
            note,
            data: data.to_string(),
            created_at: now,
        },
    )
    .await?;
    Ok(event.event.id)
}
