//! Reservations (預約): time slots per office and purpose (apply in person, pick up at the
//! counter), each with a capacity, inside office hours on the business calendar, bookable from
//! [`Rules::lead_minutes`] ahead up to [`Rules::window_days`], cancellable until
//! [`Rules::cutoff_minutes`] before. On arrival a booking takes a queue number (取號).

use domain::Message;
use domain::calendar::{BusinessCalendar, DayKind};
use domain::enums::string_enum;
use time::Date;

string_enum! {
    /// What a slot is for. The i18n id is `counter-purpose-<text>`.
    Purpose {
        Apply = "apply",
        Pickup = "pickup",
    }
}

impl Purpose {
    /// The queue number's letter: A for applications, P for pickups.
    pub fn letter(self) -> char {
        match self {
            Purpose::Apply => 'A',
            Purpose::Pickup => 'P',
        }
    }
}

string_enum! {
    /// Where a booking is. The i18n id is `counter-booking-<text>`.
    BookingState {
        Booked = "booked",
        Cancelled = "cancelled",
        Arrived = "arrived",
        NoShow = "no_show",
    }
}

string_enum! {
    /// How a booking was made. The i18n id is `counter-channel-<text>`.
    Channel {
        Web = "web",
        Phone = "phone",
        Counter = "counter",
    }
}

/// An office's booking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub slot_minutes: u32,
    pub capacity: u32,
    pub window_days: u32,
    pub lead_minutes: u32,
    pub cutoff_minutes: u32,
}

impl Rules {
    /// 30-minute slots for 4 people, bookable 1 hour to 30 days ahead, cancellable until 2 hours
    /// before (assumptions: the seeds give none).
    pub const DEFAULT: Rules = Rules {
        slot_minutes: 30,
        capacity: 4,
        window_days: 30,
        lead_minutes: 60,
        cutoff_minutes: 120,
    };

    pub fn check(self) -> Result<(), Message> {
        let ok = (10..=240).contains(&self.slot_minutes)
            && (1..=500).contains(&self.capacity)
            && (1..=180).contains(&self.window_days)
            && self.lead_minutes <= 7 * 24 * 60
            && self.cutoff_minutes <= 7 * 24 * 60;
        ok.then_some(())
            .ok_or_else(|| Message::new("counter-error-booking-rules"))
    }

    fn slot_seconds(self) -> i64 {
        i64::from(self.slot_minutes) * 60
    }
}

/// The starts of a date's slots: every slot wholly inside office time (a day closed in part,
/// by a typhoon say, loses the slots it touches).
pub fn slots_on(calendar: &BusinessCalendar, rules: Rules, date: Date) -> Vec<i64> {
    if !matches!(
        calendar.day_kind(date),
        DayKind::Workday | DayKind::MakeupWorkday | DayKind::PartlyClosed
    ) {
        return Vec::new();
    }
    let office = calendar.office_hours();
    let day = calendar.start_of(date);
    let (opens, closes) = (
        day + i64::from(office.opens_minute()) * 60,
        day + i64::from(office.closes_minute()) * 60,
    );
    let len = rules.slot_seconds();
    let mut out = Vec::new();
    let mut start = opens;
    while start + len <= closes {
        if calendar.working_seconds_between(start, start + len) == len {
            out.push(start);
        }
        start += len;
    }
    out
}

/// Whether a slot starting at `start` may be booked at `now`.
pub fn may_book(
    calendar: &BusinessCalendar,
    rules: Rules,
    start: i64,
    now: i64,
) -> Result<(), Message> {
    if start < now + i64::from(rules.lead_minutes) * 60 {
        return Err(Message::new("counter-error-slot-too-soon"));
    }
    if start > now + i64::from(rules.window_days) * 86_400 {
        return Err(Message::new("counter-error-slot-too-far"));
    }
    if !slots_on(calendar, rules, calendar.local_date(start)).contains(&start) {
        return Err(Message::new("counter-error-slot-unknown"));
    }
    Ok(())
}

/// Whether a booking of a slot starting at `start` may be cancelled at `now`.
pub fn may_cancel(rules: Rules, start: i64, now: i64) -> Result<(), Message> {
    if now > start - i64::from(rules.cutoff_minutes) * 60 {
        return Err(Message::new("counter-error-booking-cutoff"));
    }
    Ok(())
}

/// A booking counts as a no-show once its slot has ended without an arrival.
pub fn is_no_show(rules: Rules, start: i64, now: i64) -> bool {
    now >= start + rules.slot_seconds()
}

/// The queue number of the `n`-th arrival of a purpose on a day: `A-007`.
pub fn queue_number(purpose: Purpose, n: u32) -> String {
    format!("{}-{n:03}", purpose.letter())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> BusinessCalendar {
        BusinessCalendar::taiwan().expect("calendar")
    }

    fn date(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("date")
    }

    #[test]
    fn working_days_have_slots_and_weekends_none() {
        let c = cal();
        let monday = slots_on(&c, Rules::DEFAULT, date(2026, 12, 7));
        assert!(monday.len() >= 14, "{}", monday.len());
        assert!(slots_on(&c, Rules::DEFAULT, date(2026, 12, 6)).is_empty());
        assert!(monday.windows(2).all(|w| w[1] - w[0] == 1_800));
    }

    #[test]
    fn booking_and_cancelling_windows() {
        let c = cal();
        let slots = slots_on(&c, Rules::DEFAULT, date(2026, 12, 7));
        let first = slots[0];
        assert!(may_book(&c, Rules::DEFAULT, first, first - 2 * 3600).is_ok());
        assert_eq!(
            may_book(&c, Rules::DEFAULT, first, first - 600).map_err(|m| m.id),
            Err("counter-error-slot-too-soon")
        );
        assert_eq!(
            may_book(&c, Rules::DEFAULT, first + 60, first - 86_400).map_err(|m| m.id),
            Err("counter-error-slot-unknown")
        );
        assert_eq!(
            may_book(&c, Rules::DEFAULT, first, first - 40 * 86_400).map_err(|m| m.id),
            Err("counter-error-slot-too-far")
        );
        assert!(may_cancel(Rules::DEFAULT, first, first - 3 * 3600).is_ok());
        assert!(may_cancel(Rules::DEFAULT, first, first - 3600).is_err());
        assert!(is_no_show(Rules::DEFAULT, first, first + 1_800));
        assert_eq!(queue_number(Purpose::Pickup, 7), "P-007");
    }
}
