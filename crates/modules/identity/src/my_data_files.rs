//! The files of a citizen's "my data" download, shared by its page and its API: the JSON of
//! everything, one CSV per set (UTF-8 with a byte-order mark, so spreadsheet programs read the
//! Chinese) and the ZIP that holds them, headed in the citizen's language.

use crate::accounts::{ACCESS_COLUMNS, MyData};
use domain::Locale;
use platform::ServiceError;
use platform::personal_data::{Column, DataSet};

/// A cell as a person reads it: codes named by their column's messages (a column may hold
/// several, separated by spaces), `true`/`false` as yes and no, times as `YYYY-MM-DD HH:MM` in
/// the jurisdiction's time; anything else as it is.
pub fn cell(locale: Locale, column: &Column, value: &str) -> String {
    let word = |prefix: &str, code: &str| {
        let id = format!("{prefix}{}", code.replace(['.', ':'], "-"));
        if webkit::i18n::has(locale, &id) {
            webkit::i18n::tr(locale, &id, &[])
        } else {
            code.to_string()
        }
    };
    match column.words {
        Some(prefix) if !value.is_empty() => {
            let sep = if locale == Locale::En { ", " } else { "、" };
            value
                .split(' ')
                .map(|code| word(prefix, code))
                .collect::<Vec<_>>()
                .join(sep)
        }
        _ if value == "true" || value == "false" => word("data-", value),
        _ => readable_time(value).unwrap_or_else(|| value.to_string()),
    }
}

/// `2026-12-07T08:47:18+08:00` as `2026-12-07 08:47`; `None` for anything else.
fn readable_time(value: &str) -> Option<String> {
    let b = value.as_bytes();
    let looks = b.len() == 25
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && (b[19] == b'+' || b[19] == b'-');
    looks.then(|| format!("{} {}", &value[..10], &value[11..16]))
}

/// What an audit action is, in words (the action itself when it has none).
pub fn action_words(locale: Locale, action: &str) -> String {
    let id = format!("access-{}", action.replace(['.', '_'], "-"));
    if webkit::i18n::has(locale, &id) {
        webkit::i18n::tr(locale, &id, &[])
    } else {
        action.to_string()
    }
}

/// A set's rows as JSON objects keyed by its columns.
fn set_json(s: &DataSet) -> serde_json::Value {
    serde_json::Value::Array(
        s.rows
            .iter()
            .map(|row| {
                serde_json::Value::Object(
                    s.columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| (c.key.to_string(), serde_json::Value::from(v.clone())))
                        .collect(),
                )
            })
            .collect(),
    )
}

/// Everything, as one JSON document: each set under its key, and the reads.
pub fn data_json(data: &MyData, now: i64) -> serde_json::Value {
    let sets: serde_json::Map<String, serde_json::Value> = data
        .sets
        .iter()
        .map(|s| (s.key.to_string(), set_json(s)))
        .collect();
    let reads: Vec<serde_json::Value> = data
        .access
        .iter()
        .map(|a| {
            serde_json::json!({
                "at": data.subject.when(Some(a.at)),
                "staff": a.staff_name,
                "action": a.action,
                "reason": a.reason,
            })
        })
        .collect();
    serde_json::json!({
        "account_id": data.subject.account_id,
        "generated_at": data.subject.when(Some(now)),
        "data": sets,
        "read_by_staff": reads,
    })
}

/// A cell a spreadsheet program will not run: text starting with what starts a formula
/// (`= + - @`, a tab or a carriage return, or their full-width forms) is written after an
/// apostrophe, which spreadsheets show as text. Someone else's words reach these files (a
/// mandate's name, a note), so nothing in them may become a formula on the citizen's computer.
fn inert(cell: String) -> String {
    const STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];
    if cell.starts_with(STARTS) {
        format!("'{cell}")
    } else {
        cell
    }
}

fn csv_of(
    header: Vec<String>,
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, ServiceError> {
    let internal = |e: csv::Error| ServiceError::Internal(e.to_string());
    // A byte-order mark: spreadsheet programs then read the file as UTF-8.
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(&header).map_err(internal)?;
    for row in rows {
        w.write_record(row.into_iter().map(inert))
            .map_err(internal)?;
    }
    w.into_inner()
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// The download: `README.txt`, `data.json`, one `<set>.csv` per set and `read-by-staff.csv`,
/// headed in the citizen's language.
pub fn archive(data: &MyData, locale: Locale, now: i64) -> Result<Vec<u8>, ServiceError> {
    let internal = |e: platform::zip::ZipError| ServiceError::Internal(e.to_string());
    let local = now + i64::from(data.subject.utc_offset_minutes) * 60;
    let mut zip = platform::zip::ZipWriter::new(local);
    let t = |id: &str| webkit::i18n::tr(locale, id, &[]);
    zip.add("README.txt", t("my-data-readme").as_bytes())
        .map_err(internal)?;
    let json = serde_json::to_vec_pretty(&data_json(data, now))
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    zip.add("data.json", &json).map_err(internal)?;
    for s in &data.sets {
        let header = s.columns.iter().map(|c| t(c.label)).collect();
        let rows = s.rows.iter().map(|row| {
            s.columns
                .iter()
                .zip(row)
                .map(|(c, v)| cell(locale, c, v))
                .collect()
        });
        let csv = csv_of(header, rows)?;
        zip.add(&format!("{}.csv", s.key), &csv).map_err(internal)?;
    }
    let header = ACCESS_COLUMNS.iter().map(|c| t(c.label)).collect();
    let reads = data.access.iter().map(|a| {
        vec![
            data.subject.when(Some(a.at)),
            a.staff_name.clone(),
            action_words(locale, &a.action),
            a.reason.clone().unwrap_or_default(),
        ]
    });
    zip.add("read-by-staff.csv", &csv_of(header, reads)?)
        .map_err(internal)?;
    zip.finish().map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_words() {
        webkit::i18n::install(&platform::module::locale_sources(&[&crate::MODULE]))
            .expect("messages");
        let plain = Column::new("x", "x");
        assert_eq!(
            cell(Locale::En, &plain, "2026-12-07T08:47:18+08:00"),
            "2026-12-07 08:47"
        );
        assert_eq!(cell(Locale::En, &plain, "true"), "Yes");
        assert_eq!(cell(Locale::ZhTw, &plain, "false"), "否");
        assert_eq!(cell(Locale::En, &plain, "路燈"), "路燈");
        let data = Column::coded("data", "x", "data-category-");
        assert_eq!(
            cell(Locale::En, &data, "address contact"),
            "Address, Contact details (phone, e-mail)"
        );
        assert_eq!(
            cell(Locale::ZhTw, &data, "address unknown"),
            "地址、unknown"
        );
        assert_eq!(
            inert("=HYPERLINK(\"https://evil/\")".into()),
            "'=HYPERLINK(\"https://evil/\")"
        );
        assert_eq!(inert("+886912345678".into()), "'+886912345678");
        assert_eq!(inert("＝1+1".into()), "'＝1+1");
        assert_eq!(inert("路燈不亮".into()), "路燈不亮");
        let to = Column::coded("recipient", "x", "recipient-");
        assert_eq!(
            cell(Locale::En, &to, "module:identity"),
            "The city's accounts and identity service"
        );
    }
}
