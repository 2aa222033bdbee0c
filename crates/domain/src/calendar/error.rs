//! Why calendar input was refused. Each variant names an i18n message id (`error-calendar-*`);
//! the `Display` text is English and meant for logs and the CLI.

use crate::error::Message;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("UTC offset {minutes} minutes is outside -14:00..+14:00")]
    UtcOffset { minutes: i32 },
    #[error("office hours {opens}-{closes} must open before they close, within one day")]
    OfficeHours { opens: String, closes: String },
    #[error("{value:?} is not a date (expected YYYY-MM-DD)")]
    InvalidDate { value: String },
    #[error("{value:?} is not a calendar entry kind (holiday or makeup_workday)")]
    UnknownKind { value: String },
    #[error("the entry on {date} needs a Chinese name")]
    NameRequired { date: String },
    #[error("{date} is outside the supported years {first}-{last}")]
    DateOutOfRange { date: String, first: i32, last: i32 },
    #[error("{date} is already in the calendar")]
    DuplicateDate { date: String },
    #[error("{date} is a weekday; a make-up working day must be a Saturday or Sunday")]
    MakeupNotWeekend { date: String },
    #[error("the closure ends ({end}) before it starts ({start})")]
    ClosureEndsBeforeStart { start: String, end: String },
    #[error("a closure may last at most {max_days} days; declare longer closures day by day")]
    ClosureTooLong { max_days: i64 },
    #[error("a closure from {start} to {end} is already declared")]
    DuplicateClosure { start: String, end: String },
    #[error("the holiday data cannot be read: {detail}")]
    Data { detail: String },
}

impl CalendarError {
    /// The i18n message for this error.
    pub fn message(&self) -> Message {
        match self {
            Self::UtcOffset { minutes } => {
                Message::new("error-calendar-utc-offset").arg("minutes", minutes.to_string())
            }
            Self::OfficeHours { opens, closes } => Message::new("error-calendar-office-hours")
                .arg("opens", opens)
                .arg("closes", closes),
            Self::InvalidDate { value } => {
                Message::new("error-calendar-date-invalid").arg("value", value)
            }
            Self::UnknownKind { value } => {
                Message::new("error-calendar-kind-unknown").arg("value", value)
            }
            Self::NameRequired { date } => {
                Message::new("error-calendar-name-required").arg("date", date)
            }
            Self::DateOutOfRange { date, first, last } => Message::new("error-calendar-date-range")
                .arg("date", date)
                .arg("first", first.to_string())
                .arg("last", last.to_string()),
            Self::DuplicateDate { date } => {
                Message::new("error-calendar-duplicate-date").arg("date", date)
            }
            Self::MakeupNotWeekend { date } => {
                Message::new("error-calendar-makeup-weekday").arg("date", date)
            }
            Self::ClosureEndsBeforeStart { start, end } => {
                Message::new("error-calendar-closure-order")
                    .arg("start", start)
                    .arg("end", end)
            }
            Self::ClosureTooLong { max_days } => {
                Message::new("error-calendar-closure-too-long").arg("days", max_days.to_string())
            }
            Self::DuplicateClosure { start, end } => {
                Message::new("error-calendar-closure-duplicate")
                    .arg("start", start)
                    .arg("end", end)
            }
            Self::Data { detail } => Message::new("error-calendar-data").arg("detail", detail),
        }
    }
}
