//! A jurisdiction's calendar as stored: the national calendar plus the administrators'
//! changes, read back row by row.

use super::{BusinessCalendar, CalendarEntry, CalendarError, Closure};
use crate::locale::Localized;

/// One stored calendar change: a dated entry (`kind` `holiday` or `makeup_workday`, with
/// `day`) or a closure (`kind` `closure`, with `starts_at` and `ends_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredChange<'a> {
    pub kind: &'a str,
    pub day: Option<&'a str>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub name: &'a str,
}

impl BusinessCalendar {
    /// The national calendar with a jurisdiction's stored changes applied. A jurisdiction at
    /// another UTC offset than Taiwan's starts from weekends only. A dated entry replaces the
    /// national one of its day. Rows that no longer apply (an identical closure, a row that
    /// does not parse) are skipped rather than failing every case's clocks.
    pub fn with_changes<'a>(
        utc_offset_minutes: i32,
        changes: impl IntoIterator<Item = StoredChange<'a>>,
    ) -> Result<Self, CalendarError> {
        let mut cal = BusinessCalendar::taiwan()?;
        if utc_offset_minutes != cal.utc_offset_minutes() {
            cal = BusinessCalendar::new(utc_offset_minutes, cal.office_hours())?;
        }
        for change in changes {
            let name = Localized::new(change.name, change.name);
            match (change.kind, change.day, change.starts_at, change.ends_at) {
                ("closure", _, Some(start), Some(end)) => {
                    let _ = cal.add_closure(Closure {
                        start,
                        end,
                        reason: name,
                    });
                }
                (kind, Some(day), _, _) => {
                    if let Ok(entry) = CalendarEntry::parse(day, kind, name) {
                        cal.remove_entry(entry.date);
                        let _ = cal.add_entry(entry);
                    }
                }
                _ => {}
            }
        }
        Ok(cal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{EntryKind, parse_date};

    fn row<'a>(kind: &'a str, day: Option<&'a str>, span: Option<(i64, i64)>) -> StoredChange<'a> {
        StoredChange {
            kind,
            day,
            starts_at: span.map(|s| s.0),
            ends_at: span.map(|s| s.1),
            name: "變更",
        }
    }

    #[test]
    fn stored_changes_apply_over_the_national_calendar() {
        let new_year = parse_date("2026-01-01").unwrap();
        let saturday = parse_date("2026-03-07").unwrap();
        let thursday = parse_date("2026-03-12").unwrap();
        let typhoon_day = parse_date("2026-03-10").unwrap();
        let national = BusinessCalendar::taiwan().unwrap();
        assert!(!national.is_working_day(saturday));
        assert!(national.is_working_day(thursday));
        assert!(national.is_working_day(typhoon_day));
        let start = national.start_of(typhoon_day);
        let cal = BusinessCalendar::with_changes(
            480,
            [
                row("holiday", Some("2026-01-01"), None),
                row("makeup_workday", Some("2026-03-07"), None),
                row("holiday", Some("2026-03-12"), None),
                row("closure", None, Some((start, start + 86_400))),
                // The same closure again, and rows that do not parse: skipped.
                row("closure", None, Some((start, start + 86_400))),
                row("holiday", Some("not a date"), None),
                row("festival", Some("2026-03-11"), None),
            ],
        )
        .unwrap();
        assert!(!cal.is_working_day(new_year));
        assert_eq!(cal.entry(new_year).unwrap().name.zh, "變更");
        assert_eq!(cal.entry(saturday).unwrap().kind, EntryKind::MakeupWorkday);
        assert!(cal.is_working_day(saturday));
        assert!(!cal.is_working_day(thursday));
        assert!(!cal.is_working_day(typhoon_day));
        assert_eq!(cal.closures().len(), 1);
        assert!(cal.is_working_day(parse_date("2026-03-11").unwrap()));
    }

    #[test]
    fn another_offset_starts_from_weekends_only() {
        let cal = BusinessCalendar::with_changes(540, []).unwrap();
        assert_eq!(cal.utc_offset_minutes(), 540);
        assert_eq!(cal.entries().count(), 0);
        assert!(BusinessCalendar::with_changes(15 * 60, []).is_err());
    }
}
