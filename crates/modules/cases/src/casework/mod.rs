//! Case work after intake: the department queue, the staff view of a case, and every dispatch
//! and field operation (簽收, assignment, 改分, 會簽, transfer to a utility, arrival, notes,
//! completion with an honest outcome, closing). Each operation loads the case, checks the
//! permission table and who holds the case, and only then validates what it names (`checks`);
//! it applies the lifecycle in `domain`, appends the event, refreshes the SLA due dates from
//! the events, and queues the citizen's notification, all in one transaction.

mod calendar;
mod checks;
mod citizen;
mod data_requests;
mod duplicates;
mod events;
mod find;
mod my_cases;
mod operation_fields;
mod operations;
mod photos;
mod reporters;
mod rule_preview;
pub mod rules;
pub(crate) mod sla;
mod supervision;
mod views;

pub use calendar::CalendarChange;
pub use checks::may_do;
pub use citizen::{
    CitizenReport, Notice, TimelineEntry, Tracking, address_in_district, case_number_as_typed,
};
pub use data_requests::MAX_DETAILS as DATA_REQUEST_MAX_DETAILS;
pub use duplicates::{AttachCaller, Suggestion};
pub(crate) use events::CaseChange;
pub use find::{FIND_LIMIT, Found};
pub use operation_fields::OperationFields;
pub use operations::Operation;
pub use reporters::{ReporterContact, may_contact};
pub use rule_preview::{PREVIEW_CASES, RulePreview};
pub use supervision::run_supervisor;

use crate::authz::{Actor, Target};
use crate::domain::lifecycle::CaseStatus;
use crate::store::case_work::{self, QueueFilter, WorkView};
use crate::store::events::Event;
use crate::{CasesApp, Result, ServiceError};
use domain::Message;

/// The staff view of one case: its working state and every event, internal ones included.
#[derive(Debug, Clone)]
pub struct CaseDetail {
    pub work: WorkView,
    pub events: Vec<Event>,
    /// The calendar its SLA clocks count on (its policy's).
    pub sla_calendar: crate::domain::sla::ClockCalendar,
}

fn unknown_case(number: &str) -> ServiceError {
    ServiceError::NotFound(Message::new("error-request-unknown").arg("id", number))
}

/// How a staff member relates to a case.
pub(crate) fn may_view(actor: &Actor, work: &WorkView) -> bool {
    let holds = |d: &Option<String>| {
        d.as_deref()
            .is_some_and(|d| actor.may(crate::permissions::VIEW_CASES, Target::Department(d)))
    };
    actor.may(crate::permissions::VIEW_CASES, Target::Jurisdiction)
        || holds(&work.department_code)
        || holds(&work.cosign_department_code)
        || is_assignee(actor, work)
}

pub(crate) fn is_assignee(actor: &Actor, work: &WorkView) -> bool {
    actor.account_id.is_some() && work.assignee_id == actor.account_id
}

/// Open statuses, for queues.
pub fn open_statuses() -> Vec<String> {
    CaseStatus::ALL
        .iter()
        .filter(|s| !s.is_final())
        .map(|s| s.as_str().to_string())
        .collect()
}

/// What a queue request asks for.
#[derive(Debug, Clone, Default)]
pub struct QueueRequest {
    pub department: Option<String>,
    /// Only the caller's own assignments.
    pub mine: bool,
    pub statuses: Option<Vec<String>>,
    pub after: Option<(i64, String)>,
    pub limit: u64,
    /// Narrowing filters (the dispatcher's queue page).
    pub category: Option<String>,
    pub district: Option<String>,
    /// `breached`, `at_risk`, `running`, `paused` and/or `met` (see `sla::sla_label`).
    pub sla_states: Option<Vec<String>>,
    /// Text in the case number, description or address.
    pub text: Option<String>,
    /// Breached first, then at risk, then by resolution due date (no keyset: use `offset`).
    pub by_risk: bool,
    pub offset: u64,
}

/// The SLA states a queue can be filtered by, as `refresh_sla` stores them.
pub const SLA_STATES: [&str; 5] = ["breached", "at_risk", "running", "paused", "met"];

impl CasesApp {
    /// A case as staff see it. Staff who may not see it get NotFound (existence does not leak).
    pub async fn case_detail(&self, actor: &Actor, case_number: &str) -> Result<CaseDetail> {
        let work = case_work::find(&self.db, &actor.jurisdiction_id, case_number)
            .await?
            .filter(|w| may_view(actor, w))
            .ok_or_else(|| unknown_case(case_number))?;
        let events =
            crate::store::events::for_cases(&self.db, std::slice::from_ref(&work.id), false)
                .await?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let snapshot = self.platform.snapshot_of(&j).await?;
        let urgency = domain::category::Urgency::parse(&work.urgency)
            .unwrap_or(domain::category::Urgency::P4);
        let sla_calendar = sla::policy_of(&snapshot, &work.category_code, urgency).clock_calendar();
        Ok(CaseDetail {
            work,
            events,
            sla_calendar,
        })
    }

    /// A work queue ordered by SLA risk (earliest resolution due date first): a department's
    /// queue for dispatchers, the whole jurisdiction for supervisors, a field worker's own
    /// assignments.
    pub async fn case_queue(&self, actor: &Actor, q: QueueRequest) -> Result<Vec<WorkView>> {
        crate::queries::check_offset(q.offset)?;
        if let Some(states) = &q.sla_states
            && let Some(bad) = states.iter().find(|s| !SLA_STATES.contains(&s.as_str()))
        {
            return Err(ServiceError::invalid(
                Message::new("error-sla-state-unknown").arg("state", bad.clone()),
            ));
        }
        let mut filter = QueueFilter {
            statuses: q.statuses.clone(),
            after: if q.by_risk { None } else { q.after.clone() },
            limit: if q.limit == 0 { 100 } else { q.limit },
            category: q.category.clone(),
            district: q.district.clone(),
            sla_states: q.sla_states.clone(),
            text: q.text.clone(),
            by_risk: q.by_risk,
            offset: q.offset,
            ..QueueFilter::default()
        };
        if let Some(statuses) = &q.statuses
            && let Some(bad) = statuses.iter().find(|s| CaseStatus::parse(s).is_none())
        {
            return Err(ServiceError::invalid(
                Message::new("error-status-unknown").arg("status", bad.clone()),
            ));
        }
        if q.mine {
            filter.assignee_id = Some(actor.account()?.to_string());
        } else {
            match (
                actor.departments_for(crate::permissions::VIEW_CASES),
                &q.department,
            ) {
                (None, Some(d)) => filter.departments = Some(vec![d.clone()]),
                (None, None) => {}
                (Some(mine), Some(d)) if mine.contains(d) => {
                    filter.departments = Some(vec![d.clone()])
                }
                (Some(mine), None) if !mine.is_empty() => filter.departments = Some(mine),
                _ => return Err(crate::authz::forbidden()),
            }
        }
        Ok(case_work::queue(&self.db, &actor.jurisdiction_id, &filter).await?)
    }
}
