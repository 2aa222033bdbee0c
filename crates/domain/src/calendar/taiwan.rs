//! Taiwan's national holidays and make-up working days, preloaded from
//! `data/holidays-tw.toml` (see the comment at the top of that file for sources and caveats).

use super::{CalendarEntry, CalendarError, check_year};
use crate::locale::Localized;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// The embedded data file.
pub const TAIWAN_HOLIDAYS_TOML: &str = include_str!("../../data/holidays-tw.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    #[serde(default)]
    day: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    date: String,
    kind: String,
    name: Localized,
}

/// Parses a holiday file in the format of `data/holidays-tw.toml`: `[[day]]` tables with
/// `date`, `kind` and `name = { zh, en }`. Dates must be in the supported years and unique.
pub fn parse_entries(text: &str) -> Result<Vec<CalendarEntry>, CalendarError> {
    let file: DataFile = toml::from_str(text).map_err(|e| CalendarError::Data {
        detail: e.message().to_string(),
    })?;
    let mut seen = BTreeSet::new();
    let mut entries = Vec::with_capacity(file.day.len());
    for raw in file.day {
        let entry = CalendarEntry::parse(&raw.date, &raw.kind, raw.name)?;
        check_year(entry.date)?;
        if !seen.insert(entry.date) {
            return Err(CalendarError::DuplicateDate { date: raw.date });
        }
        entries.push(entry);
    }
    entries.sort_by_key(|e| e.date);
    Ok(entries)
}

static TAIWAN: LazyLock<Result<Vec<CalendarEntry>, CalendarError>> =
    LazyLock::new(|| parse_entries(TAIWAN_HOLIDAYS_TOML));

/// The preloaded Taiwanese entries (2025–2027), in date order.
pub fn taiwan_entries() -> Result<Vec<CalendarEntry>, CalendarError> {
    TAIWAN.clone()
}
