//! The business calendar of one jurisdiction: which local dates are working days, when the
//! office is open, and arithmetic in working days and working time.
//!
//! A calendar is built from
//! - the weekend rule: Saturday and Sunday are off;
//! - dated entries: holidays (off, even on a weekday) and make-up working days (補行上班, a
//!   Saturday or Sunday that is worked);
//! - declared closures (停止上班, e.g. a typhoon day): a time range, usually a whole local day
//!   or from an announced instant to the end of the local day;
//! - office hours (08:30–17:30 local by default, lunch not excluded).
//!
//! Two notions of "working" follow from that:
//! - **office time** is the office hours of every date that is not a weekend (unless a make-up
//!   day) or holiday, minus closures. Working-hour clocks count office time.
//! - a **working day** is such a date whose office hours no closure touches. Working-day
//!   periods count working days, so a deadline never lands on a day that was shut even in part
//!   (行政程序法 §48 moves a period's last day off a day on which offices do not work).
//!
//! Times are unix seconds (UTC); local dates use the jurisdiction's fixed UTC offset. The
//! arithmetic walks day by day, so its cost is linear in the number of days it spans; callers
//! keep budgets bounded (see `sla::MAX_WORKING_DAYS`). Outside the years that have entries
//! only weekends are known ([`BusinessCalendar::has_entries_for`] tells which years do).

mod arithmetic;
mod changes;
mod error;
mod taiwan;
#[cfg(test)]
mod tests;

pub use arithmetic::ClockTime;
pub use changes::StoredChange;
pub use error::CalendarError;
pub use taiwan::{TAIWAN_HOLIDAYS_TOML, parse_entries, taiwan_entries};

use crate::enums::string_enum;
use crate::locale::Localized;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use time::Date;
use time::macros::format_description;

/// Years in which calendar entries and closures may be declared.
pub const SUPPORTED_YEARS: RangeInclusive<i32> = 2000..=2100;

/// The longest single closure. Longer shutdowns are declared day by day.
pub const MAX_CLOSURE_DAYS: i64 = 7;

const DAY: i64 = 86_400;
/// Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i64 = 2_440_588;

string_enum! {
    /// What a dated calendar entry declares.
    EntryKind { Holiday = "holiday", MakeupWorkday = "makeup_workday" }
}

string_enum! {
    /// How a local date is treated, for calendar views. The i18n id is `calendar-day-<text>`.
    /// `closed`: a closure covers all of the date's office hours; `partly_closed`: part of them.
    DayKind {
        Workday = "workday",
        Weekend = "weekend",
        Holiday = "holiday",
        MakeupWorkday = "makeup_workday",
        Closed = "closed",
        PartlyClosed = "partly_closed",
    }
}

/// Daily office hours in minutes after local midnight, `opens < closes <= 24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    opens: u16,
    closes: u16,
}

impl OfficeHours {
    /// 08:30–17:30, the usual hours of Taiwanese government offices (lunch not excluded).
    pub const DEFAULT: OfficeHours = OfficeHours {
        opens: 8 * 60 + 30,
        closes: 17 * 60 + 30,
    };

    /// Office hours from minutes after local midnight.
    pub fn new(opens_minute: u16, closes_minute: u16) -> Result<Self, CalendarError> {
        if opens_minute >= closes_minute || closes_minute > 24 * 60 {
            return Err(CalendarError::OfficeHours {
                opens: hhmm(opens_minute),
                closes: hhmm(closes_minute),
            });
        }
        Ok(Self {
            opens: opens_minute,
            closes: closes_minute,
        })
    }

    pub fn opens_minute(self) -> u16 {
        self.opens
    }

    pub fn closes_minute(self) -> u16 {
        self.closes
    }

    /// Length of one full office day in seconds.
    pub fn seconds(self) -> i64 {
        i64::from(self.closes - self.opens) * 60
    }
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self::DEFAULT
    }
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A holiday or make-up working day on a local date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub date: Date,
    pub kind: EntryKind,
    pub name: Localized,
}

impl CalendarEntry {
    /// Builds an entry from text, as an admin form or the data file gives it.
    pub fn parse(date: &str, kind: &str, name: Localized) -> Result<Self, CalendarError> {
        let date = parse_date(date)?;
        let kind = EntryKind::parse(kind.trim()).ok_or_else(|| CalendarError::UnknownKind {
            value: kind.to_string(),
        })?;
        let name = Localized::new(name.zh.trim(), name.en.trim());
        if name.zh.is_empty() {
            return Err(CalendarError::NameRequired {
                date: format_date(date),
            });
        }
        Ok(Self { date, kind, name })
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, CalendarError> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| {
        CalendarError::InvalidDate {
            value: text.to_string(),
        }
    })
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Whether the arithmetic takes the declared closures out of office time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closures {
    Count,
    Ignore,
}

/// A declared closure (停止上班): no office time in `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub start: i64,
    pub end: i64,
    pub reason: Localized,
}

/// The business calendar of one jurisdiction. See the module documentation for the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    utc_offset_minutes: i32,
    office: OfficeHours,
    /// Keyed by day number (days since 1970-01-01).
    entries: BTreeMap<i64, CalendarEntry>,
    /// Sorted by `(start, end)`.
    closures: Vec<Closure>,
}

impl BusinessCalendar {
    /// An empty calendar (weekends only) at a fixed UTC offset.
    pub fn new(utc_offset_minutes: i32, office: OfficeHours) -> Result<Self, CalendarError> {
        if utc_offset_minutes.abs() > 14 * 60 {
            return Err(CalendarError::UtcOffset {
                minutes: utc_offset_minutes,
            });
        }
        Ok(Self {
            utc_offset_minutes,
            office,
            entries: BTreeMap::new(),
            closures: Vec::new(),
        })
    }

    /// Taiwan (UTC+8), default office hours, with the preloaded national holidays and make-up
    /// working days of the central government (DGPA) office calendars.
    pub fn taiwan() -> Result<Self, CalendarError> {
        let mut calendar = Self::new(480, OfficeHours::DEFAULT)?;
        for entry in taiwan_entries()? {
            calendar.add_entry(entry)?;
        }
        Ok(calendar)
    }

    pub fn utc_offset_minutes(&self) -> i32 {
        self.utc_offset_minutes
    }

    pub fn office_hours(&self) -> OfficeHours {
        self.office
    }

    /// Adds a holiday or make-up working day. A date holds at most one entry; a make-up
    /// working day must fall on a weekend.
    pub fn add_entry(&mut self, entry: CalendarEntry) -> Result<(), CalendarError> {
        check_year(entry.date)?;
        if entry.name.zh.trim().is_empty() {
            return Err(CalendarError::NameRequired {
                date: format_date(entry.date),
            });
        }
        let day = day_number(entry.date);
        if entry.kind == EntryKind::MakeupWorkday && !is_weekend(day) {
            return Err(CalendarError::MakeupNotWeekend {
                date: format_date(entry.date),
            });
        }
        if self.entries.contains_key(&day) {
            return Err(CalendarError::DuplicateDate {
                date: format_date(entry.date),
            });
        }
        self.entries.insert(day, entry);
        Ok(())
    }

    /// Removes the entry on a date, returning it.
    pub fn remove_entry(&mut self, date: Date) -> Option<CalendarEntry> {
        self.entries.remove(&day_number(date))
    }

    pub fn entry(&self, date: Date) -> Option<&CalendarEntry> {
        self.entries.get(&day_number(date))
    }

    /// All entries in date order.
    pub fn entries(&self) -> impl Iterator<Item = &CalendarEntry> {
        self.entries.values()
    }

    /// Whether any entry exists for a year: outside such years only weekends are known, and
    /// the admin should load that year's calendar.
    pub fn has_entries_for(&self, year: i32) -> bool {
        self.entries.values().any(|e| e.date.year() == year)
    }

    /// Declares a closure over `[closure.start, closure.end)`.
    pub fn add_closure(&mut self, closure: Closure) -> Result<(), CalendarError> {
        if closure.end <= closure.start {
            return Err(CalendarError::ClosureEndsBeforeStart {
                start: self.format_local(closure.start),
                end: self.format_local(closure.end),
            });
        }
        check_year(self.local_date(closure.start))?;
        check_year(self.local_date(closure.end - 1))?;
        if closure.end - closure.start > MAX_CLOSURE_DAYS * DAY {
            return Err(CalendarError::ClosureTooLong {
                max_days: MAX_CLOSURE_DAYS,
            });
        }
        if self
            .closures
            .iter()
            .any(|c| c.start == closure.start && c.end == closure.end)
        {
            return Err(CalendarError::DuplicateClosure {
                start: self.format_local(closure.start),
                end: self.format_local(closure.end),
            });
        }
        let at = self
            .closures
            .partition_point(|c| (c.start, c.end) < (closure.start, closure.end));
        self.closures.insert(at, closure);
        Ok(())
    }

    /// Closes a whole local date (e.g. a typhoon day, 停班停課).
    pub fn close_day(&mut self, date: Date, reason: Localized) -> Result<(), CalendarError> {
        check_year(date)?;
        let day = day_number(date);
        self.add_closure(Closure {
            start: self.day_start(day),
            end: self.day_start(day + 1),
            reason,
        })
    }

    /// Closes from an instant to the end of its local date (e.g. closed from 12:00).
    pub fn close_rest_of_day(
        &mut self,
        start: i64,
        reason: Localized,
    ) -> Result<(), CalendarError> {
        let end = self.day_start(self.day_of(start) + 1);
        self.add_closure(Closure { start, end, reason })
    }

    /// Withdraws a closure with exactly these bounds; `false` when there was none.
    pub fn remove_closure(&mut self, start: i64, end: i64) -> bool {
        let before = self.closures.len();
        self.closures
            .retain(|c| !(c.start == start && c.end == end));
        self.closures.len() != before
    }

    /// All closures, ordered by start.
    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    /// The local date of an instant.
    pub fn local_date(&self, instant: i64) -> Date {
        date_of(self.day_of(instant))
    }

    /// The instant the local date begins (local midnight).
    pub fn start_of(&self, date: Date) -> i64 {
        self.day_start(day_number(date))
    }

    /// The instant office hours end on a local date (whether or not it is a working day).
    pub fn office_close(&self, date: Date) -> i64 {
        self.office_span(day_number(date)).1
    }

    /// How a local date is treated.
    pub fn day_kind(&self, date: Date) -> DayKind {
        let day = day_number(date);
        let base = match self.entries.get(&day).map(|e| e.kind) {
            Some(EntryKind::Holiday) => return DayKind::Holiday,
            Some(EntryKind::MakeupWorkday) => DayKind::MakeupWorkday,
            None if is_weekend(day) => return DayKind::Weekend,
            None => DayKind::Workday,
        };
        let (opens, closes) = self.office_span(day);
        let mut open = Vec::new();
        self.subtract_closures(opens, closes, &mut open);
        match open.as_slice() {
            [] => DayKind::Closed,
            [(s, e)] if *s == opens && *e == closes => base,
            _ => DayKind::PartlyClosed,
        }
    }

    /// Whether a local date counts as a working day: the office opens (a weekday that is not a
    /// holiday, or a make-up working day) and no closure touches its office hours.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.is_full_working(day_number(date))
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, date: Date) -> Date {
        let mut day = day_number(date);
        loop {
            day += 1;
            if self.is_full_working(day) {
                return date_of(day);
            }
        }
    }

    // --- internals on day numbers (days since 1970-01-01, local) ---

    fn offset_seconds(&self) -> i64 {
        i64::from(self.utc_offset_minutes) * 60
    }

    fn day_of(&self, instant: i64) -> i64 {
        instant
            .saturating_add(self.offset_seconds())
            .div_euclid(DAY)
    }

    fn day_start(&self, day: i64) -> i64 {
        day.saturating_mul(DAY)
            .saturating_sub(self.offset_seconds())
    }

    fn office_span(&self, day: i64) -> (i64, i64) {
        let start = self.day_start(day);
        (
            start.saturating_add(i64::from(self.office.opens) * 60),
            start.saturating_add(i64::from(self.office.closes) * 60),
        )
    }

    /// Whether the office opens on a day by the weekend rule and the entries alone.
    fn is_office_day(&self, day: i64) -> bool {
        match self.entries.get(&day) {
            Some(entry) => entry.kind == EntryKind::MakeupWorkday,
            None => !is_weekend(day),
        }
    }

    fn is_full_working(&self, day: i64) -> bool {
        self.is_full_working_with(day, Closures::Count)
    }

    /// Whether a day counts as a working day, with or without the declared closures.
    fn is_full_working_with(&self, day: i64, closures: Closures) -> bool {
        if !self.is_office_day(day) {
            return false;
        }
        let (opens, closes) = self.office_span(day);
        closures == Closures::Ignore || self.closures_touching(opens, closes).next().is_none()
    }

    fn closures_touching(&self, from: i64, to: i64) -> impl Iterator<Item = &Closure> {
        let earliest = from.saturating_sub(MAX_CLOSURE_DAYS * DAY);
        let lo = self.closures.partition_point(|c| c.start < earliest);
        let hi = self.closures.partition_point(|c| c.start < to);
        self.closures[lo..hi.max(lo)]
            .iter()
            .filter(move |c| c.end > from)
    }

    /// `[from, to)` minus closures, as ordered disjoint intervals.
    fn subtract_closures(&self, from: i64, to: i64, out: &mut Vec<(i64, i64)>) {
        out.clear();
        let mut cursor = from;
        for c in self.closures_touching(from, to) {
            if c.start > cursor {
                out.push((cursor, c.start.min(to)));
            }
            cursor = cursor.max(c.end);
            if cursor >= to {
                return;
            }
        }
        if cursor < to {
            out.push((cursor, to));
        }
    }

    /// The office time of a day as ordered disjoint intervals, with or without the declared
    /// closures taken out.
    fn open_intervals(&self, day: i64, closures: Closures, out: &mut Vec<(i64, i64)>) {
        out.clear();
        if self.is_office_day(day) {
            let (opens, closes) = self.office_span(day);
            match closures {
                Closures::Count => self.subtract_closures(opens, closes, out),
                Closures::Ignore => out.push((opens, closes)),
            }
        }
    }

    fn format_local(&self, instant: i64) -> String {
        let day = self.day_of(instant);
        let minute = (instant - self.day_start(day)) / 60;
        format!(
            "{} {:02}:{:02}",
            format_date(date_of(day)),
            minute / 60,
            minute % 60
        )
    }
}

fn day_number(date: Date) -> i64 {
    i64::from(date.to_julian_day()) - EPOCH_JULIAN_DAY
}

fn date_of(day: i64) -> Date {
    let julian = (day.saturating_add(EPOCH_JULIAN_DAY)).clamp(
        i64::from(Date::MIN.to_julian_day()),
        i64::from(Date::MAX.to_julian_day()),
    );
    i32::try_from(julian)
        .ok()
        .and_then(|j| Date::from_julian_day(j).ok())
        .unwrap_or(Date::MIN)
}

/// Saturday or Sunday. Day 0 (1970-01-01) was a Thursday.
fn is_weekend(day: i64) -> bool {
    (day + 3).rem_euclid(7) >= 5
}

fn check_year(date: Date) -> Result<(), CalendarError> {
    if SUPPORTED_YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(CalendarError::DateOutOfRange {
            date: format_date(date),
            first: *SUPPORTED_YEARS.start(),
            last: *SUPPORTED_YEARS.end(),
        })
    }
}
