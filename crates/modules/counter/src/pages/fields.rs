//! A form's fields as a page shows them (label, hint, the answer, the error, the choices), and
//! reading the posted form: text answers and uploaded files from one multipart body, so an
//! applicant fills in and attaches on one page without JavaScript.

use crate::app::Document;
use crate::domain::forms::{self, FieldKind, Form};
use axum::extract::Multipart;
use domain::Locale;
use std::collections::BTreeMap;
use webkit::page::forms::Errors;

/// One choice of a choice field.
pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A field as the page renders it.
pub struct FieldView {
    pub key: String,
    /// The input's id (`f-<key>`), which the error summary links to.
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub hint: String,
    pub required: bool,
    pub value: String,
    /// A date's answer as read back in the page's calendar (民國 years on Chinese pages).
    pub shown: String,
    pub choices: Vec<ChoiceView>,
    /// When the field applies, in words ("only if: …").
    pub when: String,
    /// For a file: the document already attached.
    pub document: Option<Document>,
    pub accept: String,
    pub max_length: Option<u32>,
}

/// The fields of `form` with `answers`, in the page's language.
pub fn views(
    form: &Form,
    answers: &BTreeMap<String, String>,
    documents: &[Document],
    locale: Locale,
) -> Vec<FieldView> {
    form.fields
        .iter()
        .map(|f| {
            let value = answers.get(&f.key).cloned().unwrap_or_default();
            let when = f
                .when
                .as_ref()
                .and_then(|w| {
                    let on = form.field(&w.field)?;
                    let choice = on.options.iter().find(|o| o.value == w.equals)?;
                    Some(format!(
                        "{} = {}",
                        on.label.get(locale),
                        choice.label.get(locale)
                    ))
                })
                .unwrap_or_default();
            FieldView {
                id: format!("f-{}", f.key),
                kind: f.kind.as_str(),
                label: f.label.get(locale).to_string(),
                hint: f
                    .help
                    .as_ref()
                    .map(|h| h.get(locale).to_string())
                    .unwrap_or_default(),
                required: f.required,
                shown: if f.kind == FieldKind::Date && !value.is_empty() {
                    forms::display_date(&value, locale)
                } else {
                    String::new()
                },
                choices: f
                    .options
                    .iter()
                    .map(|o| ChoiceView {
                        checked: o.value == value,
                        value: o.value.clone(),
                        label: o.label.get(locale).to_string(),
                    })
                    .collect(),
                when,
                document: (f.kind == FieldKind::File)
                    .then(|| {
                        documents
                            .iter()
                            .rev()
                            .find(|d| d.field_key == f.key && d.id == value)
                            .cloned()
                    })
                    .flatten(),
                accept: if f.accept.is_empty() {
                    ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png".into()
                } else {
                    f.accept
                        .iter()
                        .map(|k| match k {
                            forms::DocumentKind::Pdf => ".pdf,application/pdf",
                            forms::DocumentKind::Jpg => ".jpg,.jpeg,image/jpeg",
                            forms::DocumentKind::Png => ".png,image/png",
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                },
                max_length: f.max_length,
                key: f.key.clone(),
                value,
            }
        })
        .collect()
}

/// What a multipart form post holds: its text fields and its non-empty files.
#[derive(Default)]
pub struct Posted {
    pub text: BTreeMap<String, String>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Posted {
    /// A text field (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.text.get(name).map_or("", String::as_str)
    }

    /// The form's answers: every posted text field named `a.<key>`.
    pub fn answers(&self) -> BTreeMap<String, String> {
        self.text
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("a.").map(|k| (k.to_string(), v.clone())))
            .collect()
    }
}

/// Reads a multipart body; a part that cannot be read ends the reading (what was read stays).
pub async fn read(
    mut multipart: Multipart,
) -> Result<Posted, axum::extract::multipart::MultipartError> {
    let mut posted = Posted::default();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() {
            let bytes = field.bytes().await?;
            if !bytes.is_empty() {
                posted
                    .files
                    .push((name.trim_start_matches("file.").to_string(), bytes.to_vec()));
            }
        } else {
            let text = field.text().await?;
            posted.text.insert(name, text);
        }
    }
    Ok(posted)
}

/// The error summary's order: the form's fields as they stand.
pub fn ordered(errors: Errors, form: &Form) -> Errors {
    let ids: Vec<String> = form.fields.iter().map(|f| format!("f-{}", f.key)).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    errors.in_order(&refs)
}

/// The input a refusal concerns: the field its message names (by key or by label), else the
/// consent box.
pub fn field_of(form: &Form, m: &domain::Message) -> String {
    let named = webkit::page::forms::field_arg(m).unwrap_or_default();
    form.fields
        .iter()
        .find(|f| f.key == named || f.label.zh == named)
        .map_or_else(
            || match m.id {
                "counter-error-consent" => "f-consent".to_string(),
                _ => "f-form".to_string(),
            },
            |f| format!("f-{}", f.key),
        )
}
