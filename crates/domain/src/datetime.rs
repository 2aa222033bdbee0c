//! Open311 date-times: W3C/RFC 3339 with a zone. We always emit UTC `YYYY-MM-DDThh:mm:ssZ`
//! without fractions (mySociety's adapter rejects anything else) and accept offsets,
//! fractions and a bare date on input.

use crate::error::DomainError;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Formats unix seconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_unix(seconds: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format(t)
}

pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_default()
}

/// Parses an RFC 3339 date-time (`2026-11-24T08:00:00Z`, `…+08:00`, fractions allowed) or a
/// bare date (`2026-11-24`, taken as midnight UTC) into unix seconds.
pub fn parse(text: &str) -> Result<i64, DomainError> {
    let text = text.trim();
    let invalid = || DomainError::InvalidDatetime {
        value: text.to_string(),
    };
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    // A space instead of `T` and a lowercase `z` are common in hand-written queries.
    let normalised = text.replacen(' ', "T", 1).replace('z', "Z");
    if let Ok(t) = OffsetDateTime::parse(&normalised, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    if let Ok(d) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        return Ok(PrimitiveDateTime::new(d, time::Time::MIDNIGHT)
            .assume_utc()
            .unix_timestamp());
    }
    Err(invalid())
}

/// The calendar date of an instant at a fixed UTC offset, as `YYYYMMDD`.
pub fn local_yyyymmdd(seconds: i64, offset_minutes: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    let t = OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

/// The local date and time of an instant at a fixed UTC offset, as `YYYY-MM-DD hh:mm`, for
/// messages to people (due dates).
pub fn format_local_minute(seconds: i64, offset_minutes: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    let t = OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emits_utc_without_fractions() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn parses_offsets_fractions_and_dates() {
        let z = parse("2026-11-24T00:00:00Z").unwrap();
        assert_eq!(parse("2026-11-24T08:00:00+08:00").unwrap(), z);
        assert_eq!(parse("2026-11-24T00:00:00.123Z").unwrap(), z);
        assert_eq!(parse("2026-11-24").unwrap(), z);
        assert_eq!(parse("2026-11-24 00:00:00z").unwrap(), z);
        assert!(parse("yesterday").is_err());
        assert!(parse("2026-13-01T00:00:00Z").is_err());
    }

    #[test]
    fn local_date_uses_the_offset() {
        // 2026-11-23T17:00:00Z is already the 24th in Taipei.
        let t = parse("2026-11-23T17:00:00Z").unwrap();
        assert_eq!(local_yyyymmdd(t, 480), "20261124");
        assert_eq!(local_yyyymmdd(t, 0), "20261123");
    }
}
