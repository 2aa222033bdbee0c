//! Rows of Taipei's published 1999 data, parsed into what a case needs. Pure functions over
//! the fields of one CSV record, so they can be unit-, property- and fuzz-tested without a
//! file or a database; reading the file (gzip, CSV) and writing cases is the importer's job.
//!
//! Two data sets of the Taipei City Government open data platform (資料來源：臺北市政府資料開放平臺):
//!
//! * 「臺北市政府1999派工資料」, columns `case_id, category, address, date, time`: the case
//!   number (`YYYYMMDD` + 5-digit daily sequence, empty or damaged in part of the data), one
//!   of 28 category spellings, a free-text address that usually starts with the district,
//!   and the local date (`YYYYMMDD`) and time (`hhmmss`).
//! * 「臺北市路燈維修資料」, columns `查報序號, 行政區, 查報地點, 故障情形, 查報日期`: the
//!   street-light report number, the district's short name (`大安`), the place, the
//!   citizen's own words and the ISO 8601 local time.
//!
//! Every field is trimmed and converted to half-width first, so full-width digits
//! (`２０１５０７０１`) parse like ASCII ones. A byte-order mark in front of a field is dropped.

use crate::domain::case_number::CaseNumber;
use text::find_district;
use text::to_halfwidth;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// The header of the dispatch data.
pub const DISPATCH_HEADER: [&str; 5] = ["case_id", "category", "address", "date", "time"];
/// The header of the street-light data.
pub const STREETLIGHT_HEADER: [&str; 5] =
    ["查報序號", "行政區", "查報地點", "故障情形", "查報日期"];

/// The category spellings of the dispatch data and the taxonomy codes they map to
/// (`services/reference/taipei.toml`). Some spellings differ only in wording over the years
/// (路燈不亮或損壞 → 路燈故障或設施損壞); the riverside bike-path category has five, one with
/// characters lost to `?` in an encoding conversion and one written with CJK compatibility
/// ideographs (U+FA08 行, U+F902 車, U+F965 便, U+F918 落) that look identical.
pub const DISPATCH_CATEGORIES: &[(&str, &str)] = &[
    ("大型廢棄物清運聯繫", "1999-W01"),
    ("場所與設施噪音舉發", "1999-N01"),
    ("污染舉發", "1999-P01"),
    ("路燈故障或設施損壞", "1999-L01"),
    ("路燈不亮或損壞", "1999-L01"),
    ("鄰里無主垃圾清運", "1999-W02"),
    ("道路散落物或油漬處理", "1999-R08"),
    ("交通號誌異常", "1999-T01"),
    ("市區道路坑洞處理", "1999-R01"),
    ("用戶無水、漏水報修", "1999-U01"),
    ("交通標誌及設施物損壞(含汙損)、傾斜", "1999-T03"),
    ("路樹處理", "1999-G01"),
    ("道路側溝溝蓋(含周邊)損壞遺失", "1999-R03"),
    ("雨水下水道側溝清淤", "1999-R05"),
    ("動物救援", "1999-A01"),
    ("交通號誌電纜線垂落及設施損壞", "1999-T02"),
    ("人孔蓋(含周邊)破損、遺失處理", "1999-R02"),
    ("橋梁、隧道、車(人)行地下道及涵洞積淹水", "1999-F02"),
    ("路面積淹水", "1999-F01"),
    ("道路掏空", "1999-R06"),
    ("動物虐待傷害", "1999-A02"),
    ("道路側溝內溝牆(底)破損", "1999-R04"),
    ("道路邊坡坍方", "1999-R07"),
    (
        "河濱公園自行車道及堤外便道破損、散落物、油漬及樹倒",
        "1999-R09",
    ),
    ("河濱公園自行車道破損、油漬及樹倒", "1999-R09"),
    ("河濱自行車道破損", "1999-R09"),
    ("河濱公園自??道及堤外?道破損、散?物、油漬及樹倒", "1999-R09"),
    (
        "河濱公園自\u{FA08}\u{F902}道及堤外\u{F965}道破損、散\u{F918}物、油漬及樹倒",
        "1999-R09",
    ),
];

/// The category code of a dispatch category spelling. `names` are `(code, zh name)` pairs of
/// the jurisdiction's taxonomy, accepted as spellings too. After an exact match fails, the
/// comparison ignores spaces and punctuation, unifies 台/臺 and 汙/污 and CJK compatibility
/// ideographs, and lets a `?` or U+FFFD (a character lost in conversion) stand for any one
/// character.
pub fn dispatch_category<'a>(spelling: &str, names: &'a [(String, String)]) -> Option<&'a str> {
    let spelling = spelling.trim();
    if let Some((_, code)) = DISPATCH_CATEGORIES.iter().find(|(s, _)| *s == spelling) {
        return Some(code);
    }
    if let Some((code, _)) = names.iter().find(|(_, n)| n == spelling) {
        return Some(code.as_str());
    }
    let wanted = category_key(spelling);
    if wanted.is_empty() {
        return None;
    }
    let known = DISPATCH_CATEGORIES
        .iter()
        .map(|(s, c)| (*s, *c))
        .chain(names.iter().map(|(c, n)| (n.as_str(), c.as_str())));
    let mut found: Option<&str> = None;
    for (s, code) in known {
        if key_matches(&wanted, &category_key(s)) {
            match found {
                Some(f) if f != code => return None, // ambiguous
                _ => found = Some(code),
            }
        }
    }
    found
}

fn category_key(text: &str) -> Vec<char> {
    to_halfwidth(text)
        .chars()
        .map(fold_compatibility)
        .map(|c| match c {
            '台' => '臺',
            '汙' => '污',
            '\u{FFFD}' => '?',
            c => c,
        })
        .filter(|c| *c == '?' || !(c.is_whitespace() || is_punctuation(*c)))
        .collect()
}

fn key_matches(a: &[char], b: &[char]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || *x == '?' || *y == '?')
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '、' | '，' | '。' | '（' | '）' | '「' | '」' | '：' | '；' | '—' | '–' | '．'
        )
}

/// The CJK compatibility ideographs met in the dispatch data, mapped to the unified
/// ideographs they are canonically equivalent to.
fn fold_compatibility(c: char) -> char {
    match c {
        '\u{F902}' => '車',
        '\u{F918}' => '落',
        '\u{F965}' => '便',
        '\u{FA08}' => '行',
        _ => c,
    }
}

/// Why a row could not be imported. The importer adds the line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowError {
    Columns { found: usize, expected: usize },
    Date(String),
    Time(String),
    Category(String),
    District(String),
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowError::Columns { found, expected } => {
                write!(f, "{found} columns instead of {expected}")
            }
            RowError::Date(v) => write!(f, "unreadable date {v:?}"),
            RowError::Time(v) => write!(f, "unreadable time {v:?}"),
            RowError::Category(v) => write!(f, "unknown category {v:?}"),
            RowError::District(v) => write!(f, "district {v:?} is not in the jurisdiction"),
        }
    }
}

impl std::error::Error for RowError {}

/// The `case_id` column of a dispatch row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCaseId {
    /// A well-formed number (13 digits, a real date, a non-zero sequence).
    Valid(CaseNumber),
    /// Empty, as in about 333k published rows.
    Missing,
    /// Present but not a case number (kept for the record, not used as the number).
    Damaged(String),
}

/// One dispatch row, ready to become a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchRow {
    pub case_id: SourceCaseId,
    pub category_code: String,
    /// Trimmed and half-width; `None` when empty.
    pub address: Option<String>,
    pub district_code: Option<String>,
    /// The local date of the row, `YYYYMMDD` (the day generated case numbers belong to).
    pub local_date: String,
    /// When the case was received, unix seconds UTC.
    pub requested_at: i64,
}

/// What the dispatch parser needs to know about the jurisdiction.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// `(code, zh name)` of the districts, e.g. `("106", "大安區")`.
    pub districts: Vec<(String, String)>,
    /// `(code, zh name)` of the categories, accepted as spellings beside the known ones.
    pub categories: Vec<(String, String)>,
    /// The jurisdiction's fixed UTC offset (Taipei: 480).
    pub utc_offset_minutes: i32,
}

/// A field as the parsers see it: without a byte-order mark, trimmed, half-width.
pub fn clean_field(field: &str) -> String {
    // `trim` also removes the ideographic space, the only character `to_halfwidth` turns into
    // whitespace, so one pass is enough.
    to_halfwidth(field.trim_start_matches('\u{FEFF}').trim())
}

/// True when `fields` is the expected header (a byte-order mark and spaces are ignored).
pub fn is_header(fields: &[&str], header: &[&str]) -> bool {
    fields.len() == header.len()
        && fields
            .iter()
            .zip(header)
            .all(|(f, h)| clean_field(f).eq_ignore_ascii_case(h))
}

/// Parses one dispatch record (`case_id, category, address, date, time`).
pub fn parse_dispatch(fields: &[&str], ctx: &Context) -> Result<DispatchRow, RowError> {
    if fields.len() != DISPATCH_HEADER.len() {
        return Err(RowError::Columns {
            found: fields.len(),
            expected: DISPATCH_HEADER.len(),
        });
    }
    let case_id = clean_field(fields[0]);
    let category = fields[1].trim_start_matches('\u{FEFF}').trim();
    let address = clean_field(fields[2]);
    let date_text = clean_field(fields[3]);
    let time_text = clean_field(fields[4]);
    let date = parse_yyyymmdd(&date_text).ok_or_else(|| RowError::Date(date_text.clone()))?;
    let time = parse_hhmmss(&time_text).ok_or_else(|| RowError::Time(time_text.clone()))?;
    let category_code = dispatch_category(category, &ctx.categories)
        .ok_or_else(|| RowError::Category(category.to_string()))?
        .to_string();
    let case_id = if case_id.is_empty() {
        SourceCaseId::Missing
    } else {
        match CaseNumber::parse(&case_id) {
            Ok(n) => SourceCaseId::Valid(n),
            Err(_) => SourceCaseId::Damaged(case_id),
        }
    };
    let district_code = find_district(&address, &ctx.districts).map(str::to_string);
    Ok(DispatchRow {
        case_id,
        category_code,
        address: (!address.is_empty()).then_some(address),
        district_code,
        local_date: yyyymmdd(date),
        requested_at: to_unix(date, time, ctx.utc_offset_minutes),
    })
}

/// One street-light report, ready to become a case of the street-light category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetlightRow {
    /// 查報序號, the street-light office's own number.
    pub report_number: String,
    pub district_code: Option<String>,
    /// 查報地點, trimmed and half-width; `None` when empty.
    pub address: Option<String>,
    /// 故障情形: the citizen's own words, trimmed but otherwise as written.
    pub description: String,
    pub local_date: String,
    pub requested_at: i64,
}

/// Parses one street-light record (`查報序號, 行政區, 查報地點, 故障情形, 查報日期`). The
/// district comes from 行政區 (`大安`), else from the place. A 行政區 that names no district
/// of the jurisdiction (the data holds one `非台北市域` test report) is an error.
pub fn parse_streetlight(fields: &[&str], ctx: &Context) -> Result<StreetlightRow, RowError> {
    if fields.len() != STREETLIGHT_HEADER.len() {
        return Err(RowError::Columns {
            found: fields.len(),
            expected: STREETLIGHT_HEADER.len(),
        });
    }
    let report_number = clean_field(fields[0]);
    let district = clean_field(fields[1]);
    let address = clean_field(fields[2]);
    let description = fields[3].trim_start_matches('\u{FEFF}').trim().to_string();
    let when = clean_field(fields[4]);
    let (date, time) = parse_iso_local(&when).ok_or_else(|| RowError::Date(when.clone()))?;
    let district_code = if district.is_empty() {
        find_district(&address, &ctx.districts)
    } else {
        Some(
            find_district(&district, &ctx.districts)
                .ok_or_else(|| RowError::District(district.clone()))?,
        )
    }
    .map(str::to_string);
    Ok(StreetlightRow {
        report_number,
        district_code,
        address: (!address.is_empty()).then_some(address),
        description,
        local_date: yyyymmdd(date),
        requested_at: to_unix(date, time, ctx.utc_offset_minutes),
    })
}

fn digits(text: &str) -> Option<Vec<u8>> {
    let d: Vec<u8> = text.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    d.iter().all(|x| *x <= 9).then_some(d)
}

fn date_from(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `YYYYMMDD` (also `YYYY-MM-DD` and `YYYY/MM/DD`).
pub fn parse_yyyymmdd(text: &str) -> Option<Date> {
    let compact: String = text.chars().filter(|c| !matches!(c, '-' | '/')).collect();
    let d = digits(&compact)?;
    if d.len() != 8 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |a, x| a * 10 + u32::from(*x));
    date_from(n(0..4) as i32, n(4..6) as u8, n(6..8) as u8)
}

/// `hhmmss` (also `hh:mm:ss`, `hhmm` and `hh:mm`).
pub fn parse_hhmmss(text: &str) -> Option<Time> {
    let compact: String = text.chars().filter(|c| *c != ':').collect();
    let d = digits(&compact)?;
    let n = |i: usize| d[i] * 10 + d[i + 1];
    match d.len() {
        6 => Time::from_hms(n(0), n(2), n(4)).ok(),
        4 => Time::from_hms(n(0), n(2), 0).ok(),
        _ => None,
    }
}

/// An ISO 8601 local date-time without a zone: `2024-01-01T11:17:00`, a space for the `T`,
/// seconds optional.
pub fn parse_iso_local(text: &str) -> Option<(Date, Time)> {
    let (date, time) = text.split_once(['T', ' '])?;
    let date = date.trim();
    if date.len() != 10 {
        return None;
    }
    Some((parse_yyyymmdd(date)?, parse_hhmmss(time.trim())?))
}

fn yyyymmdd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn to_unix(date: Date, time: Time, offset_minutes: i32) -> i64 {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    PrimitiveDateTime::new(date, time)
        .assume_offset(offset)
        .unix_timestamp()
}

#[cfg(test)]
mod tests;
