//! What the public may see of a case: the one place where a case, its public history and its
//! answers are made fit for a public surface (Open311 JSON and XML, the update feed, case
//! tracking). Public outputs are built from the types here only, and these types hold nothing
//! that has not passed through this module:
//!
//! - free text (description, status notes, public notes, answers) through
//!   [`text::redact_personal_data`], the one redaction function;
//! - the address through [`text::mask_house_number`], then the same redaction;
//! - the point snapped to the jurisdiction's [`PublicGrid`] (about 100 m);
//! - answers to questions marked personal in the catalogue (a licence plate, how to reach the
//!   reporter) left out whole, as are answers to questions the catalogue no longer knows;
//! - the reporter, the address id and every internal field never copied at all.
//!
//! Staff read cases through other types; nothing here is used for them.

use crate::catalog_cache::CatalogSnapshot;
use crate::store::cases::CaseView;
use crate::store::events::Event;
use domain::category::{AttributeAnswer, AttributeDef, Datatype};
use domain::geo::{Point, PublicGrid};

/// A case as the public sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicCase {
    pub case_number: String,
    pub category_code: String,
    pub category_name_zh: Option<String>,
    pub category_name_en: Option<String>,
    /// The workflow status (see `crate::domain::lifecycle::CaseStatus`).
    pub status: String,
    pub outcome: Option<String>,
    pub urgency: String,
    pub department_name_zh: Option<String>,
    pub department_name_en: Option<String>,
    pub channel: String,
    pub description: String,
    /// Without its house number and floor.
    pub address: Option<String>,
    pub zipcode: Option<String>,
    pub district_code: Option<String>,
    /// The centre of the grid cell that holds the case's point.
    pub point: Option<Point>,
    /// Answers that may be published, in the order given.
    pub answers: Vec<AttributeAnswer>,
    pub media_urls: Vec<String>,
    pub status_notes: Option<String>,
    pub requested_at: i64,
    pub updated_at: i64,
    pub expected_at: Option<i64>,
    /// The public history, oldest first; empty unless it was asked for.
    pub notes: Vec<PublicNote>,
}

/// One public event of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicNote {
    pub id: String,
    pub kind: String,
    pub to_status: Option<String>,
    /// What the department wrote for the public, redacted.
    pub note: Option<String>,
    pub created_at: i64,
}

/// The one redaction of free text for the public.
pub fn public_text(text: &str) -> String {
    text::redact_personal_data(text)
}

/// What a case's reporters told us about themselves (names, e-mail, phone, device and client
/// ids, as `crate::store::reporters::identifiers` reads them): masked wherever it turns up in the
/// case's public text, as when a citizen writes "我是王小明" or a note names the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known(Vec<String>);

impl Known {
    /// Values shorter than two characters are left out: a one-character surname alone is
    /// not a name, and masking it would eat every occurrence of the character.
    pub fn new(values: Vec<String>) -> Known {
        let mut values: Vec<String> = values
            .into_iter()
            .map(|v| text::to_halfwidth(v.trim()).to_ascii_lowercase())
            .filter(|v| v.chars().count() >= 2)
            .collect();
        // Longest first, so a full name is masked whole before a part of it.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Known(values)
    }

    /// [`public_text`], then every known value masked (ASCII letters in any case).
    pub fn public_text(&self, text: &str) -> String {
        let mut out = public_text(text);
        for value in &self.0 {
            out = mask_all(&out, value);
        }
        out
    }
}

/// `text` with every occurrence of `value` (already half-width and ASCII lower case) masked.
fn mask_all(text: &str, value: &str) -> String {
    // ASCII lower-casing keeps every byte offset, so matches map back onto `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (at, found) in lower.match_indices(value) {
        if at < from {
            continue;
        }
        out.push_str(&text[from..at]);
        out.push_str(MASK);
        from = at + found.len();
    }
    out.push_str(&text[from..]);
    out
}

/// What [`Known`] writes in place of a value, as redaction does.
const MASK: &str = "＊＊＊";

/// An address for the public: no house number or floor, nothing else personal.
pub fn public_address(address: &str) -> String {
    public_text(&text::mask_house_number(address))
}

/// The grid a jurisdiction's points are published on, `cell_m` metres a side.
pub fn public_grid(snapshot: &CatalogSnapshot, cell_m: f64) -> PublicGrid {
    let reference_lat = snapshot
        .jurisdiction
        .bounds
        .map_or(0.0, |b| (b.min_lat + b.max_lat) / 2.0);
    PublicGrid::new(cell_m, reference_lat)
}

impl PublicNote {
    pub fn from_event(e: &Event, known: &Known) -> PublicNote {
        let e = &e.event;
        PublicNote {
            id: e.id.clone(),
            kind: e.kind.clone(),
            to_status: e.to_status.clone(),
            note: e.note.as_deref().map(|n| known.public_text(n)),
            created_at: e.created_at,
        }
    }
}

impl PublicCase {
    /// The public view of `case` (with its public `events`, if loaded), by the rules of the
    /// module documentation. `grid` is [`public_grid`] of the case's jurisdiction.
    pub fn new(
        case: &CaseView,
        events: &[Event],
        known: &Known,
        snapshot: &CatalogSnapshot,
        grid: PublicGrid,
    ) -> PublicCase {
        let questions = snapshot
            .questions
            .get(&case.category_code)
            .map_or(&[][..], Vec::as_slice);
        let answers: Vec<AttributeAnswer> =
            serde_json::from_str(&case.attributes).unwrap_or_default();
        PublicCase {
            case_number: case.case_number.clone(),
            category_code: case.category_code.clone(),
            category_name_zh: case.category_name_zh.clone(),
            category_name_en: case.category_name_en.clone(),
            status: case.status.clone(),
            outcome: case.outcome.clone(),
            urgency: case.urgency.clone(),
            department_name_zh: case.department_name_zh.clone(),
            department_name_en: case.department_name_en.clone(),
            channel: case.channel.clone(),
            description: known.public_text(&case.description),
            address: case.address.as_deref().map(public_address),
            zipcode: case.zipcode.clone(),
            district_code: case.district_code.clone(),
            point: case
                .lat
                .zip(case.lon)
                .map(|(lat, lon)| grid.snap(Point { lat, lon })),
            answers: public_answers(&answers, questions, known),
            media_urls: serde_json::from_str(&case.media_urls).unwrap_or_default(),
            status_notes: case.status_notes.as_deref().map(|n| known.public_text(n)),
            requested_at: case.requested_at,
            updated_at: case.updated_at,
            expected_at: case.expected_at,
            notes: events
                .iter()
                .map(|e| PublicNote::from_event(e, known))
                .collect(),
        }
    }
}

/// The answers that may be published: those to questions the catalogue knows and does not
/// mark personal. A list answer is one of the catalogue's own keys and is kept as it is; any
/// other answer is typed by the reporter and is redacted (a phone number fits in a `number`).
pub fn public_answers(
    answers: &[AttributeAnswer],
    questions: &[AttributeDef],
    known: &Known,
) -> Vec<AttributeAnswer> {
    answers
        .iter()
        .filter_map(|a| {
            let q = questions.iter().find(|q| q.code == a.code)?;
            if q.personal {
                return None;
            }
            let values = match q.datatype {
                Datatype::SingleValueList | Datatype::MultiValueList => a
                    .values
                    .iter()
                    .filter(|v| q.values.iter().any(|allowed| &allowed.key == *v))
                    .cloned()
                    .collect(),
                Datatype::String | Datatype::Text | Datatype::Number | Datatype::Datetime => {
                    a.values.iter().map(|v| known.public_text(v)).collect()
                }
            };
            Some(AttributeAnswer {
                code: a.code.clone(),
                values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Localized;
    use domain::category::AttributeValue;

    fn question(code: &str, datatype: Datatype, personal: bool) -> AttributeDef {
        AttributeDef {
            code: code.into(),
            datatype,
            required: false,
            variable: true,
            order: 1,
            description: Localized::new(code, code),
            datatype_description: Localized::default(),
            values: vec![AttributeValue {
                key: "large".into(),
                name: Localized::new("大", "Large"),
            }],
            personal,
        }
    }

    fn answer(code: &str, value: &str) -> AttributeAnswer {
        AttributeAnswer {
            code: code.into(),
            values: vec![value.into()],
        }
    }

    /// F1: answers were published as typed.
    #[test]
    fn personal_answers_are_left_out_and_the_rest_redacted() {
        let questions = [
            question("plate", Datatype::String, true),
            question("items", Datatype::Text, false),
            question("count", Datatype::Number, false),
            question("size", Datatype::SingleValueList, false),
        ];
        let answers = [
            answer("plate", "ABC-1234"),
            answer(
                "items",
                "沙發 請聯絡 0912-345-678 或 A123456789 wang@example.com",
            ),
            answer("count", "0912345678"),
            answer("size", "large"),
            answer("removed_question", "0912-345-678"),
        ];
        let shown = public_answers(&answers, &questions, &Known::default());
        let codes: Vec<&str> = shown.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["items", "count", "size"]);
        let all = format!("{shown:?}");
        for secret in ["ABC-1234", "0912", "A123456789", "wang@"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        assert_eq!(shown[2].values, ["large"]);
        assert!(shown[0].values[0].starts_with("沙發 請聯絡 "));
    }

    /// What the reporter gave is masked in their case's text; one character alone is not.
    #[test]
    fn what_the_reporter_gave_is_masked_in_their_own_text() {
        let known = Known::new(vec![
            "秘密".into(),
            "鄭".into(),
            "鄭秘密".into(),
            "Wang.Secret@Example.com".into(),
            "fms-user-7".into(),
        ]);
        assert_eq!(
            known.public_text("我是鄭秘密，鄭先生的鄰居"),
            "我是＊＊＊，鄭先生的鄰居"
        );
        assert_eq!(
            known.public_text("user FMS-USER-7 wrote"),
            "user ＊＊＊ wrote"
        );
        assert_eq!(known.public_text("路燈不亮"), "路燈不亮");
    }
}
