//! SLA due dates, derived from a case's events on its jurisdiction's business calendar and
//! stored on the case for indexing. Recomputed from the whole event log on every change, so a
//! due date can never drift from the history that justifies it.

use crate::catalog_cache::calendar_from;
use crate::domain::sla::{self, ClockStatus, SlaPolicy, SlaState, TimelineEntry, TimelineKind};
use crate::store::case_work::{self, WorkUpdate};
use crate::{CasesApp, Result};
use domain::calendar::BusinessCalendar;
use domain::catalog::Jurisdiction;
use domain::category::Urgency;
use store::Tx;

/// One word for the state of a case's clocks, stored for queues and dashboards.
pub(crate) fn sla_label(state: &SlaState) -> &'static str {
    if state.any_breached() {
        "breached"
    } else if state.any_at_risk() {
        "at_risk"
    } else if state.resolution.status == ClockStatus::Paused {
        "paused"
    } else if state.resolution.status == ClockStatus::Met {
        "met"
    } else {
        "running"
    }
}

/// The SLA columns of a case for a clock state: its label and the due times of open clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SlaColumns {
    pub label: &'static str,
    pub ack_due_at: Option<i64>,
    pub response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub expected_at: Option<i64>,
}

impl SlaColumns {
    pub fn of(state: &SlaState) -> SlaColumns {
        let open = |c: &sla::ClockState| c.due.filter(|_| c.is_open());
        SlaColumns {
            label: sla_label(state),
            ack_due_at: open(&state.acknowledgement),
            response_due_at: open(&state.first_response),
            resolution_due_at: open(&state.resolution),
            expected_at: state.citizen_due,
        }
    }
}

/// The clocks of a case being filed now with status `status`, from the catalogue snapshot's
/// policies and calendar: the same evaluation [`CasesApp::refresh_sla`] makes from the stored
/// events, without reading them back inside the filing's transaction.
pub(crate) fn clocks_at_filing(
    snapshot: &crate::catalog_cache::CatalogSnapshot,
    category: &str,
    urgency: Urgency,
    status: &str,
    now: i64,
) -> SlaColumns {
    let timeline: Vec<TimelineEntry> = timeline_kind("create", Some(status), true)
        .into_iter()
        .map(|k| TimelineEntry::new(now, k))
        .collect();
    let policy = policy_from(&snapshot.sla_policies, category, urgency);
    SlaColumns::of(&sla::evaluate(&policy, &snapshot.calendar, &timeline, now))
}

/// The SLA policy of a category in force in a catalogue snapshot, its calendar resolved.
pub(crate) fn policy_of(
    snapshot: &crate::catalog_cache::CatalogSnapshot,
    category: &str,
    urgency: Urgency,
) -> SlaPolicy {
    policy_from(&snapshot.sla_policies, category, urgency)
}

fn policy_from(stored: &[(String, String)], category: &str, urgency: Urgency) -> SlaPolicy {
    // A personal-data request runs on the law's clock, whatever is configured.
    if let Some(p) = crate::domain::data_requests::policy(category) {
        return p;
    }
    for scope in [category, urgency.as_str()] {
        if let Some((_, def)) = stored.iter().find(|(s, _)| s == scope)
            && let Ok(p) = serde_json::from_str::<SlaPolicy>(def)
        {
            return p.with_calendar_of(urgency);
        }
    }
    SlaPolicy::for_urgency(urgency)
}

/// The clocks of a stored case at `now`, from its events and the catalogue snapshot's
/// policies and calendar (which may be a few seconds old): what SLA supervision checks before
/// it takes the case's lock, so that an unchanged case costs no write.
pub(crate) fn clocks_from_events(
    snapshot: &crate::catalog_cache::CatalogSnapshot,
    category: &str,
    urgency: Urgency,
    events: &[crate::store::events::EventRow],
    now: i64,
) -> SlaColumns {
    let policy = policy_from(&snapshot.sla_policies, category, urgency);
    SlaColumns::of(&sla::evaluate(
        &policy,
        &snapshot.calendar,
        &timeline_of(events),
        now,
    ))
}

/// What the SLA clocks care about in a case's events, oldest first.
fn timeline_of(events: &[crate::store::events::EventRow]) -> Vec<TimelineEntry> {
    events
        .iter()
        .flat_map(|(kind, to, at, public, _)| {
            timeline_kind(kind, to.as_deref(), *public)
                .into_iter()
                .map(move |k| TimelineEntry::new(*at, k))
        })
        .collect()
}

/// Maps a case event to what the SLA clocks care about.
fn timeline_kind(kind: &str, to_status: Option<&str>, public: bool) -> Vec<TimelineKind> {
    match kind {
        "create" => {
            let mut v = vec![TimelineKind::Received];
            if to_status == Some("assigned") {
                v.push(TimelineKind::Assigned);
            }
            v
        }
        "assign" => vec![TimelineKind::Assigned],
        "reassign" => vec![TimelineKind::Reassigned],
        "acknowledge" => vec![TimelineKind::Acknowledged],
        "request_info" => vec![TimelineKind::Paused, TimelineKind::FirstResponse],
        "provide_info" => vec![TimelineKind::Resumed],
        "resolve" => vec![TimelineKind::Resolved],
        "reopen" => vec![TimelineKind::Reopened],
        "close" | "reject" | "mark_duplicate" | "transfer_external" => vec![TimelineKind::Closed],
        "arrive" | "start" => vec![TimelineKind::FirstResponse],
        "note" if public => vec![TimelineKind::FirstResponse],
        // A public notice to the person (first response) that moves the answer's deadline.
        "deadline_extended" => vec![TimelineKind::FirstResponse, TimelineKind::Extended],
        _ => Vec::new(),
    }
}

impl CasesApp {
    /// The business calendar of a jurisdiction: weekends, the national holidays, and the
    /// changes its administrators made (extra holidays, make-up days, declared closures).
    pub async fn business_calendar(&self, j: &Jurisdiction) -> Result<BusinessCalendar> {
        let rows = store::case_config::calendar_entries(&self.db, &j.id).await?;
        calendar_from(j, rows)
    }

    /// [`Self::business_calendar`] read through a transaction.
    pub(crate) async fn business_calendar_in(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
    ) -> Result<BusinessCalendar> {
        calendar_from(
            j,
            store::case_config::calendar_entries(&mut *tx, &j.id).await?,
        )
    }

    /// The SLA policy of a category: its own, else its urgency's, else the built-in default.
    pub async fn sla_policy(
        &self,
        j: &Jurisdiction,
        category: &str,
        urgency: Urgency,
    ) -> Result<SlaPolicy> {
        let stored = store::case_config::sla_policies(&self.db, &j.id).await?;
        Ok(policy_from(&stored, category, urgency))
    }

    /// Evaluates the clocks of a case from its events at `now`, reading only through `tx`: a
    /// writer holding SQLite's lock must never wait for a second pooled connection.
    pub(crate) async fn sla_state_in(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        case_id: &str,
        category: &str,
        urgency: Urgency,
        now: i64,
    ) -> Result<SlaState> {
        let timeline = timeline_of(&crate::store::events::of_case(&mut *tx, case_id).await?);
        let stored = store::case_config::sla_policies(&mut *tx, &j.id).await?;
        let policy = policy_from(&stored, category, urgency);
        let cal = calendar_from(
            j,
            store::case_config::calendar_entries(&mut *tx, &j.id).await?,
        )?;
        Ok(sla::evaluate(&policy, &cal, &timeline, now))
    }

    /// Recomputes and stores a case's due dates and SLA state.
    pub(crate) async fn refresh_sla(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        case_id: &str,
    ) -> Result<SlaState> {
        let (category, urgency) = case_work::category_and_urgency(tx, case_id).await?;
        let urgency = Urgency::parse(&urgency).unwrap_or(Urgency::P4);
        let state = self
            .sla_state_in(tx, j, case_id, &category, urgency, self.now())
            .await?;
        let columns = SlaColumns::of(&state);
        case_work::update(
            tx,
            case_id,
            &WorkUpdate {
                ack_due_at: Some(columns.ack_due_at),
                response_due_at: Some(columns.response_due_at),
                resolution_due_at: Some(columns.resolution_due_at),
                expected_at: Some(columns.expected_at),
                sla_state: Some(Some(columns.label.to_string())),
                ..WorkUpdate::default()
            },
            self.now(),
        )
        .await?;
        Ok(state)
    }
}
