//! What a change to a case sets off. Every write to a case (filing, a staff operation, a
//! citizen's or a client's update, an SLA warning) appends its event and then publishes a
//! [`CaseChange`] through [`CasesApp::case_changed`], inside the same transaction: the one list
//! of listeners below decides what follows. A write site never calls a listener itself, so a
//! new write cannot forget one, and a new listener hears every write.
//!
//! The listeners, in order:
//! 1. the desk (`desk::hooks`): the reporter's number becomes a caller-lookup key, and caring
//!    out-calls are queued (a flagged caller files, a case is reopened, a P1 case resolved);
//! 2. the citizen (`citizen::notify_reporters`): a public change is told to every reporter who
//!    did not cause it, with the satisfaction survey when the case is resolved;
//! 3. the supervisors (`supervision::tell_supervisors`): an SLA warning, urgent when a clock
//!    ran out;
//! 4. department systems ([`CasesApp::notify_department_systems`]): one webhook event per
//!    change, with the case's public facts only, never reporters' personal data.

use crate::domain::case_event::CaseEventKind;
use crate::domain::lifecycle::Action;
use crate::store::case_work::WorkView;
use crate::webhooks;
use crate::{CasesApp, Result};
use domain::catalog::Jurisdiction;
use store::Tx;

/// One change to a case, as its listeners hear it.
pub(crate) struct CaseChange<'a> {
    pub jurisdiction: &'a Jurisdiction,
    /// The case after the change.
    pub case: &'a WorkView,
    pub kind: CaseEventKind,
    /// The event that recorded it.
    pub event_id: &'a str,
    /// Whether the event is public (reaches the citizen and Open311).
    pub public: bool,
    pub note: Option<&'a str>,
    /// The department that held the case before, when the change moved it.
    pub previous_department: Option<&'a str>,
    /// The change came from the reporter's side (the citizen, or the Open311 client that filed
    /// for them), who is not told of what they did themselves.
    pub by_reporter: bool,
    /// For a filing: the phone number the reporter gave, if any.
    pub reporter_phone: Option<&'a str>,
    /// For a filing that named no reporter: the new case has none (nor any case merged into
    /// it), so the reporters' listener has nobody to tell and need not look them up inside
    /// the writer's transaction.
    pub no_reporter: bool,
}

impl<'a> CaseChange<'a> {
    /// A change made by staff or the system, with no previous department and no reporter phone.
    pub(crate) fn new(
        jurisdiction: &'a Jurisdiction,
        case: &'a WorkView,
        kind: CaseEventKind,
        event_id: &'a str,
        public: bool,
    ) -> CaseChange<'a> {
        CaseChange {
            jurisdiction,
            case,
            kind,
            event_id,
            public,
            note: None,
            previous_department: None,
            by_reporter: false,
            reporter_phone: None,
            no_reporter: false,
        }
    }
}

impl CasesApp {
    /// Runs every listener over `changes`, in the writer's transaction.
    pub(crate) async fn case_changed(&self, tx: &mut Tx, changes: &[CaseChange<'_>]) -> Result<()> {
        for change in changes {
            self.desk_on_case_change(tx, change).await?;
        }
        for change in changes {
            self.notify_reporters(tx, change).await?;
        }
        for change in changes {
            self.tell_supervisors(tx, change).await?;
        }
        self.notify_department_systems(tx, changes).await
    }

    /// Queues the webhook event of each change that department systems hear about. Most
    /// jurisdictions have no subscriptions, which one query per jurisdiction finds out.
    async fn notify_department_systems(
        &self,
        tx: &mut Tx,
        changes: &[CaseChange<'_>],
    ) -> Result<()> {
        let mut listening: Vec<(&str, bool)> = Vec::new();
        for change in changes {
            let Some(event_type) = event_type(change.kind, change.public) else {
                continue;
            };
            let j = change.jurisdiction;
            let heard = match listening.iter().find(|(id, _)| *id == j.id) {
                Some((_, heard)) => *heard,
                None => {
                    let heard = !store::webhooks::active_subscriptions_in(tx, &j.id)
                        .await?
                        .is_empty();
                    listening.push((&j.id, heard));
                    heard
                }
            };
            if heard {
                publish_webhook(tx, change, event_type, self.now()).await?;
            }
        }
        Ok(())
    }
}

/// The webhook event type of a change, if department systems hear about it.
pub(crate) fn event_type(kind: CaseEventKind, public: bool) -> Option<&'static str> {
    Some(match kind {
        CaseEventKind::Filed => "case.created",
        CaseEventKind::WorkerAssigned | CaseEventKind::Action(Action::Assign) => "case.assigned",
        CaseEventKind::Action(Action::Acknowledge) => "case.acknowledged",
        CaseEventKind::Action(Action::Reassign | Action::TransferExternal) => "case.reassigned",
        CaseEventKind::Action(Action::Resolve) => "case.resolved",
        CaseEventKind::Action(Action::Close | Action::Reject) => "case.closed",
        CaseEventKind::Action(Action::Reopen) => "case.reopened",
        CaseEventKind::Action(Action::MarkDuplicate) => "case.merged",
        CaseEventKind::SlaAtRisk => "case.sla_at_risk",
        CaseEventKind::SlaBreached => "case.sla_breached",
        CaseEventKind::Action(
            Action::Triage
            | Action::Start
            | Action::Arrive
            | Action::LeaveSite
            | Action::RequestInfo
            | Action::ProvideInfo
            | Action::RequestCosign
            | Action::CompleteCosign
            | Action::WithdrawCosign,
        )
        | CaseEventKind::Note
        | CaseEventKind::Photo
        | CaseEventKind::ClientComment
        | CaseEventKind::Merged
        | CaseEventKind::CallerAdded
        | CaseEventKind::DeadlineExtended => {
            if public {
                "case.updated"
            } else {
                return None;
            }
        }
    })
}

/// Queues the webhook event for one change, at `now`.
async fn publish_webhook(
    tx: &mut Tx,
    change: &CaseChange<'_>,
    event_type: &str,
    now: i64,
) -> Result<()> {
    let work = change.case;
    let time = |t: Option<i64>| t.map(domain::datetime::format_unix);
    let payload = serde_json::json!({
        "case_number": work.case_number,
        "event": change.kind.as_str(),
        "status": work.status,
        "outcome": work.outcome,
        "category": work.category_code,
        "urgency": work.urgency,
        "department": work.department_code,
        "district": work.district_code,
        "sla": {
            "state": work.sla_state,
            "acknowledgement_due": time(work.ack_due_at),
            "first_response_due": time(work.response_due_at),
            "resolution_due": time(work.resolution_due_at),
        },
        "note": if change.public { change.note } else { None },
        "merged_into": work.merged_into.is_some(),
    });
    // A case passed between departments concerns both.
    let departments: Vec<&str> = work
        .department_code
        .as_deref()
        .into_iter()
        .chain(
            change
                .previous_department
                .filter(|p| Some(*p) != work.department_code.as_deref()),
        )
        .collect();
    webhooks::enqueue_for_departments(
        tx,
        &change.jurisdiction.id,
        event_type,
        &departments,
        change.event_id,
        payload,
        now,
    )
    .await?;
    Ok(())
}
