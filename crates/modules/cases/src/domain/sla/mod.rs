//! SLA clocks on a business calendar, derived from a case's event timeline.
//!
//! Three clocks run per case:
//! - **acknowledgement** (簽收): from assignment to a department until it acknowledges. A
//!   reassignment (改分) starts a new clock for the new department with the policy's
//!   `reassignment_acknowledgement` budget (default: the next working day, as Taipei requires a
//!   case outside an agency's remit to be passed on "within the next working day").
//! - **first response**: from receipt until the first public update or arrival on site.
//! - **resolution**: from receipt until resolved. A reopen restarts it from the reopen instant
//!   with the full budget. Its due instant is the one shown to the citizen.
//!
//! Nothing is counted or stored between calls: [`evaluate`] replays the timeline every time,
//! so the answer depends only on the policy, the calendar, the timeline and `now`.
//!
//! ## Rules
//! - A policy's clocks count on one calendar ([`ClockCalendar`]): office time on working
//!   days, paused by declared closures (`business`); the same, counting through closures
//!   (`business_through_closures`, P2 by default); or every second (`24x7`, P1 by default),
//!   where a "working day" is 24 hours and a "working hour" an hour. Everything below holds on
//!   each; "office time" means the time the policy's calendar counts.
//! - A budget in working days is due at the end of office hours on the n-th working day after
//!   the local date the clock started ("counted from the next working day", see
//!   [`BusinessCalendar::add_working_days`]); one in working hours is due once that much office
//!   time has passed ([`BusinessCalendar::add_working_hours`]).
//! - While a case waits for the citizen (補正中, `Paused` … `Resumed`), running clocks are
//!   paused: the due instant moves later by exactly the office time spent paused. A pause that
//!   begins after a clock's due instant does not pause it (a breach cannot be undone).
//! - A clock stopped at `s` is met if `s <= due`, else breached; a running clock is breached as
//!   soon as `now > due`.
//! - `Resolved` stops every running clock (a resolution is also a public update and ends any
//!   wait for acknowledgement); `Closed` stops them too. `Reopened` restarts the resolution
//!   clock and, since the case goes back to the department as `assigned`, the acknowledgement
//!   clock; the first response stays as it was. All three end a pause.
//! - Entries later than `now` are ignored; entries are taken in time order (ties keep their
//!   order in the slice).

use domain::calendar::{BusinessCalendar, ClockTime};
use domain::category::Urgency;
use domain::enums::string_enum;
use domain::error::Message;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest budget a policy may set, in working days.
pub const MAX_WORKING_DAYS: u32 = 366;
/// Longest budget a policy may set, in working hours.
pub const MAX_WORKING_HOURS: u32 = 2_000;
/// A running clock is at risk when less than this share of its budget remains.
pub const DEFAULT_AT_RISK_PERCENT: u8 = 25;

/// A clock's budget on the business calendar. Serialised as `{"working_days": 6}` or
/// `{"working_hours": 4}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duration {
    WorkingDays(u32),
    WorkingHours(u32),
}

impl Duration {
    /// The due instant of a clock started at `start`, without pauses. On a continuous (24×7)
    /// clock a "working" day is 24 hours and a "working" hour an hour.
    pub fn due_from(self, time: ClockTime<'_>, start: i64) -> i64 {
        match self {
            Duration::WorkingDays(n) => time.add_days(start, n),
            Duration::WorkingHours(h) => time.add_hours(start, h),
        }
    }

    fn check(self, clock: &'static str, errors: &mut Vec<SlaError>) {
        let (amount, max) = match self {
            Duration::WorkingDays(n) => (n, MAX_WORKING_DAYS),
            Duration::WorkingHours(h) => (h, MAX_WORKING_HOURS),
        };
        if amount == 0 {
            errors.push(SlaError::DurationZero { clock });
        } else if amount > max {
            errors.push(SlaError::DurationTooLong { clock });
        }
    }
}

string_enum! {
    /// The calendar a policy's clocks count on. The i18n id is `sla-calendar-<text>`.
    /// - `business`: office time on working days; a declared closure (停止上班, a typhoon
    ///   day) pauses the clock.
    /// - `24x7`: every hour of every day; nothing pauses it (P1 by default: a gas leak or a
    ///   fallen tree does not wait for the office to open).
    /// - `business_through_closures`: office time on working days, but a declared closure
    ///   does not pause it (P2 by default: the emergency services work on typhoon days).
    ClockCalendar {
        Business = "business",
        Continuous = "24x7",
        BusinessThroughClosures = "business_through_closures",
    }
}

impl ClockCalendar {
    /// The calendar of an urgency's built-in policy.
    pub fn for_urgency(urgency: Urgency) -> Self {
        match urgency {
            Urgency::P1 => ClockCalendar::Continuous,
            Urgency::P2 => ClockCalendar::BusinessThroughClosures,
            Urgency::P3 | Urgency::P4 => ClockCalendar::Business,
        }
    }

    /// The time this calendar's clocks count on the jurisdiction's business calendar.
    pub fn time(self, calendar: &BusinessCalendar) -> ClockTime<'_> {
        match self {
            ClockCalendar::Business => ClockTime::Office(calendar),
            ClockCalendar::BusinessThroughClosures => ClockTime::OfficeThroughClosures(calendar),
            ClockCalendar::Continuous => ClockTime::Continuous,
        }
    }
}

/// The SLA of a category: one budget per clock, the calendar they count on, and when to warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub acknowledgement: Duration,
    /// The acknowledgement budget of the new department after a reassignment (改分).
    pub reassignment_acknowledgement: Duration,
    pub first_response: Duration,
    pub resolution: Duration,
    /// A running clock is at risk when less than this percentage of its budget remains.
    #[serde(default = "default_at_risk_percent")]
    pub at_risk_percent: u8,
    /// The calendar the clocks count on. A policy stored before calendars could be chosen has
    /// none: it counts on its urgency's ([`SlaPolicy::with_calendar_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<ClockCalendar>,
}

fn default_at_risk_percent() -> u8 {
    DEFAULT_AT_RISK_PERCENT
}

impl SlaPolicy {
    /// The default policy of an urgency level (taiwan.md §1.6):
    ///
    /// | urgency | acknowledgement | after 改分 | first response | resolution | calendar |
    /// | --- | --- | --- | --- | --- | --- |
    /// | P1 緊急 | 1 hour | 1 hour | 2 hours | 1 day (24 h) | 24×7 |
    /// | P2 最速件 | 2 working hours | 1 working day | 4 working hours | 1 working day | business, through closures |
    /// | P3 速件 | 4 working hours | 1 working day | 1 working day | 3 working days | business |
    /// | P4 普通件 | 1 working day | 1 working day | 3 working days | 6 working days | business |
    ///
    /// Resolution follows the Taipei document speeds (最速件 1, 速件 3, 普通件 6 working days);
    /// P4's first response follows the Executive Yuan's "reply to simple cases within 3 working
    /// days"; a reassigned case is acknowledged by the next working day (Taipei), except P1,
    /// which cannot wait that long.
    pub fn for_urgency(urgency: Urgency) -> Self {
        use Duration::{WorkingDays as Days, WorkingHours as Hours};
        let (acknowledgement, reassignment_acknowledgement, first_response, resolution) =
            match urgency {
                Urgency::P1 => (Hours(1), Hours(1), Hours(2), Days(1)),
                Urgency::P2 => (Hours(2), Days(1), Hours(4), Days(1)),
                Urgency::P3 => (Hours(4), Days(1), Days(1), Days(3)),
                Urgency::P4 => (Days(1), Days(1), Days(3), Days(6)),
            };
        Self {
            acknowledgement,
            reassignment_acknowledgement,
            first_response,
            resolution,
            at_risk_percent: DEFAULT_AT_RISK_PERCENT,
            calendar: Some(ClockCalendar::for_urgency(urgency)),
        }
    }

    /// The policy with a calendar: its own, else the urgency's.
    pub fn with_calendar_of(mut self, urgency: Urgency) -> Self {
        self.calendar
            .get_or_insert(ClockCalendar::for_urgency(urgency));
        self
    }

    /// The calendar the clocks count on (business time when none was resolved).
    pub fn clock_calendar(&self) -> ClockCalendar {
        self.calendar.unwrap_or(ClockCalendar::Business)
    }

    /// Checks every budget and the warning threshold, reporting every problem.
    pub fn validate(&self) -> Result<(), Vec<SlaError>> {
        let mut errors = Vec::new();
        self.acknowledgement.check("acknowledgement", &mut errors);
        self.reassignment_acknowledgement
            .check("reassignment_acknowledgement", &mut errors);
        self.first_response.check("first_response", &mut errors);
        self.resolution.check("resolution", &mut errors);
        if self.at_risk_percent > 100 {
            errors.push(SlaError::AtRiskPercent {
                value: self.at_risk_percent,
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Why an SLA policy was refused. `clock` is one of `acknowledgement`,
/// `reassignment_acknowledgement`, `first_response`, `resolution`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlaError {
    #[error("the {clock} budget must be more than zero")]
    DurationZero { clock: &'static str },
    #[error(
        "the {clock} budget may be at most {MAX_WORKING_DAYS} working days or {MAX_WORKING_HOURS} working hours"
    )]
    DurationTooLong { clock: &'static str },
    #[error("the at-risk threshold {value}% must be between 0 and 100")]
    AtRiskPercent { value: u8 },
}

impl SlaError {
    /// The i18n message for this error.
    pub fn message(&self) -> Message {
        match self {
            Self::DurationZero { clock } => {
                Message::new("error-sla-duration-zero").arg("clock", *clock)
            }
            Self::DurationTooLong { clock } => Message::new("error-sla-duration-too-long")
                .arg("clock", *clock)
                .arg("days", MAX_WORKING_DAYS.to_string())
                .arg("hours", MAX_WORKING_HOURS.to_string()),
            Self::AtRiskPercent { value } => {
                Message::new("error-sla-at-risk-percent").arg("value", value.to_string())
            }
        }
    }
}

string_enum! {
    /// What happened to a case, as far as the SLA clocks care; the services layer maps case
    /// events to these. `received`: filed (受理); `assigned`: a department was given the case
    /// (待簽收); `reassigned`: passed to another department (改分); `acknowledged`: signed for
    /// (簽收); `first_response`: a public update or arrival on site; `paused` / `resumed`: the
    /// case entered / left needs_info (補正中); `resolved`; `reopened` by the citizen; `closed`;
    /// `extended`: the resolution clock got its budget once more (a request under the Personal
    /// Data Protection Act, extended once with a reason).
    TimelineKind {
        Received = "received",
        Assigned = "assigned",
        Reassigned = "reassigned",
        Acknowledged = "acknowledged",
        FirstResponse = "first_response",
        Paused = "paused",
        Resumed = "resumed",
        Resolved = "resolved",
        Reopened = "reopened",
        Closed = "closed",
        Extended = "extended",
    }
}

/// One timeline entry: an instant (unix seconds) and what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: i64,
    pub kind: TimelineKind,
}

impl TimelineEntry {
    pub fn new(at: i64, kind: TimelineKind) -> Self {
        Self { at, kind }
    }
}

string_enum! {
    /// The three clocks. The i18n id is `sla-clock-<text>`.
    Clock {
        Acknowledgement = "acknowledgement",
        FirstResponse = "first_response",
        Resolution = "resolution",
    }
}

string_enum! {
    /// Where a clock stands. The i18n id is `sla-status-<text>`.
    ClockStatus {
        NotStarted = "not_started",
        Running = "running",
        Paused = "paused",
        Met = "met",
        Breached = "breached",
    }
}

/// One clock at `now`. Durations are office time in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockState {
    pub status: ClockStatus,
    pub started_at: Option<i64>,
    /// The due instant, pauses included; `None` when the clock has not started.
    pub due: Option<i64>,
    pub stopped_at: Option<i64>,
    /// Office time from the start to the due instant before pauses.
    pub budget_seconds: i64,
    /// Office time spent so far (or until stopped), pauses excluded.
    pub used_seconds: i64,
    /// Office time left until the due instant; negative once overdue.
    pub remaining_seconds: i64,
    /// Office time spent paused.
    pub paused_seconds: i64,
    /// Running or paused, not breached, and less than the policy's share of the budget left.
    pub at_risk: bool,
    /// How many times the clock was started again (reassignments, reopens).
    pub restarts: u32,
    /// How many of the replaced clocks had been breached.
    pub earlier_breaches: u32,
}

impl ClockState {
    fn not_started() -> Self {
        Self {
            status: ClockStatus::NotStarted,
            started_at: None,
            due: None,
            stopped_at: None,
            budget_seconds: 0,
            used_seconds: 0,
            remaining_seconds: 0,
            paused_seconds: 0,
            at_risk: false,
            restarts: 0,
            earlier_breaches: 0,
        }
    }

    /// Whether the clock is still counting (running or paused), breached or not.
    pub fn is_open(&self) -> bool {
        self.started_at.is_some() && self.stopped_at.is_none()
    }
}

/// All clocks of a case at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaState {
    pub acknowledgement: ClockState,
    pub first_response: ClockState,
    pub resolution: ClockState,
    /// The resolution due instant shown to the citizen.
    pub citizen_due: Option<i64>,
    /// The calendar the due instants were counted on.
    pub calendar: ClockCalendar,
}

impl SlaState {
    pub fn clock(&self, clock: Clock) -> &ClockState {
        match clock {
            Clock::Acknowledgement => &self.acknowledgement,
            Clock::FirstResponse => &self.first_response,
            Clock::Resolution => &self.resolution,
        }
    }

    pub fn any_breached(&self) -> bool {
        Clock::ALL
            .iter()
            .any(|c| self.clock(*c).status == ClockStatus::Breached)
    }

    pub fn any_at_risk(&self) -> bool {
        Clock::ALL.iter().any(|c| self.clock(*c).at_risk)
    }

    /// The earliest due instant of a clock that is still counting and not yet breached: when
    /// a timer should look at the case again.
    pub fn next_deadline(&self) -> Option<i64> {
        Clock::ALL
            .iter()
            .map(|c| self.clock(*c))
            .filter(|c| matches!(c.status, ClockStatus::Running | ClockStatus::Paused))
            .filter_map(|c| c.due)
            .min()
    }
}

/// Evaluates the SLA clocks of a timeline at `now`. Pure and deterministic; see the module
/// documentation for the rules.
pub fn evaluate(
    policy: &SlaPolicy,
    calendar: &BusinessCalendar,
    timeline: &[TimelineEntry],
    now: i64,
) -> SlaState {
    let cal = policy.clock_calendar().time(calendar);
    let mut entries: Vec<TimelineEntry> =
        timeline.iter().copied().filter(|e| e.at <= now).collect();
    entries.sort_by_key(|e| e.at);

    let mut ack = Track::default();
    let mut first = Track::default();
    let mut resolution = Track::default();
    let mut paused_since: Option<i64> = None;

    for TimelineEntry { at: t, kind } in entries {
        match kind {
            TimelineKind::Received => {
                for (track, budget) in [
                    (&mut first, policy.first_response),
                    (&mut resolution, policy.resolution),
                ] {
                    if track.run.is_none() {
                        track.start(cal, t, budget, paused_since);
                    }
                }
            }
            TimelineKind::Assigned | TimelineKind::Reassigned => {
                let budget = if kind == TimelineKind::Assigned {
                    policy.acknowledgement
                } else {
                    policy.reassignment_acknowledgement
                };
                ack.start(cal, t, budget, paused_since);
            }
            TimelineKind::Acknowledged => ack.stop(cal, t),
            TimelineKind::FirstResponse => first.stop(cal, t),
            TimelineKind::Paused => {
                if paused_since.is_none() {
                    paused_since = Some(t);
                    for track in [&mut ack, &mut first, &mut resolution] {
                        track.pause(cal, t);
                    }
                }
            }
            TimelineKind::Resumed => {
                paused_since = None;
                for track in [&mut ack, &mut first, &mut resolution] {
                    track.resume(cal, t);
                }
            }
            TimelineKind::Resolved | TimelineKind::Closed => {
                paused_since = None;
                for track in [&mut ack, &mut first, &mut resolution] {
                    track.stop(cal, t);
                }
            }
            // Only a running clock not yet past its due is extended: an extension cannot
            // undo a breach.
            TimelineKind::Extended => {
                if let Some(run) = &mut resolution.run
                    && run.stopped.is_none()
                    && t <= run.due_at(cal, t)
                {
                    run.base_due = policy.resolution.due_from(cal, run.base_due);
                }
            }
            TimelineKind::Reopened => {
                paused_since = None;
                for track in [&mut ack, &mut first, &mut resolution] {
                    track.resume(cal, t);
                }
                resolution.start(cal, t, policy.resolution, None);
                ack.start(cal, t, policy.acknowledgement, None);
            }
        }
    }

    let percent = i64::from(policy.at_risk_percent.min(100));
    let resolution = resolution.state(cal, now, percent);
    SlaState {
        acknowledgement: ack.state(cal, now, percent),
        first_response: first.state(cal, now, percent),
        citizen_due: resolution.due,
        resolution,
        calendar: policy.clock_calendar(),
    }
}

/// One started clock.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: i64,
    /// Due instant without pauses.
    base_due: i64,
    /// Office time of finished pauses.
    paused: i64,
    pause_from: Option<i64>,
    stopped: Option<i64>,
}

impl Run {
    fn paused_until(&self, cal: ClockTime<'_>, t: i64) -> i64 {
        self.paused + self.pause_from.map_or(0, |p| cal.seconds_between(p, t))
    }

    fn due_at(&self, cal: ClockTime<'_>, t: i64) -> i64 {
        cal.add_seconds(self.base_due, self.paused_until(cal, t))
    }

    fn pause(&mut self, cal: ClockTime<'_>, t: i64) {
        if self.stopped.is_none() && self.pause_from.is_none() && t < self.due_at(cal, t) {
            self.pause_from = Some(t);
        }
    }

    fn resume(&mut self, cal: ClockTime<'_>, t: i64) {
        if let Some(p) = self.pause_from.take() {
            self.paused += cal.seconds_between(p, t);
        }
    }

    fn stop(&mut self, cal: ClockTime<'_>, t: i64) {
        if self.stopped.is_none() {
            self.resume(cal, t);
            self.stopped = Some(t);
        }
    }

    fn status_at(&self, cal: ClockTime<'_>, now: i64) -> (ClockStatus, i64) {
        let due = self.due_at(cal, now);
        let status = match self.stopped {
            Some(s) if s <= due => ClockStatus::Met,
            Some(_) => ClockStatus::Breached,
            None if now > due => ClockStatus::Breached,
            None if self.pause_from.is_some() => ClockStatus::Paused,
            None => ClockStatus::Running,
        };
        (status, due)
    }
}

#[derive(Debug, Default)]
struct Track {
    run: Option<Run>,
    restarts: u32,
    earlier_breaches: u32,
}

impl Track {
    fn start(&mut self, cal: ClockTime<'_>, t: i64, budget: Duration, paused: Option<i64>) {
        if let Some(old) = self.run.take() {
            self.restarts += 1;
            if old.status_at(cal, t).0 == ClockStatus::Breached {
                self.earlier_breaches += 1;
            }
        }
        let mut run = Run {
            start: t,
            base_due: budget.due_from(cal, t),
            paused: 0,
            pause_from: None,
            stopped: None,
        };
        if let Some(p) = paused {
            run.pause(cal, p.max(t));
        }
        self.run = Some(run);
    }

    fn stop(&mut self, cal: ClockTime<'_>, t: i64) {
        if let Some(run) = &mut self.run {
            run.stop(cal, t);
        }
    }

    fn pause(&mut self, cal: ClockTime<'_>, t: i64) {
        if let Some(run) = &mut self.run {
            run.pause(cal, t);
        }
    }

    fn resume(&mut self, cal: ClockTime<'_>, t: i64) {
        if let Some(run) = &mut self.run {
            run.resume(cal, t);
        }
    }

    fn state(&self, cal: ClockTime<'_>, now: i64, at_risk_percent: i64) -> ClockState {
        let Some(run) = self.run else {
            return ClockState::not_started();
        };
        let (status, due) = run.status_at(cal, now);
        let end = run.stopped.unwrap_or(now).max(run.start);
        let paused = run.paused_until(cal, now);
        let budget = cal.seconds_between(run.start, run.base_due);
        let used = (cal.seconds_between(run.start, end) - paused).max(0);
        let remaining = if end <= due {
            cal.seconds_between(end, due)
        } else {
            -cal.seconds_between(due, end)
        };
        let at_risk = matches!(status, ClockStatus::Running | ClockStatus::Paused)
            && remaining.saturating_mul(100) < budget.saturating_mul(at_risk_percent);
        ClockState {
            status,
            started_at: Some(run.start),
            due: Some(due),
            stopped_at: run.stopped,
            budget_seconds: budget,
            used_seconds: used,
            remaining_seconds: remaining,
            paused_seconds: paused,
            at_risk,
            restarts: self.restarts,
            earlier_breaches: self.earlier_breaches,
        }
    }
}

#[cfg(test)]
mod tests;
