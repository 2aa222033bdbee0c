//! How long the hotline keeps personal data (PDPA art. 11), and the pass that lets go of what
//! has outlived it. Closed cases keep their statistics (category, place, dates, status, the
//! event log) and lose their people: the reporters' names, numbers, addresses and accounts,
//! and the description is put through the one redaction function. A call's record keeps its
//! date, service type and category and loses its number and summary; an out-call, its number
//! and note. The pass runs every hour on each node ([`run_retention`]); every update only
//! touches what still holds personal data, so a second node or a second pass changes nothing.

use crate::{CasesApp, Result};
use platform::authz::Actor;
use platform::personal_data::Retention;
use std::time::Duration;
use tokio::sync::watch;

const DAY: i64 = 86_400;

/// The reporters of a case, counted from its closing (5 years: the Archives Act's shortest
/// period for case files, as an assumption a city replaces with its own schedule).
pub const REPORTERS: Retention = Retention {
    key: "cases.reporters",
    data: &["real-name", "contact", "address"],
    default_days: 1826,
    what: "retention-from-cases-reporters",
};

/// What agents wrote down about a call, counted from the call (2 years).
pub const CALLS: Retention = Retention {
    key: "cases.calls",
    data: &["contact", "case-history"],
    default_days: 731,
    what: "retention-from-cases-calls",
};

/// The number and note of a call the hotline made, counted from when it was made (2 years).
pub const OUTCALLS: Retention = Retention {
    key: "cases.outcalls",
    data: &["contact"],
    default_days: 731,
    what: "retention-from-cases-outcalls",
};

/// The hotline's retention rules, as its definition declares them.
pub const RULES: &[Retention] = &[REPORTERS, CALLS, OUTCALLS];

/// What one pass let go of, in one jurisdiction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Released {
    /// Closed cases whose reporters were anonymised.
    pub cases: u64,
    pub calls: u64,
    pub outcalls: u64,
}

/// Cases anonymised in one transaction.
const BATCH: usize = 200;

impl CasesApp {
    /// Lets go of the personal data every jurisdiction has kept past its period, and audits
    /// what it did. Returns the totals.
    pub async fn apply_retention(&self) -> Result<Released> {
        let now = self.now();
        let mut total = Released::default();
        for j in self.platform.jurisdictions().await? {
            let cutoff =
                |rule: &Retention| now - i64::from(self.platform.retention_days(rule)) * DAY;
            let mut released = Released::default();
            loop {
                let mut tx = self.db.begin().await?;
                let cases = crate::store::retention::closed_with_people(
                    &mut tx,
                    &j.id,
                    cutoff(&REPORTERS),
                    BATCH,
                )
                .await?;
                if cases.is_empty() {
                    break;
                }
                for (id, description) in &cases {
                    crate::store::retention::forget_people(
                        &mut tx,
                        id,
                        &text::redact_personal_data(description),
                    )
                    .await?;
                }
                tx.commit().await?;
                released.cases += cases.len() as u64;
                if cases.len() < BATCH {
                    break;
                }
            }
            let mut tx = self.db.begin().await?;
            released.calls =
                crate::store::retention::forget_calls(&mut tx, &j.id, cutoff(&CALLS)).await?;
            released.outcalls =
                crate::store::retention::forget_outcalls(&mut tx, &j.id, cutoff(&OUTCALLS)).await?;
            if released != Released::default() {
                crate::audit::record(
                    &mut tx,
                    &Actor::system(&j.id, "retention"),
                    "retention.applied",
                    crate::audit::Subject {
                        kind: "retention",
                        id: "cases",
                        data_subject: None,
                    },
                    None,
                    serde_json::json!({
                        "cases": released.cases,
                        "calls": released.calls,
                        "outcalls": released.outcalls,
                    }),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            total.cases += released.cases;
            total.calls += released.calls;
            total.outcalls += released.outcalls;
        }
        Ok(total)
    }
}

/// Runs the retention pass every `interval` until `shutdown` turns true.
pub async fn run_retention(
    cases: CasesApp,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        match cases.apply_retention().await {
            Ok(r) if r == Released::default() => {}
            Ok(r) => tracing::info!(
                cases = r.cases,
                calls = r.calls,
                outcalls = r.outcalls,
                "retention let go of personal data past its period"
            ),
            Err(e) => tracing::warn!(error = %e, "retention pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
