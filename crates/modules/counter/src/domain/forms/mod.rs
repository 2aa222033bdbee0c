//! Forms as data. A service's form is a list of fields, each with a type (text, number, date
//! shown in ROC years, choice, address, a national ID or resident certificate number checked by
//! its check digit, a file), whether it is required, when it applies (after an earlier choice),
//! what of the applicant's verified identity fills it, and its help in both languages; with the
//! PDPA notice the applicant consents to. A form is versioned: an application keeps the version
//! it was filed under.
//!
//! [`validate`] is the one place answers are checked, for drafts (types only) and for
//! submission (required fields too).

use domain::Message;
use domain::enums::string_enum;
use domain::identity::PersonalId;
use domain::locale::Localized;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

use super::catalogue::Text;

/// The most fields a form may have.
pub const MAX_FIELDS: usize = 40;
/// The most options of a choice.
pub const MAX_OPTIONS: usize = 30;
/// The longest text answer unless the field says less.
pub const MAX_TEXT: usize = 500;
/// The longest label or help.
pub const MAX_LABEL: usize = 500;
/// The longest PDPA notice.
pub const MAX_NOTICE: usize = 4_000;

string_enum! {
    /// A field's type. The i18n id is `counter-field-kind-<text>`.
    FieldKind {
        Text = "text",
        Number = "number",
        Date = "date",
        Choice = "choice",
        Address = "address",
        IdNumber = "id_number",
        File = "file",
    }
}

string_enum! {
    /// What of the applicant's verified identity fills a field.
    Prefill {
        Name = "name",
        NationalId = "national_id",
        Mobile = "mobile",
        Email = "email",
    }
}

string_enum! {
    /// The kinds of document an upload may be, by its content (never its name).
    DocumentKind {
        Pdf = "pdf",
        Jpg = "jpg",
        Png = "png",
    }
}

/// One option of a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: Localized,
}

/// A field applies only when an earlier choice has a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub field: String,
    pub equals: String,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub kind: FieldKind,
    pub label: Localized,
    #[serde(default)]
    pub help: Option<Localized>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub prefill: Option<Prefill>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub options: Vec<Choice>,
    #[serde(default)]
    pub when: Option<When>,
    #[serde(default)]
    pub accept: Vec<DocumentKind>,
}

/// A form: its fields and the PDPA notice, at a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub key: String,
    pub pdpa_notice: Localized,
    pub fields: Vec<Field>,
}

/// What is wrong with a form definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the form has no fields or more than 40")]
    FieldCount,
    #[error("field {0}: the key must be 1-40 of a-z, 0-9 and _, and unique")]
    Key(String),
    #[error("field {0}: a label needs Chinese, and at most 500 characters")]
    Label(String),
    #[error("field {0}: only a choice has options, and a choice has 1 to 30 distinct ones")]
    Options(String),
    #[error("field {0}: `when` must name an earlier choice and one of its values")]
    When(String),
    #[error("field {0}: min, max and max_length belong to numbers and texts, with min <= max")]
    Bounds(String),
    #[error("field {0}: accept belongs to a file")]
    Accept(String),
    #[error("the PDPA notice needs Chinese, and at most 4,000 characters")]
    Notice,
}

/// A form as the catalogue file writes it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FormEntry {
    pub key: String,
    pdpa_notice: Text,
    #[serde(default)]
    fields: Vec<FieldEntry>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldEntry {
    key: String,
    kind: FieldKind,
    label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    help: Option<Text>,
    #[serde(default, skip_serializing_if = "is_false")]
    required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefill: Option<Prefill>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    when: Option<When>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    accept: Vec<DocumentKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    options: Vec<ChoiceEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceEntry {
    value: String,
    label: Text,
}

impl From<&Form> for FormEntry {
    fn from(f: &Form) -> FormEntry {
        FormEntry {
            key: f.key.clone(),
            pdpa_notice: Text::from(&f.pdpa_notice),
            fields: f
                .fields
                .iter()
                .map(|x| FieldEntry {
                    key: x.key.clone(),
                    kind: x.kind,
                    label: Text::from(&x.label),
                    help: x.help.as_ref().map(Text::from),
                    required: x.required,
                    prefill: x.prefill,
                    max_length: x.max_length,
                    min: x.min,
                    max: x.max,
                    when: x.when.clone(),
                    accept: x.accept.clone(),
                    options: x
                        .options
                        .iter()
                        .map(|o| ChoiceEntry {
                            value: o.value.clone(),
                            label: Text::from(&o.label),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl Form {
    /// The form as an administrator edits it: TOML, in the catalogue file's shape (`key`,
    /// `pdpa_notice`, `[[fields]]`).
    pub fn to_toml(&self) -> String {
        toml::to_string(&FormEntry::from(self)).unwrap_or_default()
    }

    /// A form from an administrator's TOML, checked. The error names the line or the rule.
    pub fn from_toml(text: &str) -> Result<Form, String> {
        let entry: FormEntry = toml::from_str(text).map_err(|e| e.to_string())?;
        entry.into_form().map_err(|e| e.to_string())
    }
}

impl FormEntry {
    pub(crate) fn into_form(self) -> Result<Form, FormError> {
        let form = Form {
            key: self.key,
            pdpa_notice: self.pdpa_notice.localized(),
            fields: self
                .fields
                .into_iter()
                .map(|f| Field {
                    key: f.key,
                    kind: f.kind,
                    label: f.label.localized(),
                    help: f.help.map(Text::localized),
                    required: f.required,
                    prefill: f.prefill,
                    max_length: f.max_length,
                    min: f.min,
                    max: f.max,
                    options: f
                        .options
                        .into_iter()
                        .map(|c| Choice {
                            value: c.value,
                            label: c.label.localized(),
                        })
                        .collect(),
                    when: f.when,
                    accept: f.accept,
                })
                .collect(),
        };
        form.check()?;
        Ok(form)
    }
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn fits(text: &Localized, max: usize) -> bool {
    !text.zh.trim().is_empty() && text.zh.chars().count() <= max && text.en.chars().count() <= max
}

impl Form {
    /// The rules of a definition (also what an admin's edit must pass).
    pub fn check(&self) -> Result<(), FormError> {
        if self.fields.is_empty() || self.fields.len() > MAX_FIELDS {
            return Err(FormError::FieldCount);
        }
        if !fits(&self.pdpa_notice, MAX_NOTICE) {
            return Err(FormError::Notice);
        }
        let mut keys = HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let name = || f.key.clone();
            if !valid_key(&f.key) || !keys.insert(f.key.as_str()) {
                return Err(FormError::Key(name()));
            }
            if !fits(&f.label, MAX_LABEL) || f.help.as_ref().is_some_and(|h| !fits(h, MAX_LABEL)) {
                return Err(FormError::Label(name()));
            }
            let is_choice = f.kind == FieldKind::Choice;
            let distinct: HashSet<&str> = f.options.iter().map(|o| o.value.as_str()).collect();
            if is_choice == f.options.is_empty()
                || f.options.len() > MAX_OPTIONS
                || distinct.len() != f.options.len()
                || f.options
                    .iter()
                    .any(|o| !valid_key(&o.value) || !fits(&o.label, MAX_LABEL))
            {
                return Err(FormError::Options(name()));
            }
            let numeric = f.kind == FieldKind::Number;
            let textual = matches!(f.kind, FieldKind::Text | FieldKind::Address);
            if (!numeric && (f.min.is_some() || f.max.is_some()))
                || (!textual && f.max_length.is_some())
                || f.min.zip(f.max).is_some_and(|(a, b)| a > b)
                || f.max_length
                    .is_some_and(|m| m == 0 || m as usize > MAX_TEXT)
            {
                return Err(FormError::Bounds(name()));
            }
            if f.kind != FieldKind::File && !f.accept.is_empty() {
                return Err(FormError::Accept(name()));
            }
            if let Some(w) = &f.when {
                let earlier = self.fields[..i].iter().find(|e| e.key == w.field);
                if !earlier.is_some_and(|e| {
                    e.kind == FieldKind::Choice && e.options.iter().any(|o| o.value == w.equals)
                }) {
                    return Err(FormError::When(name()));
                }
            }
        }
        Ok(())
    }

    /// Whether the form asks how many copies (a required number field `copies`, at least 1).
    pub fn asks_copies(&self) -> bool {
        self.fields.iter().any(|f| {
            f.key == "copies"
                && f.kind == FieldKind::Number
                && f.required
                && f.min.unwrap_or(0) >= 1
        })
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether a field applies, given the answers so far.
    pub fn applies(&self, field: &Field, answers: &BTreeMap<String, String>) -> bool {
        match &field.when {
            None => true,
            Some(w) => answers.get(&w.field).is_some_and(|v| v == &w.equals),
        }
    }
}

/// How strictly [`validate`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// A draft: what is given must have the right type; nothing is required yet.
    Draft,
    /// A submission: every required field that applies is answered too.
    Submit,
}

/// A field's problem, for the error summary and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Message,
}

fn problem(field: &Field, id: &'static str) -> FieldError {
    FieldError {
        field: field.key.clone(),
        message: Message::new(id).arg("field", field.label.zh.clone()),
    }
}

/// Checks answers against a form and returns them cleaned (trimmed; ID numbers upper case;
/// dates as `YYYY-MM-DD`; answers to fields that do not apply dropped). `input` holds every
/// answer as text; a file's answer is the stored upload's id, which the caller has checked.
/// A key the form does not have is refused (`counter-error-field-unknown`): a forged field.
pub fn validate(
    form: &Form,
    input: &BTreeMap<String, String>,
    strictness: Strictness,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    for key in input.keys() {
        if form.field(key).is_none() {
            errors.push(FieldError {
                field: key.clone(),
                message: Message::new("counter-error-field-unknown"),
            });
        }
    }
    let mut clean = BTreeMap::new();
    for f in &form.fields {
        // A draft keeps what was typed into a field that does not apply now (the person may
        // choose again); a submission drops it.
        let applies = form.applies(f, &clean);
        if !applies && strictness == Strictness::Submit {
            continue;
        }
        let raw = input.get(&f.key).map(|v| v.trim()).unwrap_or("");
        if raw.is_empty() {
            if applies && f.required && strictness == Strictness::Submit {
                errors.push(problem(f, "counter-error-field-required"));
            }
            continue;
        }
        match check_value(f, raw) {
            Ok(v) => {
                clean.insert(f.key.clone(), v);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn check_value(f: &Field, raw: &str) -> Result<String, FieldError> {
    if raw
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(problem(f, "counter-error-field-characters"));
    }
    match f.kind {
        FieldKind::Text | FieldKind::Address => {
            let max = f.max_length.map_or(MAX_TEXT, |m| m as usize);
            if raw.chars().count() > max {
                return Err(FieldError {
                    field: f.key.clone(),
                    message: Message::new("counter-error-field-too-long")
                        .arg("field", f.label.zh.clone())
                        .arg("max", max.to_string()),
                });
            }
            Ok(raw.to_string())
        }
        FieldKind::Number => {
            let n: i64 = domain::width::to_half_width(raw)
                .parse()
                .map_err(|_| problem(f, "counter-error-field-number"))?;
            if f.min.is_some_and(|m| n < m) || f.max.is_some_and(|m| n > m) {
                return Err(FieldError {
                    field: f.key.clone(),
                    message: Message::new("counter-error-field-range")
                        .arg("field", f.label.zh.clone())
                        .arg("min", f.min.map_or_else(String::new, |m| m.to_string()))
                        .arg("max", f.max.map_or_else(String::new, |m| m.to_string())),
                });
            }
            Ok(n.to_string())
        }
        FieldKind::Date => parse_date(raw)
            .map(|d| d.to_string())
            .ok_or_else(|| problem(f, "counter-error-field-date")),
        FieldKind::Choice => {
            if f.options.iter().any(|o| o.value == raw) {
                Ok(raw.to_string())
            } else {
                Err(problem(f, "counter-error-field-choice"))
            }
        }
        FieldKind::IdNumber => PersonalId::parse(raw)
            .map(|id| id.as_str().to_string())
            .map_err(|m| FieldError {
                field: f.key.clone(),
                message: m,
            }),
        FieldKind::File => {
            // The upload's id, as the app stored it: a UUID.
            if raw.len() == 36 && raw.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
                Ok(raw.to_string())
            } else {
                Err(problem(f, "counter-error-field-file"))
            }
        }
    }
}

/// A date as people in Taiwan write it: ISO (`2026-12-07`), or ROC years (`115/12/07`,
/// `115-12-07`, `民國115年12月7日`), full-width digits accepted. Returned as ISO.
pub fn parse_date(raw: &str) -> Option<time::Date> {
    let text = domain::width::to_half_width(raw.trim());
    let text = text.trim_start_matches("民國");
    let parts: Vec<&str> = text
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    // Three digits or fewer: a ROC year (民國1年 is 1912).
    let year = if y < 1000 { y + 1911 } else { y };
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(year, month, d).ok()?;
    (1900..=2200).contains(&date.year()).then_some(date)
}

/// A date in ROC years for zh-TW (`民國115年12月7日`), ISO-like for English (`7 Dec 2026`).
pub fn display_date(iso: &str, locale: domain::Locale) -> String {
    let Some(d) = parse_date(iso) else {
        return iso.to_string();
    };
    match locale {
        domain::Locale::ZhTw => format!(
            "民國{}年{}月{}日",
            d.year() - 1911,
            u8::from(d.month()),
            d.day()
        ),
        domain::Locale::En => format!("{} {} {}", d.day(), &d.month().to_string()[..3], d.year()),
    }
}

/// What an upload is, by its first bytes: a PDF, a JPEG or a PNG; anything else is not a
/// document (an executable renamed `.pdf` is refused).
pub fn sniff(bytes: &[u8]) -> Option<DocumentKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(DocumentKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(DocumentKind::Jpg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(DocumentKind::Png)
    } else {
        None
    }
}

/// Whether a field accepts a document kind (a file field that names none accepts all three).
pub fn accepts(field: &Field, kind: DocumentKind) -> bool {
    field.accept.is_empty() || field.accept.contains(&kind)
}

#[cfg(test)]
mod tests;
