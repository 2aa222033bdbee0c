//! Arithmetic in working days and office time, and the time a clock counts ([`ClockTime`]):
//! the calendar's office time, the same with declared closures ignored, or every second.

use super::{BusinessCalendar, Closures, DAY};

impl BusinessCalendar {
    /// The deadline `n` working days after `start`, counted from the next working day:
    /// whatever the time of `start` on local date D, day 1 is the first working day after D and
    /// the deadline is the end of office hours on day `n`. `n == 0` gives `start` itself.
    pub fn add_working_days(&self, start: i64, n: u32) -> i64 {
        self.add_working_days_with(start, n, Closures::Count)
    }

    fn add_working_days_with(&self, start: i64, n: u32, closures: Closures) -> i64 {
        if n == 0 {
            return start;
        }
        let mut day = self.day_of(start);
        let mut left = n;
        loop {
            day += 1;
            if self.is_full_working_with(day, closures) {
                left -= 1;
                if left == 0 {
                    return self.office_span(day).1;
                }
            }
        }
    }

    /// The working days after the local date of `a` whose office hours have ended by `b`; the
    /// inverse of [`add_working_days`](Self::add_working_days).
    pub fn working_days_between(&self, a: i64, b: i64) -> u32 {
        if b <= a {
            return 0;
        }
        let last = self.day_of(b);
        let mut count = 0u32;
        let mut day = self.day_of(a) + 1;
        while day <= last {
            if self.is_full_working(day) && self.office_span(day).1 <= b {
                count = count.saturating_add(1);
            }
            day += 1;
        }
        count
    }

    /// The earliest instant by which `hours` hours of office time have passed since `start`.
    pub fn add_working_hours(&self, start: i64, hours: u32) -> i64 {
        self.add_working_seconds(start, i64::from(hours) * 3600)
    }

    /// The earliest instant by which `seconds` of office time have passed since `start`.
    /// Zero or negative gives `start`.
    pub fn add_working_seconds(&self, start: i64, seconds: i64) -> i64 {
        self.add_working_seconds_with(start, seconds, Closures::Count)
    }

    fn add_working_seconds_with(&self, start: i64, seconds: i64, closures: Closures) -> i64 {
        if seconds <= 0 {
            return start;
        }
        let mut left = seconds;
        let mut day = self.day_of(start);
        let mut open = Vec::new();
        loop {
            self.open_intervals(day, closures, &mut open);
            for &(s, e) in &open {
                let from = s.max(start);
                if e > from {
                    let available = e - from;
                    if left <= available {
                        return from + left;
                    }
                    left -= available;
                }
            }
            day += 1;
        }
    }

    /// Office time in `[a, b)`, in seconds; zero when `b <= a`.
    pub fn working_seconds_between(&self, a: i64, b: i64) -> i64 {
        self.working_seconds_between_with(a, b, Closures::Count)
    }

    fn working_seconds_between_with(&self, a: i64, b: i64, closures: Closures) -> i64 {
        if b <= a {
            return 0;
        }
        let mut total = 0;
        let mut open = Vec::new();
        for day in self.day_of(a)..=self.day_of(b) {
            self.open_intervals(day, closures, &mut open);
            for &(s, e) in &open {
                let (s, e) = (s.max(a), e.min(b));
                if e > s {
                    total += e - s;
                }
            }
        }
        total
    }
}

/// The time a clock counts (an SLA clock, a processing time).
#[derive(Debug, Clone, Copy)]
pub enum ClockTime<'a> {
    /// Office time on working days; a declared closure (a typhoon day) stops the clock.
    Office(&'a BusinessCalendar),
    /// Office time on working days, through declared closures: weekends and holidays stop the
    /// clock, a typhoon day does not.
    OfficeThroughClosures(&'a BusinessCalendar),
    /// Every second of every day (24×7): nothing stops the clock.
    Continuous,
}

impl ClockTime<'_> {
    /// The deadline `n` days after `start`: on a calendar, the end of office hours on the n-th
    /// working day after `start`'s local date; continuously, `n` × 24 hours later.
    pub fn add_days(self, start: i64, n: u32) -> i64 {
        match self {
            ClockTime::Office(c) => c.add_working_days_with(start, n, Closures::Count),
            ClockTime::OfficeThroughClosures(c) => {
                c.add_working_days_with(start, n, Closures::Ignore)
            }
            ClockTime::Continuous => start.saturating_add(i64::from(n) * DAY),
        }
    }

    /// The earliest instant by which `hours` hours of counted time have passed since `start`.
    pub fn add_hours(self, start: i64, hours: u32) -> i64 {
        self.add_seconds(start, i64::from(hours) * 3600)
    }

    /// The earliest instant by which `seconds` of counted time have passed since `start`.
    /// Zero or negative gives `start`.
    pub fn add_seconds(self, start: i64, seconds: i64) -> i64 {
        match self {
            ClockTime::Office(c) => c.add_working_seconds_with(start, seconds, Closures::Count),
            ClockTime::OfficeThroughClosures(c) => {
                c.add_working_seconds_with(start, seconds, Closures::Ignore)
            }
            ClockTime::Continuous => start.saturating_add(seconds.max(0)),
        }
    }

    /// Counted time in `[a, b)`, in seconds; zero when `b <= a`.
    pub fn seconds_between(self, a: i64, b: i64) -> i64 {
        match self {
            ClockTime::Office(c) => c.working_seconds_between_with(a, b, Closures::Count),
            ClockTime::OfficeThroughClosures(c) => {
                c.working_seconds_between_with(a, b, Closures::Ignore)
            }
            ClockTime::Continuous => b.saturating_sub(a).max(0),
        }
    }
}
