//! Dates as people read them: ROC (民國) years on zh-TW pages, Gregorian on English ones, both
//! in the jurisdiction's local time; and the ISO form for `<time datetime>`.

use domain::Locale;
use time::{OffsetDateTime, UtcOffset};

/// Taiwan's offset. Every jurisdiction civicdesk ships reference data for uses it; a
/// jurisdiction elsewhere sets its own (see `domain::datetime`).
pub const LOCAL_OFFSET_MINUTES: i32 = 8 * 60;

/// The ROC calendar counts years from 1912 (民國元年).
pub const ROC_EPOCH: i32 = 1911;

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn local(unix: i64) -> OffsetDateTime {
    let offset = UtcOffset::from_whole_seconds(LOCAL_OFFSET_MINUTES * 60).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

pub fn display_date(unix: i64, locale: Locale) -> String {
    let t = local(unix);
    match locale {
        Locale::ZhTw => format!(
            "民國{}年{}月{}日",
            t.year() - ROC_EPOCH,
            u8::from(t.month()),
            t.day()
        ),
        Locale::En => format!(
            "{} {} {}",
            t.day(),
            MONTHS_EN[usize::from(u8::from(t.month())) - 1],
            t.year()
        ),
    }
}

pub fn display_datetime(unix: i64, locale: Locale) -> String {
    let t = local(unix);
    let date = display_date(unix, locale);
    match locale {
        Locale::ZhTw => format!("{date} {:02}:{:02}", t.hour(), t.minute()),
        Locale::En => format!("{date}, {:02}:{:02}", t.hour(), t.minute()),
    }
}

pub fn iso(unix: i64) -> String {
    let t = local(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        LOCAL_OFFSET_MINUTES / 60,
        LOCAL_OFFSET_MINUTES % 60
    )
}

/// The local calendar date of `unix` as `YYYY-MM-DD` (for date inputs and filters).
pub fn ymd(unix: i64) -> String {
    iso(unix)[..10].to_string()
}

/// The unix time of local midnight starting `YYYY-MM-DD`, or `None` if it is not a date.
#[allow(dead_code)] // for date filters; no page uses it yet
pub fn parse_ymd(text: &str) -> Option<i64> {
    let mut it = text.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    let offset = UtcOffset::from_whole_seconds(LOCAL_OFFSET_MINUTES * 60).ok()?;
    Some(date.midnight().assume_offset(offset).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_years_on_chinese_pages_gregorian_on_english_ones() {
        // 2026-11-24 06:30 UTC is 14:30 in Taipei, in the ROC year 115.
        let t = 1_795_501_800;
        assert_eq!(display_datetime(t, Locale::ZhTw), "民國115年11月24日 14:30");
        assert_eq!(display_datetime(t, Locale::En), "24 Nov 2026, 14:30");
        assert_eq!(iso(t), "2026-11-24T14:30:00+08:00");
        // Local midnight, not UTC midnight, decides the date.
        assert_eq!(
            display_date(1_795_449_600, Locale::ZhTw),
            "民國115年11月24日"
        );
        assert_eq!(parse_ymd("2026-11-24"), Some(1_795_449_600));
        assert_eq!(ymd(1_795_449_600), "2026-11-24");
        assert_eq!(parse_ymd("2026-02-30"), None);
        assert_eq!(parse_ymd("yesterday"), None);
    }
}
