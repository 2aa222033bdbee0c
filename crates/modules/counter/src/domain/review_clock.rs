//! The review clock: how long the counter has to decide an application, on the jurisdiction's
//! business calendar. It is the hotline's SLA engine ([`cases::domain::sla::evaluate`]) with
//! one clock, the resolution clock: started at submission, paused while the applicant corrects
//! (補正), stopped by a decision (approved, rejected) or a withdrawal. A service done on the spot
//! (當場) is given one working hour (an assumption: the seeds give no figure).

use super::application::State;
use cases::domain::sla::{
    self, ClockCalendar, ClockState, Duration, SlaPolicy, TimelineEntry, TimelineKind,
};
use domain::calendar::BusinessCalendar;

/// The budget of a service that takes `processing_days` working days (0: on the spot).
pub fn budget(processing_days: u32) -> Duration {
    if processing_days == 0 {
        Duration::WorkingHours(1)
    } else {
        Duration::WorkingDays(processing_days)
    }
}

fn policy(processing_days: u32) -> SlaPolicy {
    let b = budget(processing_days);
    SlaPolicy {
        acknowledgement: b,
        reassignment_acknowledgement: b,
        first_response: b,
        resolution: b,
        at_risk_percent: sla::DEFAULT_AT_RISK_PERCENT,
        calendar: Some(ClockCalendar::Business),
    }
}

/// What an application's state change means to the clock: the state it entered, at when.
pub fn timeline_kind(to: State, from: State) -> Option<TimelineKind> {
    match to {
        State::Submitted => Some(TimelineKind::Received),
        State::NeedsCorrection => Some(TimelineKind::Paused),
        State::UnderReview if from == State::NeedsCorrection => Some(TimelineKind::Resumed),
        State::Approved | State::Rejected => Some(TimelineKind::Resolved),
        // A draft withdrawn was never under review.
        State::Withdrawn if from != State::Draft => Some(TimelineKind::Resolved),
        _ => None,
    }
}

/// The review clock at `now` from the application's changes `(at, from, to)`, oldest first.
pub fn evaluate(
    processing_days: u32,
    calendar: &BusinessCalendar,
    changes: &[(i64, State, State)],
    now: i64,
) -> ClockState {
    let timeline: Vec<TimelineEntry> = changes
        .iter()
        .filter_map(|(at, from, to)| timeline_kind(*to, *from).map(|k| TimelineEntry::new(*at, k)))
        .collect();
    sla::evaluate(&policy(processing_days), calendar, &timeline, now).resolution
}

/// The due instant of a review started at `submitted_at` without pauses (what the queue
/// orders by until a pause moves it; the app stores the moved one).
pub fn due_from(processing_days: u32, calendar: &BusinessCalendar, submitted_at: i64) -> i64 {
    budget(processing_days).due_from(ClockCalendar::Business.time(calendar), submitted_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cases::domain::sla::ClockStatus;

    fn cal() -> BusinessCalendar {
        BusinessCalendar::taiwan().expect("calendar")
    }

    // Monday 2026-12-07 10:00 in Taipei.
    const MON_10: i64 = 1_796_608_800;

    #[test]
    fn three_working_days_end_on_thursday_evening() {
        let c = cal();
        let due = due_from(3, &c, MON_10);
        let state = evaluate(
            3,
            &c,
            &[(MON_10, State::Draft, State::Submitted)],
            MON_10 + 3_600,
        );
        assert_eq!(state.status, ClockStatus::Running);
        assert_eq!(state.due, Some(due));
        assert!(due > MON_10 + 3 * 86_400 && due < MON_10 + 4 * 86_400);
    }

    #[test]
    fn a_correction_pauses_the_clock_by_its_office_time() {
        let c = cal();
        let plain = evaluate(
            3,
            &c,
            &[(MON_10, State::Draft, State::Submitted)],
            MON_10 + 7_200,
        );
        let paused = evaluate(
            3,
            &c,
            &[
                (MON_10, State::Draft, State::Submitted),
                (MON_10 + 600, State::UnderReview, State::NeedsCorrection),
                (
                    MON_10 + 600 + 3_600,
                    State::NeedsCorrection,
                    State::UnderReview,
                ),
            ],
            MON_10 + 7_200,
        );
        let (plain, paused_due) = (plain.due.expect("due"), paused.due.expect("due"));
        // One office hour later: past the evening, into the next working morning.
        assert_eq!(c.working_seconds_between(plain, paused_due), 3_600);
        let stopped = evaluate(
            3,
            &c,
            &[
                (MON_10, State::Draft, State::Submitted),
                (MON_10 + 60, State::UnderReview, State::Approved),
            ],
            MON_10 + 7_200,
        );
        assert_eq!(stopped.status, ClockStatus::Met);
    }
}
