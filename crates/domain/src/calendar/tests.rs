use super::*;
use crate::datetime;
use proptest::prelude::*;
use time::Weekday;

/// A Taipei local time, `YYYY-MM-DD hh:mm`.
fn at(local: &str) -> i64 {
    datetime::parse(&format!("{}:00+08:00", local.replacen(' ', "T", 1))).unwrap()
}

fn date(text: &str) -> Date {
    parse_date(text).unwrap()
}

fn taiwan() -> BusinessCalendar {
    BusinessCalendar::taiwan().unwrap()
}

fn typhoon() -> Localized {
    Localized::new("颱風停止上班", "Typhoon closure")
}

#[test]
fn taiwan_data_loads_and_is_consistent() {
    let cal = taiwan();
    let entries: Vec<_> = cal.entries().collect();
    assert!(entries.len() > 60, "{}", entries.len());
    for year in 2025..=2027 {
        assert!(cal.has_entries_for(year));
    }
    assert!(!cal.has_entries_for(2028));
    for e in &entries {
        assert!(!e.name.en.is_empty(), "{:?}", e.date);
        let weekend = matches!(e.date.weekday(), Weekday::Saturday | Weekday::Sunday);
        // Observed and bridge days are weekdays; the day they stand in for is a weekend
        // (or, for Children's Day, a holiday).
        if e.kind == EntryKind::Holiday
            && (e.name.zh.contains("補假") || e.name.zh.contains("調整放假"))
        {
            assert!(!weekend, "{} {}", format_date(e.date), e.name.zh);
        }
        if e.kind == EntryKind::MakeupWorkday {
            assert!(weekend);
        }
    }
    // The 2025 amendment's new holidays.
    for d in [
        "2025-09-29",
        "2025-10-24",
        "2025-12-25",
        "2026-05-01",
        "2026-09-28",
    ] {
        assert_eq!(cal.day_kind(date(d)), DayKind::Holiday, "{d}");
    }
    // 2025: a make-up Saturday for the 27 January bridge day.
    assert_eq!(cal.day_kind(date("2025-02-08")), DayKind::MakeupWorkday);
    assert!(cal.is_working_day(date("2025-02-08")));
    assert!(!cal.is_working_day(date("2025-01-27")));
    // 2026 Lunar New Year: nine days off, 2/14–2/22.
    let mut d = date("2026-02-14");
    while d <= date("2026-02-22") {
        assert!(!cal.is_working_day(d), "{}", format_date(d));
        d = d.next_day().unwrap();
    }
    assert!(cal.is_working_day(date("2026-02-13")));
    assert!(cal.is_working_day(date("2026-02-23")));
    assert_eq!(cal.day_kind(date("2026-03-07")), DayKind::Weekend);
    assert_eq!(cal.day_kind(date("2026-03-09")), DayKind::Workday);
}

/// taiwan.md §1.6: Taipei ordinary letters get 6 working days "counted from the next working
/// day (holidays excluded)"; 最速件 1, 速件 3, 普通件 6.
#[test]
fn working_days_are_counted_from_the_next_working_day() {
    let cal = taiwan();
    // Received Monday 2026-03-02 (any time): day 1 is Tuesday, day 6 the next Tuesday.
    for received in ["2026-03-02 00:00", "2026-03-02 10:00", "2026-03-02 23:59"] {
        assert_eq!(
            cal.add_working_days(at(received), 6),
            at("2026-03-10 17:30"),
            "{received}"
        );
    }
    // 最速件: received Friday evening or at the weekend → end of Monday.
    for received in [
        "2026-03-06 09:00",
        "2026-03-06 22:00",
        "2026-03-07 11:00",
        "2026-03-08 23:00",
    ] {
        assert_eq!(
            cal.add_working_days(at(received), 1),
            at("2026-03-09 17:30"),
            "{received}"
        );
    }
    // 速件 across Lunar New Year 2026: Fri 2/13 is day 1, then 2/23 and 2/24.
    assert_eq!(
        cal.add_working_days(at("2026-02-12 16:00"), 3),
        at("2026-02-24 17:30")
    );
    // 普通件 across Peace Memorial Day 2026 (observed Fri 2/27).
    assert_eq!(
        cal.add_working_days(at("2026-02-24 09:00"), 6),
        at("2026-03-05 17:30")
    );
    // The make-up Saturday 2025-02-08 is a working day.
    assert_eq!(
        cal.add_working_days(at("2025-02-07 10:00"), 1),
        at("2025-02-08 17:30")
    );
    // Teacher's Day 2025 is observed on Monday 9/29.
    assert_eq!(
        cal.add_working_days(at("2025-09-26 10:00"), 1),
        at("2025-09-30 17:30")
    );
    // A local date is the Taipei date: 2026-03-02T16:30Z is already Tuesday 00:30 in Taipei.
    assert_eq!(
        cal.add_working_days(datetime::parse("2026-03-02T16:30:00Z").unwrap(), 1),
        at("2026-03-04 17:30")
    );
    assert_eq!(
        cal.add_working_days(at("2026-03-02 10:00"), 0),
        at("2026-03-02 10:00")
    );
    assert_eq!(cal.next_working_day(date("2026-02-13")), date("2026-02-23"));
    assert_eq!(
        cal.working_days_between(at("2026-03-02 10:00"), at("2026-03-10 17:30")),
        6
    );
    assert_eq!(
        cal.working_days_between(at("2026-03-02 10:00"), at("2026-03-10 17:29")),
        5
    );
}

#[test]
fn working_hours_count_office_time_only() {
    let cal = taiwan();
    // Friday 16:30 + 2 h → 1 h on Friday, 1 h on Monday.
    assert_eq!(
        cal.add_working_hours(at("2026-03-06 16:30"), 2),
        at("2026-03-09 09:30")
    );
    // Before opening, the clock starts at 08:30; a full day is 9 hours.
    assert_eq!(
        cal.add_working_hours(at("2026-03-09 06:00"), 9),
        at("2026-03-09 17:30")
    );
    // Ending exactly at closing time stays on that day.
    assert_eq!(
        cal.add_working_hours(at("2026-03-06 16:30"), 1),
        at("2026-03-06 17:30")
    );
    assert_eq!(
        cal.working_seconds_between(at("2026-03-06 16:00"), at("2026-03-09 09:00")),
        2 * 3600
    );
    assert_eq!(
        cal.working_seconds_between(at("2026-02-13 17:00"), at("2026-02-23 08:40")),
        40 * 60
    );
    assert_eq!(
        cal.working_seconds_between(at("2026-03-09 12:00"), at("2026-03-09 11:00")),
        0
    );
}

#[test]
fn closures_remove_time_and_days() {
    let mut cal = taiwan();
    // Typhoon: Tuesday 2026-07-14 closed all day, Thursday 2026-07-16 from 12:00.
    cal.close_day(date("2026-07-14"), typhoon()).unwrap();
    cal.close_rest_of_day(at("2026-07-16 12:00"), typhoon())
        .unwrap();
    assert_eq!(cal.day_kind(date("2026-07-14")), DayKind::Closed);
    assert_eq!(cal.day_kind(date("2026-07-16")), DayKind::PartlyClosed);
    assert!(!cal.is_working_day(date("2026-07-14")));
    assert!(!cal.is_working_day(date("2026-07-16")));
    // Received Monday: day 1 would be Tuesday (closed) → Wednesday.
    assert_eq!(
        cal.add_working_days(at("2026-07-13 10:00"), 1),
        at("2026-07-15 17:30")
    );
    // Day 2 would be Thursday, cut short at noon → Friday.
    assert_eq!(
        cal.add_working_days(at("2026-07-13 10:00"), 2),
        at("2026-07-17 17:30")
    );
    // Working hours still use Thursday morning: 10:00–12:00, then Friday.
    assert_eq!(
        cal.add_working_hours(at("2026-07-16 10:00"), 3),
        at("2026-07-17 09:30")
    );
    assert_eq!(
        cal.working_seconds_between(at("2026-07-13 17:00"), at("2026-07-15 09:00")),
        3600
    );
    // Withdrawing the closure restores the day.
    let day = cal.start_of(date("2026-07-14"));
    assert!(cal.remove_closure(day, day + DAY));
    assert!(cal.is_working_day(date("2026-07-14")));
    // A closure outside office hours changes nothing.
    cal.add_closure(Closure {
        start: at("2026-07-20 18:00"),
        end: at("2026-07-20 23:00"),
        reason: typhoon(),
    })
    .unwrap();
    assert_eq!(cal.day_kind(date("2026-07-20")), DayKind::Workday);
    // Overlapping closures are allowed and merge.
    cal.add_closure(Closure {
        start: at("2026-07-21 08:00"),
        end: at("2026-07-21 12:00"),
        reason: typhoon(),
    })
    .unwrap();
    cal.add_closure(Closure {
        start: at("2026-07-21 11:00"),
        end: at("2026-07-21 13:00"),
        reason: typhoon(),
    })
    .unwrap();
    assert_eq!(
        cal.working_seconds_between(at("2026-07-21 00:00"), at("2026-07-22 00:00")),
        (4 * 60 + 30) * 60
    );
}

#[test]
fn office_hours_are_configurable() {
    let mut cal = BusinessCalendar::new(480, OfficeHours::new(9 * 60, 18 * 60).unwrap()).unwrap();
    cal.add_entry(
        CalendarEntry::parse("2026-03-09", "holiday", Localized::new("假", "Off")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        cal.add_working_days(at("2026-03-06 10:00"), 1),
        at("2026-03-10 18:00")
    );
    assert_eq!(
        cal.add_working_hours(at("2026-03-06 17:00"), 2),
        at("2026-03-10 10:00")
    );
    assert_eq!(cal.office_hours().seconds(), 9 * 3600);
    assert_eq!(
        cal.remove_entry(date("2026-03-09")).map(|e| e.kind),
        Some(EntryKind::Holiday)
    );
    // A 24-hour office.
    let full = BusinessCalendar::new(0, OfficeHours::new(0, 24 * 60).unwrap()).unwrap();
    assert_eq!(full.add_working_days(0, 1), DAY * 2);
    assert_eq!(full.working_days_between(0, DAY * 2), 1);
}

#[test]
fn invalid_input_is_explained() {
    let mut cal = taiwan();
    let name = || Localized::new("假日", "Holiday");
    let err = cal
        .add_closure(Closure {
            start: at("2026-07-14 12:00"),
            end: at("2026-07-14 09:00"),
            reason: typhoon(),
        })
        .unwrap_err();
    assert_eq!(
        err,
        CalendarError::ClosureEndsBeforeStart {
            start: "2026-07-14 12:00".into(),
            end: "2026-07-14 09:00".into()
        }
    );
    assert_eq!(err.message().id, "error-calendar-closure-order");
    let err = cal
        .add_closure(Closure {
            start: at("2026-07-01 00:00"),
            end: at("2026-07-09 00:00"),
            reason: typhoon(),
        })
        .unwrap_err();
    assert_eq!(err.message().id, "error-calendar-closure-too-long");
    cal.close_day(date("2026-07-14"), typhoon()).unwrap();
    let err = cal.close_day(date("2026-07-14"), typhoon()).unwrap_err();
    assert_eq!(err.message().id, "error-calendar-closure-duplicate");
    let err = cal.close_day(date("2101-01-01"), typhoon()).unwrap_err();
    assert_eq!(
        err,
        CalendarError::DateOutOfRange {
            date: "2101-01-01".into(),
            first: 2000,
            last: 2100
        }
    );
    assert_eq!(err.message().id, "error-calendar-date-range");
    let dup = CalendarEntry::parse("2026-01-01", "holiday", name()).unwrap();
    let err = cal.add_entry(dup).unwrap_err();
    assert_eq!(
        err,
        CalendarError::DuplicateDate {
            date: "2026-01-01".into()
        }
    );
    assert_eq!(err.message().id, "error-calendar-duplicate-date");
    let weekday = CalendarEntry::parse("2026-03-04", "makeup_workday", name()).unwrap();
    assert_eq!(
        cal.add_entry(weekday).unwrap_err().message().id,
        "error-calendar-makeup-weekday"
    );
    let early = CalendarEntry::parse("1999-09-21", "holiday", name()).unwrap();
    assert_eq!(
        cal.add_entry(early).unwrap_err().message().id,
        "error-calendar-date-range"
    );
    let cases = [
        (
            "2026-02-30",
            "holiday",
            "假日",
            "error-calendar-date-invalid",
        ),
        (
            "2026-03-04",
            "vacation",
            "假日",
            "error-calendar-kind-unknown",
        ),
        ("2026-03-04", "holiday", " ", "error-calendar-name-required"),
    ];
    for (d, kind, zh, id) in cases {
        let err = CalendarEntry::parse(d, kind, Localized::new(zh, "")).unwrap_err();
        assert_eq!(err.message().id, id, "{d} {kind}");
    }
    assert_eq!(
        OfficeHours::new(17 * 60, 9 * 60).unwrap_err(),
        CalendarError::OfficeHours {
            opens: "17:00".into(),
            closes: "09:00".into()
        }
    );
    assert_eq!(
        BusinessCalendar::new(15 * 60, OfficeHours::DEFAULT)
            .unwrap_err()
            .message()
            .id,
        "error-calendar-utc-offset"
    );
}

#[test]
fn data_files_are_checked() {
    let ok = "[[day]]\ndate = \"2028-01-01\"\nkind = \"holiday\"\nname = { zh = \"元旦\", en = \"New Year\" }\n";
    let entries = parse_entries(ok).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].date, date("2028-01-01"));
    let twice = format!("{ok}{ok}");
    assert_eq!(
        parse_entries(&twice).unwrap_err().message().id,
        "error-calendar-duplicate-date"
    );
    let bad = ok.replace("kind", "type");
    let err = parse_entries(&bad).unwrap_err();
    assert_eq!(err.message().id, "error-calendar-data");
    assert!(parse_entries("[[day]]\ndate = ").is_err());
    assert_eq!(parse_entries("").unwrap(), Vec::new());
}

// ---------------------------------------------------------------- properties

/// Instants from 2024-12-01 to 2027-12-31, Taipei.
fn any_instant() -> impl Strategy<Value = i64> {
    1_732_982_400i64..1_830_268_800i64
}

/// A date in 2025–2027.
fn any_date() -> impl Strategy<Value = Date> {
    (0i64..365 * 3).prop_map(|d| date_of(day_number(date("2025-01-01")) + d))
}

/// The Taiwanese calendar with a few random closures (whole days and rest-of-day).
fn any_calendar() -> impl Strategy<Value = BusinessCalendar> {
    (
        prop::collection::vec(any_date(), 0..6),
        prop::collection::vec(any_instant(), 0..4),
    )
        .prop_map(|(days, from)| {
            let mut cal = taiwan();
            for d in days {
                let _ = cal.close_day(d, typhoon());
            }
            for t in from {
                let _ = cal.close_rest_of_day(t, typhoon());
            }
            cal
        })
}

fn in_closure(cal: &BusinessCalendar, t: i64) -> bool {
    cal.closures().iter().any(|c| c.start <= t && t < c.end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn adding_then_counting_working_days_round_trips(
        cal in any_calendar(), a in any_instant(), n in 0u32..40,
    ) {
        let due = cal.add_working_days(a, n);
        prop_assert_eq!(cal.working_days_between(a, due), n);
        if n > 0 {
            prop_assert!(due > a);
            prop_assert_eq!(cal.working_days_between(a, due - 1), n - 1);
        }
    }

    #[test]
    fn due_dates_fall_on_open_working_days(
        cal in any_calendar(), a in any_instant(), n in 1u32..40,
    ) {
        let due = cal.add_working_days(a, n);
        let day = cal.local_date(due);
        prop_assert!(cal.is_working_day(day));
        prop_assert!(matches!(
            cal.day_kind(day),
            DayKind::Workday | DayKind::MakeupWorkday
        ));
        prop_assert_eq!(due, cal.office_close(day));
        prop_assert!(!in_closure(&cal, due));
    }

    #[test]
    fn a_new_holiday_never_brings_a_due_date_forward(
        cal in any_calendar(), a in any_instant(), n in 0u32..30, h in 0u32..100, off in any_date(),
    ) {
        let mut more = cal.clone();
        more.remove_entry(off);
        more.add_entry(CalendarEntry {
            date: off,
            kind: EntryKind::Holiday,
            name: Localized::new("臨時假日", "Extra holiday"),
        }).unwrap();
        prop_assert!(more.add_working_days(a, n) >= cal.add_working_days(a, n));
        prop_assert!(more.add_working_hours(a, h) >= cal.add_working_hours(a, h));
    }

    #[test]
    fn working_hours_round_trip(cal in any_calendar(), a in any_instant(), h in 0u32..200) {
        let due = cal.add_working_hours(a, h);
        prop_assert_eq!(cal.working_seconds_between(a, due), i64::from(h) * 3600);
        // The earliest such instant: a second less is not enough.
        if h > 0 {
            prop_assert_eq!(cal.working_seconds_between(a, due - 1), i64::from(h) * 3600 - 1);
        }
    }

    #[test]
    fn arithmetic_is_monotone(
        cal in any_calendar(), a in any_instant(), d in 0i64..20 * DAY, n in 0u32..30, h in 0u32..100,
    ) {
        prop_assert!(cal.add_working_days(a, n) <= cal.add_working_days(a, n + 1));
        prop_assert!(cal.add_working_days(a, n) <= cal.add_working_days(a + d, n));
        prop_assert!(cal.add_working_hours(a, h) <= cal.add_working_hours(a, h + 1));
        prop_assert!(cal.add_working_hours(a, h) <= cal.add_working_hours(a + d, h));
    }

    #[test]
    fn working_seconds_add_up(cal in any_calendar(), a in any_instant(), x in 0i64..30 * DAY, y in 0i64..30 * DAY) {
        let (b, c) = (a + x, a + x + y);
        prop_assert_eq!(
            cal.working_seconds_between(a, b) + cal.working_seconds_between(b, c),
            cal.working_seconds_between(a, c)
        );
    }

    #[test]
    fn a_make_up_saturday_is_a_working_day(week in 0i64..52, hour in 0i64..24) {
        // Saturdays of 2028, a year without entries.
        let saturday = date_of(day_number(date("2028-01-01")) + 7 * week);
        prop_assert_eq!(saturday.weekday(), Weekday::Saturday);
        let mut cal = taiwan();
        prop_assert!(!cal.is_working_day(saturday));
        cal.add_entry(CalendarEntry {
            date: saturday,
            kind: EntryKind::MakeupWorkday,
            name: Localized::new("補行上班", "Make-up working day"),
        }).unwrap();
        prop_assert!(cal.is_working_day(saturday));
        let friday = cal.start_of(saturday) - DAY + hour * 3600;
        prop_assert_eq!(cal.add_working_days(friday, 1), cal.office_close(saturday));
        prop_assert_eq!(
            cal.working_seconds_between(cal.start_of(saturday), cal.start_of(saturday) + DAY),
            cal.office_hours().seconds()
        );
    }

    #[test]
    fn a_clock_through_closures_counts_as_if_none_were_declared(
        cal in any_calendar(), a in any_instant(), n in 0u32..30, h in 0u32..100, x in 0i64..30 * DAY,
    ) {
        let mut open = cal.clone();
        for c in cal.closures() {
            open.remove_closure(c.start, c.end);
        }
        let through = ClockTime::OfficeThroughClosures(&cal);
        prop_assert_eq!(through.add_days(a, n), open.add_working_days(a, n));
        prop_assert_eq!(through.add_hours(a, h), open.add_working_hours(a, h));
        prop_assert_eq!(through.seconds_between(a, a + x), open.working_seconds_between(a, a + x));
        // And on the calendar itself, a closure only ever moves a deadline later.
        let office = ClockTime::Office(&cal);
        prop_assert_eq!(office.add_days(a, n), cal.add_working_days(a, n));
        prop_assert!(office.add_days(a, n) >= through.add_days(a, n));
        prop_assert!(office.add_hours(a, h) >= through.add_hours(a, h));
    }

    #[test]
    fn a_continuous_clock_counts_every_second(
        a in any_instant(), n in 0u32..30, h in 0u32..100, x in -DAY..30 * DAY,
    ) {
        let c = ClockTime::Continuous;
        prop_assert_eq!(c.add_days(a, n), a + i64::from(n) * DAY);
        prop_assert_eq!(c.add_hours(a, h), a + i64::from(h) * 3600);
        prop_assert_eq!(c.seconds_between(a, a + x), x.max(0));
        prop_assert_eq!(c.add_seconds(a, c.seconds_between(a, a + x)), a + x.max(0));
    }
}
