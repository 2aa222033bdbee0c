//! The SLA clocks' tests: examples and properties (`super`).
use super::*;
use TimelineKind as K;
use domain::datetime;
use proptest::prelude::*;

/// A Taipei local time, `YYYY-MM-DD hh:mm`.
fn at(local: &str) -> i64 {
    datetime::parse(&format!("{}:00+08:00", local.replacen(' ', "T", 1))).unwrap()
}

fn cal() -> BusinessCalendar {
    BusinessCalendar::taiwan().unwrap()
}

fn timeline(entries: &[(&str, TimelineKind)]) -> Vec<TimelineEntry> {
    entries
        .iter()
        .map(|(t, k)| TimelineEntry::new(at(t), *k))
        .collect()
}

const H: i64 = 3600;

#[test]
fn an_ordinary_case_meets_every_clock() {
    let policy = SlaPolicy::for_urgency(Urgency::P4);
    let events = timeline(&[
        ("2026-03-02 10:00", K::Received),
        ("2026-03-02 10:30", K::Assigned),
        ("2026-03-02 11:00", K::Acknowledged),
        ("2026-03-04 15:00", K::FirstResponse),
        ("2026-03-09 16:00", K::Resolved),
        ("2026-03-10 09:00", K::Closed),
    ]);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-20 12:00"));
    assert_eq!(s.acknowledgement.status, ClockStatus::Met);
    assert_eq!(s.acknowledgement.due, Some(at("2026-03-03 17:30")));
    assert_eq!(s.first_response.status, ClockStatus::Met);
    assert_eq!(s.first_response.due, Some(at("2026-03-05 17:30")));
    let r = &s.resolution;
    assert_eq!(r.status, ClockStatus::Met);
    // 普通件: 6 working days counted from the next working day.
    assert_eq!(r.due, Some(at("2026-03-10 17:30")));
    assert_eq!(s.citizen_due, r.due);
    assert_eq!(r.stopped_at, Some(at("2026-03-09 16:00")));
    assert_eq!(r.budget_seconds, 7 * H + 30 * 60 + 6 * 9 * H);
    assert_eq!(r.used_seconds, 51 * H);
    assert_eq!(r.remaining_seconds, 10 * H + 30 * 60);
    assert!(!r.at_risk && !s.any_breached() && s.next_deadline().is_none());
}

#[test]
fn urgent_cases_turn_at_risk_then_breach() {
    let policy = SlaPolicy::for_urgency(Urgency::P2);
    let events = timeline(&[
        ("2026-03-02 10:00", K::Received),
        ("2026-03-02 10:30", K::Assigned),
    ]);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-02 11:00"));
    assert_eq!(s.acknowledgement.status, ClockStatus::Running);
    assert_eq!(s.acknowledgement.due, Some(at("2026-03-02 12:30")));
    assert_eq!(s.next_deadline(), Some(at("2026-03-02 12:30")));
    assert!(!s.acknowledgement.at_risk);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-02 12:10"));
    assert!(s.acknowledgement.at_risk, "{:?}", s.acknowledgement);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-03 16:00"));
    assert_eq!(s.acknowledgement.status, ClockStatus::Breached);
    assert!(!s.acknowledgement.at_risk);
    assert_eq!(s.acknowledgement.remaining_seconds, -(12 * H + 30 * 60));
    // 最速件: end of the next working day; 1.5 h of 16.5 h left is at risk.
    assert_eq!(s.resolution.due, Some(at("2026-03-03 17:30")));
    assert_eq!(s.resolution.status, ClockStatus::Running);
    assert!(s.resolution.at_risk);
    assert!(s.any_breached() && s.any_at_risk());
    let s = evaluate(&policy, &cal(), &events, at("2026-03-04 09:00"));
    assert_eq!(s.resolution.status, ClockStatus::Breached);
    assert_eq!(s.resolution.remaining_seconds, -30 * 60);
}

#[test]
fn needs_info_pauses_by_the_office_time_spent_waiting() {
    let policy = SlaPolicy::for_urgency(Urgency::P4);
    let waiting = timeline(&[
        ("2026-03-02 10:00", K::Received),
        ("2026-03-04 10:00", K::Paused),
    ]);
    let s = evaluate(&policy, &cal(), &waiting, at("2026-03-05 12:00"));
    assert_eq!(s.resolution.status, ClockStatus::Paused);
    assert_eq!(s.first_response.status, ClockStatus::Paused);
    // 11 office hours paused so far.
    assert_eq!(s.resolution.paused_seconds, 11 * H);
    assert_eq!(s.resolution.due, Some(at("2026-03-12 10:30")));
    let mut resumed = waiting.clone();
    resumed.push(TimelineEntry::new(at("2026-03-06 10:00"), K::Resumed));
    let s = evaluate(&policy, &cal(), &resumed, at("2026-03-09 12:00"));
    assert_eq!(s.resolution.status, ClockStatus::Running);
    assert_eq!(s.resolution.paused_seconds, 18 * H);
    assert_eq!(s.resolution.due, Some(at("2026-03-12 17:30")));
    assert_eq!(s.first_response.due, Some(at("2026-03-09 17:30")));
    // Used time leaves out the pause.
    assert_eq!(
        s.resolution.used_seconds,
        cal().working_seconds_between(at("2026-03-02 10:00"), at("2026-03-09 12:00")) - 18 * H
    );
}

#[test]
fn a_pause_after_the_due_instant_does_not_undo_a_breach() {
    let policy = SlaPolicy::for_urgency(Urgency::P2);
    let events = timeline(&[
        ("2026-03-02 10:00", K::Received),
        ("2026-03-04 09:00", K::Paused),
        ("2026-03-06 09:00", K::Resumed),
    ]);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-05 09:00"));
    assert_eq!(s.resolution.status, ClockStatus::Breached);
    assert_eq!(s.resolution.paused_seconds, 0);
    assert_eq!(s.resolution.due, Some(at("2026-03-03 17:30")));
}

#[test]
fn reassignment_starts_a_new_acknowledgement_clock() {
    let policy = SlaPolicy::for_urgency(Urgency::P4);
    let events = timeline(&[
        ("2026-03-02 09:00", K::Received),
        ("2026-03-02 10:00", K::Assigned),
        ("2026-03-03 15:00", K::Reassigned),
        ("2026-03-04 09:00", K::Acknowledged),
    ]);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-05 09:00"));
    let a = &s.acknowledgement;
    assert_eq!(a.status, ClockStatus::Met);
    // Reassign within the next working day (taiwan.md): Wednesday's close.
    assert_eq!(a.due, Some(at("2026-03-04 17:30")));
    assert_eq!(a.started_at, Some(at("2026-03-03 15:00")));
    assert_eq!((a.restarts, a.earlier_breaches), (1, 0));
    // Passed on only after the first department's deadline: one earlier breach.
    let late = timeline(&[
        ("2026-03-02 10:00", K::Assigned),
        ("2026-03-04 09:00", K::Reassigned),
    ]);
    let s = evaluate(&policy, &cal(), &late, at("2026-03-04 10:00"));
    assert_eq!(s.acknowledgement.status, ClockStatus::Running);
    assert_eq!(
        (
            s.acknowledgement.restarts,
            s.acknowledgement.earlier_breaches
        ),
        (1, 1)
    );
    assert_eq!(s.resolution.status, ClockStatus::NotStarted);
}

#[test]
fn reopening_restarts_resolution_with_the_full_budget() {
    let policy = SlaPolicy::for_urgency(Urgency::P4);
    let events = timeline(&[
        ("2026-03-02 09:00", K::Received),
        ("2026-03-02 10:00", K::Assigned),
        ("2026-03-02 11:00", K::Acknowledged),
        ("2026-03-05 12:00", K::Resolved),
        ("2026-03-06 09:00", K::Closed),
        ("2026-03-12 09:00", K::Reopened),
    ]);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-13 09:00"));
    assert_eq!(s.resolution.status, ClockStatus::Running);
    assert_eq!(s.resolution.due, Some(at("2026-03-20 17:30")));
    assert_eq!(s.citizen_due, Some(at("2026-03-20 17:30")));
    assert_eq!(s.resolution.restarts, 1);
    assert_eq!(s.acknowledgement.status, ClockStatus::Running);
    assert_eq!(s.acknowledgement.due, Some(at("2026-03-13 17:30")));
    // The first response was given by the resolution and stays met.
    assert_eq!(s.first_response.status, ClockStatus::Met);
    assert_eq!(s.first_response.stopped_at, Some(at("2026-03-05 12:00")));
}

#[test]
fn nothing_starts_without_events_and_the_future_is_ignored() {
    let policy = SlaPolicy::for_urgency(Urgency::P1);
    let s = evaluate(&policy, &cal(), &[], at("2026-03-02 09:00"));
    for c in Clock::ALL {
        assert_eq!(s.clock(*c).status, ClockStatus::NotStarted);
        assert_eq!(s.clock(*c).due, None);
    }
    assert_eq!(s.citizen_due, None);
    let events = timeline(&[
        ("2026-03-02 09:00", K::Received),
        ("2026-03-02 12:00", K::Resolved),
    ]);
    let s = evaluate(&policy, &cal(), &events, at("2026-03-02 10:00"));
    assert_eq!(s.resolution.status, ClockStatus::Running);
    // P1: first response within 2 hours, around the clock.
    assert_eq!(s.calendar, ClockCalendar::Continuous);
    assert_eq!(s.first_response.due, Some(at("2026-03-02 11:00")));
    assert!(s.first_response.is_open());
}

#[test]
fn policies_are_validated_and_serialised() {
    for u in Urgency::ALL {
        assert_eq!(SlaPolicy::for_urgency(*u).validate(), Ok(()));
    }
    let policy = SlaPolicy {
        acknowledgement: Duration::WorkingHours(0),
        reassignment_acknowledgement: Duration::WorkingDays(1),
        first_response: Duration::WorkingHours(MAX_WORKING_HOURS + 1),
        resolution: Duration::WorkingDays(6),
        at_risk_percent: 101,
        calendar: None,
    };
    let errors = policy.validate().unwrap_err();
    let ids: Vec<_> = errors.iter().map(|e| e.message().id).collect();
    assert_eq!(
        ids,
        [
            "error-sla-duration-zero",
            "error-sla-duration-too-long",
            "error-sla-at-risk-percent"
        ]
    );
    assert_eq!(
        errors[0].message().args,
        vec![("clock", "acknowledgement".into())]
    );
    let p4 = SlaPolicy::for_urgency(Urgency::P4);
    let json = serde_json::to_string(&p4).unwrap();
    assert!(
        json.contains(r#""resolution":{"working_days":6}"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<SlaPolicy>(&json).unwrap(), p4);
    let without_threshold = json.replace(r#","at_risk_percent":25"#, "");
    assert_eq!(
        serde_json::from_str::<SlaPolicy>(&without_threshold).unwrap(),
        p4
    );
    // A policy stored before calendars could be chosen counts on its urgency's.
    let p1 = SlaPolicy::for_urgency(Urgency::P1);
    let stored = serde_json::to_string(&SlaPolicy {
        calendar: None,
        ..p1
    })
    .unwrap();
    assert!(!stored.contains("calendar"), "{stored}");
    let read = serde_json::from_str::<SlaPolicy>(&stored).unwrap();
    assert_eq!(read.with_calendar_of(Urgency::P1), p1);
    assert_eq!(read.clock_calendar(), ClockCalendar::Business);
    assert!(json.contains(r#""calendar":"business""#), "{json}");
    assert_eq!(
        ClockCalendar::for_urgency(Urgency::P2),
        ClockCalendar::BusinessThroughClosures
    );
    for k in TimelineKind::ALL {
        assert_eq!(TimelineKind::parse(k.as_str()), Some(*k));
    }
}

#[test]
fn a_typhoon_day_pauses_business_clocks_only() {
    // Filed on Friday 2026-03-06 at 16:00; Monday 2026-03-09 is declared closed.
    let events = timeline(&[
        ("2026-03-06 16:00", K::Received),
        ("2026-03-06 16:00", K::Assigned),
    ]);
    let mut typhoon = cal();
    typhoon
        .close_day(
            time::macros::date!(2026 - 03 - 09),
            domain::locale::Localized::new("颱風停止上班", "Typhoon closure"),
        )
        .unwrap();
    let now = at("2026-03-06 17:00");
    let due = |u: Urgency, c: &BusinessCalendar| {
        let s = evaluate(&SlaPolicy::for_urgency(u), c, &events, now);
        (s.resolution.due, s.acknowledgement.due, s.calendar)
    };
    // P1, around the clock: one day is 24 hours, holidays, weekends and closures alike.
    assert_eq!(
        due(Urgency::P1, &typhoon),
        (
            Some(at("2026-03-07 16:00")),
            Some(at("2026-03-06 17:00")),
            ClockCalendar::Continuous
        )
    );
    assert_eq!(due(Urgency::P1, &typhoon), due(Urgency::P1, &cal()));
    // P2 keeps counting office time through the closure: the weekend still does not count.
    assert_eq!(
        due(Urgency::P2, &typhoon),
        (
            Some(at("2026-03-09 17:30")),
            // 2 working hours: 1.5 on Friday, 0.5 on Monday morning.
            Some(at("2026-03-09 09:00")),
            ClockCalendar::BusinessThroughClosures
        )
    );
    assert_eq!(due(Urgency::P2, &typhoon), due(Urgency::P2, &cal()));
    // P3 is paused by it: the closed Monday does not count.
    let (p3_open, ..) = due(Urgency::P3, &cal());
    let (p3_typhoon, _, calendar) = due(Urgency::P3, &typhoon);
    assert_eq!(calendar, ClockCalendar::Business);
    assert_eq!(p3_open, Some(at("2026-03-11 17:30")));
    assert_eq!(p3_typhoon, Some(at("2026-03-12 17:30")));
}

// ------------------------------------------------------------ properties

fn any_policy() -> impl Strategy<Value = SlaPolicy> {
    let duration = prop_oneof![
        (1u32..8).prop_map(Duration::WorkingDays),
        (1u32..30).prop_map(Duration::WorkingHours),
    ];
    let calendar = prop::option::of(prop::sample::select(ClockCalendar::ALL));
    (
        (duration.clone(), duration.clone()),
        (duration.clone(), duration),
        0u8..=100,
        calendar,
    )
        .prop_map(
            |(
                (acknowledgement, reassignment_acknowledgement),
                (first_response, resolution),
                p,
                calendar,
            )| SlaPolicy {
                acknowledgement,
                reassignment_acknowledgement,
                first_response,
                resolution,
                at_risk_percent: p,
                calendar,
            },
        )
}

fn any_kind(with_pauses: bool) -> impl Strategy<Value = TimelineKind> {
    let kinds: Vec<TimelineKind> = TimelineKind::ALL
        .iter()
        .copied()
        .filter(|k| with_pauses || !matches!(k, K::Paused | K::Resumed))
        .collect();
    prop::sample::select(kinds)
}

/// Received at a random instant, then events at increasing instants (gaps up to 3 days).
fn any_timeline(with_pauses: bool) -> impl Strategy<Value = Vec<TimelineEntry>> {
    (
        1_735_660_800i64..1_798_732_800i64,
        prop::collection::vec((0i64..3 * 86_400, any_kind(with_pauses)), 0..10),
    )
        .prop_map(|(start, steps)| {
            let mut t = start;
            let mut out = vec![TimelineEntry::new(t, K::Received)];
            for (gap, kind) in steps {
                t += gap;
                out.push(TimelineEntry::new(t, kind));
            }
            out
        })
}

fn dues(s: &SlaState) -> [Option<i64>; 3] {
    [
        s.acknowledgement.due,
        s.first_response.due,
        s.resolution.due,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn pausing_never_brings_a_due_date_forward(
        policy in any_policy(),
        events in any_timeline(false),
        from in 0i64..6 * 86_400,
        length in 0i64..4 * 86_400,
        later in 0i64..10 * 86_400,
    ) {
        let cal = cal();
        let start = events[0].at;
        let mut paused = events.clone();
        paused.push(TimelineEntry::new(start + from, K::Paused));
        paused.push(TimelineEntry::new(start + from + length, K::Resumed));
        let now = start + from + length + later;
        let before = evaluate(&policy, &cal, &events, now);
        let after = evaluate(&policy, &cal, &paused, now);
        for (b, a) in dues(&before).into_iter().zip(dues(&after)) {
            prop_assert_eq!(b.is_some(), a.is_some());
            prop_assert!(a >= b, "{:?} < {:?}", a, b);
        }
    }

    #[test]
    fn due_dates_do_not_drift(
        policy in any_policy(),
        events in any_timeline(true),
        later in 0i64..30 * 86_400,
    ) {
        let cal = cal();
        let last = events.iter().map(|e| e.at).max().unwrap_or_default();
        let ongoing_pause = events.iter().rev().find(|e| matches!(e.kind, K::Paused | K::Resumed | K::Resolved | K::Closed | K::Reopened))
            .is_some_and(|e| e.kind == K::Paused);
        let once = evaluate(&policy, &cal, &events, last);
        prop_assert_eq!(&once, &evaluate(&policy, &cal, &events, last));
        if !ongoing_pause {
            let after = evaluate(&policy, &cal, &events, last + later);
            prop_assert_eq!(dues(&once), dues(&after));
        }
    }

    #[test]
    fn a_closure_never_moves_a_clock_that_counts_through_it_and_never_brings_one_forward(
        policy in any_policy(),
        events in any_timeline(true),
        day in 0i64..10,
        later in 0i64..10 * 86_400,
    ) {
        let open = cal();
        let start = events[0].at;
        let mut closed = open.clone();
        let date = open.local_date(start + day * 86_400);
        if closed
            .close_day(date, domain::locale::Localized::new("颱風停止上班", "Typhoon closure"))
            .is_err()
        {
            return Ok(());
        }
        let now = events.iter().map(|e| e.at).max().unwrap_or_default() + later;
        let before = evaluate(&policy, &open, &events, now);
        let after = evaluate(&policy, &closed, &events, now);
        let paused = events.iter().any(|e| e.kind == K::Paused);
        match policy.clock_calendar() {
            // A pause is measured in office time, which a closure takes away: a case
            // waiting for the citizen through a closure gains nothing from that time. So
            // the claim holds for timelines without pauses.
            ClockCalendar::Business if paused => {}
            ClockCalendar::Business => {
                for (b, a) in dues(&before).into_iter().zip(dues(&after)) {
                    prop_assert!(a >= b, "{:?} < {:?}", a, b);
                }
            }
            ClockCalendar::Continuous | ClockCalendar::BusinessThroughClosures => {
                prop_assert_eq!(&before, &after);
            }
        }
    }

    #[test]
    fn without_pauses_the_due_date_is_the_calendar_sum(
        policy in any_policy(),
        events in any_timeline(false),
        later in 0i64..30 * 86_400,
    ) {
        let cal = cal();
        let time = policy.clock_calendar().time(&cal);
        let start = events[0].at;
        let now = events.iter().map(|e| e.at).max().unwrap_or_default() + later;
        let s = evaluate(&policy, &cal, &events, now);
        if !events.iter().any(|e| matches!(e.kind, K::Reopened | K::Extended)) {
            prop_assert_eq!(s.resolution.due, Some(policy.resolution.due_from(time, start)));
        }
        prop_assert_eq!(s.first_response.due, Some(policy.first_response.due_from(time, start)));
        if let Some(started) = s.acknowledgement.started_at {
            let budget = match events.iter().rev().find(|e| e.at == started && matches!(e.kind, K::Assigned | K::Reassigned | K::Reopened)) {
                Some(e) if e.kind == K::Reassigned => policy.reassignment_acknowledgement,
                _ => policy.acknowledgement,
            };
            prop_assert_eq!(s.acknowledgement.due, Some(budget.due_from(time, started)));
        }
    }

    #[test]
    fn breached_iff_late(
        policy in any_policy(),
        events in any_timeline(true),
        later in 0i64..30 * 86_400,
    ) {
        let cal = cal();
        let now = events.iter().map(|e| e.at).max().unwrap_or_default() + later;
        let s = evaluate(&policy, &cal, &events, now);
        for c in Clock::ALL {
            let c = s.clock(*c);
            let Some(due) = c.due else { continue };
            let stopped_in_time = c.stopped_at.is_some_and(|t| t <= due);
            prop_assert_eq!(
                c.status == ClockStatus::Breached,
                now > due && !stopped_in_time,
                "{:?}", c
            );
            prop_assert!(!(c.at_risk && c.status == ClockStatus::Breached));
            if matches!(c.status, ClockStatus::Running | ClockStatus::Paused | ClockStatus::Met) {
                prop_assert!(c.remaining_seconds >= 0);
            }
        }
    }
}
