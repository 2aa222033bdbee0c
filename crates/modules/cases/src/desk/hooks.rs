//! Where case work feeds the desk. Each hook runs inside the transaction of the change that
//! causes it, so an out-call exists exactly when its cause does:
//! - a case listener (`casework::events`): a filing gives the reporter's number its key, and a
//!   number flagged as needing care queues a `needs_care` call; a reopened case queues
//!   `reopened`, a resolved P1 case `p1_follow_up`;
//! - `submit_survey`: a score of 2 or less queues `low_satisfaction`.

use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::casework::CaseChange;
use crate::domain::case_event::CaseEventKind;
use crate::domain::desk::{CallerNumber, LOW_SATISFACTION_MAX, OutcallReason, OutcallStatus};
use crate::domain::lifecycle::Action;
use crate::store::desk::Outcall;
use crate::{CasesApp, Result};
use domain::catalog::Jurisdiction;
use domain::category::Urgency;
use store::Tx;

/// The label of out-calls' audit records: the rules, not a person, queued them.
const RULES: &str = "1999 out-call rules";

impl CasesApp {
    /// Listener (`casework::events`): a filing keys the reporter's number and queues a caring
    /// call for a flagged caller; a reopen, or the resolution of a P1 case, queues a call.
    pub(crate) async fn desk_on_case_change(
        &self,
        tx: &mut Tx,
        change: &CaseChange<'_>,
    ) -> Result<()> {
        let (j, case_id) = (change.jurisdiction, change.case.id.as_str());
        let reason = match change.kind {
            CaseEventKind::Filed => {
                let Some(number) = change
                    .reporter_phone
                    .and_then(|p| CallerNumber::parse(p).ok())
                else {
                    return Ok(());
                };
                crate::store::desk::set_reporter_phone_key(tx, case_id, number.key()).await?;
                let flagged = crate::store::desk::care_flag(&mut *tx, &j.id, number.key())
                    .await?
                    .is_some();
                flagged.then_some(OutcallReason::NeedsCare)
            }
            CaseEventKind::Action(Action::Reopen) => Some(OutcallReason::Reopened),
            CaseEventKind::Action(Action::Resolve) => (Urgency::parse(&change.case.urgency)
                == Some(Urgency::P1))
            .then_some(OutcallReason::P1FollowUp),
            CaseEventKind::Action(_)
            | CaseEventKind::WorkerAssigned
            | CaseEventKind::Note
            | CaseEventKind::Photo
            | CaseEventKind::ClientComment
            | CaseEventKind::Merged
            | CaseEventKind::CallerAdded
            | CaseEventKind::SlaAtRisk
            | CaseEventKind::SlaBreached
            | CaseEventKind::DeadlineExtended => None,
        };
        if let Some(reason) = reason {
            self.enqueue_outcall(tx, j, case_id, reason).await?;
        }
        Ok(())
    }

    /// Survey hook: a low score asks for a caring call.
    pub(crate) async fn desk_after_survey(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        case_id: &str,
        score: i64,
    ) -> Result<()> {
        if score <= LOW_SATISFACTION_MAX {
            self.enqueue_outcall(tx, j, case_id, OutcallReason::LowSatisfaction)
                .await?;
        }
        Ok(())
    }

    /// Queues a caring call about a case to its reporter's number, due within the reason's
    /// working days. Nothing is queued when no reporter left a number we can call, or when
    /// the case already has an open call for the same reason. Returns the out-call's id.
    pub(crate) async fn enqueue_outcall(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        case_id: &str,
        reason: OutcallReason,
    ) -> Result<Option<String>> {
        if crate::store::desk::open_outcall_exists(tx, case_id, reason.as_str()).await? {
            return Ok(None);
        }
        let reporters = crate::store::desk::reporter_phones(tx, case_id).await?;
        let reached = reporters.iter().find_map(|r| {
            let number = r
                .phone_key
                .as_deref()
                .or(r.phone.as_deref())
                .or(r.account_mobile.as_deref())
                .and_then(|p| CallerNumber::parse(p).ok())?;
            Some(number)
        });
        let Some(number) = reached else {
            return Ok(None);
        };
        let case_number = crate::store::desk::case_number(&mut *tx, case_id).await?;
        let now = self.now();
        // Through the transaction: a writer must not wait for a second pooled connection.
        let due_at = self
            .business_calendar_in(tx, j)
            .await?
            .add_working_days(now, reason.due_working_days());
        let id = uuid::Uuid::now_v7().to_string();
        crate::store::desk::insert_outcall(
            tx,
            &Outcall {
                id: id.clone(),
                jurisdiction_id: j.id.clone(),
                case_id: Some(case_id.to_string()),
                case_number: case_number.clone(),
                citizen_phone: Some(number.key().to_string()),
                reason: reason.as_str().to_string(),
                status: OutcallStatus::Queued.as_str().to_string(),
                claimed_by: None,
                claimed_at: None,
                outcome: None,
                note: None,
                due_at,
                created_at: now,
                done_at: None,
            },
        )
        .await?;
        audit::record(
            tx,
            &Actor::system(&j.id, RULES),
            "outcall.enqueue",
            // No data subject: no one read the number. The claim that shows it to an agent is
            // what the citizen sees.
            Subject {
                kind: "outcall",
                id: &id,
                data_subject: None,
            },
            None,
            serde_json::json!({ "reason": reason.as_str(), "case_number": case_number }),
            now,
        )
        .await?;
        Ok(Some(id))
    }
}
