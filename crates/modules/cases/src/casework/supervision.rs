//! SLA supervision (管考): a pass over the open cases whose clocks are close to or past due.
//! When a case becomes at risk or breached, an internal event records it and the jurisdiction's
//! supervisors are notified. The check runs under the case's row lock and compares with the
//! stored state, so several nodes running it warn exactly once per change.

use super::events::CaseChange;
use super::operations::record_event;
use super::sla::{clocks_from_events, sla_label};
use crate::catalog_cache::CatalogSnapshot;
use crate::domain::case_event::CaseEventKind;
use crate::notify::{self, Notification, Recipient};
use crate::store::case_work::{self, WorkView};
use crate::{CasesApp, Result};
use domain::Locale;
use domain::actor::ActorRef;
use domain::catalog::Jurisdiction;
use domain::category::Urgency;
use std::time::Duration;
use store::Tx;
use tokio::sync::watch;

/// How far ahead a pass looks: at-risk thresholds are a share of the budget, and the longest
/// default budget is 6 working days.
const HORIZON_SECONDS: i64 = 14 * 86_400;
const BATCH: u64 = 500;

impl CasesApp {
    /// One supervision pass over every jurisdiction; returns how many warnings were raised.
    pub async fn supervise_sla(&self) -> Result<usize> {
        self.supervise_sla_in_pages(BATCH).await
    }

    /// [`Self::supervise_sla`] reading the candidates `page` at a time. Every open case with a
    /// clock inside the horizon is checked on every pass, however many there are: the order
    /// (the queue's, by resolution due date) only decides which warnings go out first.
    pub async fn supervise_sla_in_pages(&self, page: u64) -> Result<usize> {
        let page = page.max(1);
        let mut raised = 0;
        for j in self.platform.jurisdictions().await? {
            let now = self.now();
            let snapshot = self.platform.snapshot_of(&j).await?;
            let mut after: Option<(i64, String)> = None;
            loop {
                let candidates = case_work::sla_candidates(
                    &self.db,
                    &j.id,
                    now + HORIZON_SECONDS,
                    after.as_ref(),
                    page,
                )
                .await?;
                let last_page = (candidates.len() as u64) < page;
                after = candidates
                    .last()
                    .map(|c| (c.queue_due(), c.case_number.clone()));
                for candidate in candidates {
                    raised += self.supervise_case(&j, &snapshot, candidate, now).await?;
                }
                if last_page || after.is_none() {
                    break;
                }
            }
        }
        Ok(raised)
    }

    /// Checks one candidate; returns 1 when it raised a warning.
    async fn supervise_case(
        &self,
        j: &Jurisdiction,
        snapshot: &CatalogSnapshot,
        candidate: WorkView,
        now: i64,
    ) -> Result<usize> {
        // Most candidates have not changed state since the last pass. Checking them
        // without a transaction keeps the pass off the write lock (SQLite's is the
        // whole database) and leaves their `updated_at` alone: Open311 clients poll
        // by it, and a case nobody touched must not look updated every minute.
        let urgency = Urgency::parse(&candidate.urgency).unwrap_or(Urgency::P4);
        let events = crate::store::events::of_case(&self.db, &candidate.id).await?;
        let clocks = clocks_from_events(snapshot, &candidate.category_code, urgency, &events, now);
        if candidate.sla_state.as_deref() == Some(clocks.label) {
            return Ok(0);
        }
        let number = candidate.case_number;
        let mut tx = self.db.begin().await?;
        let Some(work) = case_work::find_for_update(&mut tx, &j.id, &number).await? else {
            return Ok(0);
        };
        let before = work.sla_state.clone().unwrap_or_default();
        let state = self.refresh_sla(&mut tx, j, &work.id).await?;
        let after = sla_label(&state);
        let warn = match (before.as_str(), after) {
            (b, "breached") if b != "breached" => Some(CaseEventKind::SlaBreached),
            (b, "at_risk") if b != "at_risk" && b != "breached" => Some(CaseEventKind::SlaAtRisk),
            _ => None,
        };
        if let Some(kind) = warn {
            let data = serde_json::json!({
                "acknowledgement_due": state.acknowledgement.due,
                "first_response_due": state.first_response.due,
                "resolution_due": state.resolution.due,
            });
            let event_id = record_event(
                &mut tx,
                j,
                &work,
                kind,
                &ActorRef::system("sla").to_string(),
                false,
                None,
                data,
                now,
            )
            .await?;
            if let Some(after) = case_work::find_for_update(&mut tx, &j.id, &number).await? {
                self.case_changed(
                    &mut tx,
                    &[CaseChange::new(j, &after, kind, &event_id, false)],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(usize::from(warn.is_some()))
    }
}

impl CasesApp {
    /// Listener (`casework::events`): an SLA warning is sent to every supervisor of the
    /// jurisdiction, urgent when a clock ran out.
    pub(crate) async fn tell_supervisors(
        &self,
        tx: &mut Tx,
        change: &CaseChange<'_>,
    ) -> Result<()> {
        let urgent = match change.kind {
            CaseEventKind::SlaBreached => true,
            CaseEventKind::SlaAtRisk => false,
            CaseEventKind::Filed
            | CaseEventKind::Action(_)
            | CaseEventKind::WorkerAssigned
            | CaseEventKind::Note
            | CaseEventKind::Photo
            | CaseEventKind::ClientComment
            | CaseEventKind::Merged
            | CaseEventKind::CallerAdded
            | CaseEventKind::DeadlineExtended => return Ok(()),
        };
        let (j, work) = (change.jurisdiction, change.case);
        let supervisors = self
            .identity
            .staff_with_role_within(tx, &j.id, "supervisor")
            .await?;
        if supervisors.is_empty() {
            return Ok(());
        }
        let base = self.config().public_base().to_string();
        let mut vars = serde_json::json!({
            "case_number": work.case_number,
            "category": work.category_code,
            "track_url": format!("{base}/staff/cases/{}", work.case_number),
        });
        if let Some(d) = &work.department_code {
            vars["department"] = serde_json::json!(d);
        }
        if let Some(due) = work.resolution_due_at {
            vars["due_date"] = serde_json::json!(domain::datetime::format_local_minute(
                due,
                j.utc_offset_minutes
            ));
        }
        for supervisor in supervisors {
            notify::enqueue(
                tx,
                &Notification {
                    jurisdiction_id: j.id.clone(),
                    recipient: Recipient::Account(supervisor),
                    template: change.kind.as_str().into(),
                    locale: Locale::ZhTw,
                    vars: vars.clone(),
                    urgent,
                },
                self.now(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Runs supervision passes every `interval` until `shutdown` turns true.
pub async fn run_supervisor(
    services: CasesApp,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        let started = std::time::Instant::now();
        match services.supervise_sla().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(warnings = n, "SLA supervision raised warnings"),
            Err(e) => tracing::warn!(error = %e, "SLA supervision pass failed"),
        }
        let took = started.elapsed();
        tracing::debug!(ms = took.as_millis() as u64, "SLA supervision pass");
        if took > interval {
            // Passes then run back to back: warnings go out late, and the pass's reads compete
            // with the requests. See bench/README.md ("SLA supervision under a large backlog").
            tracing::warn!(
                ms = took.as_millis() as u64,
                interval_ms = interval.as_millis() as u64,
                "an SLA supervision pass took longer than its interval"
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
