//! The redactor over citizens' own words: a sample of Taipei's 2024 street-light complaints
//! (`data/streetlight_sample.csv`, see `data/NOTICE.md`), with the personal data they held
//! replaced by fictitious numbers and plates of the same shape.
//!
//! It must mask those, and leave what a complaint is about alone: lamp numbers, lanes and
//! alleys, case numbers, dates and times. The report test prints how much text was changed and
//! how fast the redactor is; point `CIVICDESK_STREETLIGHT_CSV` at the whole published file
//! (decompressed) to measure all 20,667 rows:
//!
//! ```sh
//! cargo test -p civicdesk-text --release --test streetlight_sample -- --ignored --nocapture
//! ```

use std::time::Instant;

use civicdesk_text as text;
use regex::Regex;

const SAMPLE: &str = include_str!("data/streetlight_sample.csv");

/// One complaint: the reported place (`查報地點`) and the citizen's text (`故障情形`).
struct Complaint {
    place: String,
    text: String,
}

/// Reads the published CSV layout (`查報序號,行政區,查報地點,故障情形,查報日期`): quoted fields
/// may hold commas, doubled quotes and line breaks.
fn complaints(csv: &str) -> Vec<Complaint> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = csv.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.into_iter()
        .skip(1)
        .filter(|r| r.len() == 5)
        .map(|r| Complaint {
            place: r[2].clone(),
            text: r[3].clone(),
        })
        .collect()
}

fn masks(text: &str) -> usize {
    text.matches("＊＊＊").count() + text.matches('○').count()
}

/// The numbers a complaint is about, which must survive redaction: lamp numbers after 編號 /
/// 燈號 / 桿號, lane and alley numbers, 13-digit case numbers.
fn ordinary_numbers(text: &str) -> Vec<String> {
    let patterns = [
        r"(?:編號|燈號|桿號)[:：\s]*[0-9]{3,8}",
        r"[0-9]+[巷弄]",
        r"(?:^|[^0-9])(20[0-9]{11})(?:$|[^0-9])",
    ];
    let half = text::to_halfwidth(text);
    patterns
        .iter()
        .flat_map(|p| {
            let re = Regex::new(p).unwrap();
            re.captures_iter(&half)
                .map(|c| {
                    c.get(1)
                        .unwrap_or_else(|| c.get(0).unwrap())
                        .as_str()
                        .to_string()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// F4, F5: the fictitious contact details planted in the sample are all masked, and no lamp
/// number, lane, alley or case number is eaten.
#[test]
fn masks_contact_details_and_keeps_what_complaints_are_about() {
    let rows = complaints(SAMPLE);
    assert!(rows.len() > 400, "the sample has {} rows", rows.len());
    let planted = Regex::new(r"0912[- ]?000[- ]?1[0-9]{2}|2700000[0-9]|AB[A-J]?-100[0-9]").unwrap();
    let mut kept = 0;
    for row in &rows {
        let out = text::redact_personal_data(&row.text);
        assert!(
            !planted.is_match(&out),
            "contact details survived: {:?} → {out:?}",
            row.text
        );
        for number in ordinary_numbers(&row.text) {
            assert!(
                out.contains(&number),
                "{number:?} was eaten: {:?} → {out:?}",
                row.text
            );
            kept += 1;
        }
    }
    assert!(kept > 100, "only {kept} ordinary numbers in the sample");
}

/// Prints the fraction of complaints (and reported places) the redactor changes and its speed
/// in nanoseconds per description.
#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn report_how_much_is_masked_and_how_fast() {
    let owned;
    let csv = match std::env::var("CIVICDESK_STREETLIGHT_CSV") {
        Ok(path) => {
            owned = std::fs::read_to_string(&path).unwrap();
            owned.as_str()
        }
        Err(_) => SAMPLE,
    };
    let rows = complaints(csv);
    let changed = rows
        .iter()
        .filter(|r| masks(&text::redact_personal_data(&r.text)) > masks(&r.text))
        .count();
    let places_changed = rows
        .iter()
        .filter(|r| masks(&text::mask_house_number(&r.place)) > masks(&r.place))
        .count();
    let total_masks: usize = rows
        .iter()
        .map(|r| masks(&text::redact_personal_data(&r.text)).saturating_sub(masks(&r.text)))
        .sum();
    let rounds = (200_000 / rows.len()).max(1);
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        for row in &rows {
            bytes +=
                std::hint::black_box(text::redact_personal_data(std::hint::black_box(&row.text)))
                    .len();
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / (rounds * rows.len()) as f64;
    let start = Instant::now();
    for _ in 0..rounds {
        for row in &rows {
            bytes +=
                std::hint::black_box(text::mask_house_number(std::hint::black_box(&row.place)))
                    .len();
        }
    }
    let ns_place = start.elapsed().as_nanos() as f64 / (rounds * rows.len()) as f64;
    println!(
        "{} complaints: {changed} changed ({:.2} %), {total_masks} masks; {places_changed} places \
         changed ({:.2} %); redact_personal_data {ns:.0} ns per description, mask_house_number \
         {ns_place:.0} ns per place ({bytes} bytes out)",
        rows.len(),
        100.0 * changed as f64 / rows.len() as f64,
        100.0 * places_changed as f64 / rows.len() as f64,
    );
}
