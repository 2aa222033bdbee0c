//! Form errors shared by every page, shown both as a summary at the top (links to the fields)
//! and beside each field. (The form token is checked by `identity::doors::check_token`.)

use super::{PageError, Visitor};
use domain::Message;
use platform::ServiceError;

/// One problem with what was entered.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The id of the input it belongs to (`f-…`), or empty for the form as a whole.
    pub field: String,
    pub message: String,
}

/// The problems of one submission, in the order they are shown.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    pub items: Vec<FieldError>,
}

impl Errors {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn add(&mut self, v: &dyn Visitor, field: &str, message: &Message) {
        self.items.push(FieldError {
            field: field.to_string(),
            message: v.msg(message),
        });
    }

    /// The message of `field`, for the line under the input.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.of(field).is_some()
    }

    /// The `aria-describedby` of an input: its hint's id (may be empty) and, when the field
    /// was refused, its message's id `<field>-error`, so a screen reader reads both with the
    /// field. In a template:
    /// `<span class="field-error" id="f-x-error">…</span>`
    /// `<input id="f-x" aria-describedby="{{ errors.described_by("f-x", "f-x-hint") }}" aria-invalid="{{ errors.invalid("f-x") }}">`
    pub fn described_by(&self, field: impl AsRef<str>, hint: impl AsRef<str>) -> String {
        let (field, hint) = (field.as_ref(), hint.as_ref());
        match (self.has(field), hint.is_empty()) {
            (true, true) => format!("{field}-error"),
            (true, false) => format!("{hint} {field}-error"),
            (false, _) => hint.to_string(),
        }
    }

    /// Puts the problems in the order of the form's fields (`fields`, top down), so the summary
    /// reads as the form does; problems of other fields keep their order after them.
    pub fn in_order(mut self, fields: &[&str]) -> Errors {
        self.items.sort_by_key(|e| {
            fields
                .iter()
                .position(|f| *f == e.field)
                .unwrap_or(fields.len())
        });
        self
    }

    /// `aria-invalid` of an input: "true" when the field was refused.
    pub fn invalid(&self, field: impl AsRef<str>) -> &'static str {
        if self.has(field.as_ref()) {
            "true"
        } else {
            "false"
        }
    }

    /// Turns a refused operation into field errors; what is not a validation problem stays
    /// an error page. `field_of` maps a message to the input it concerns.
    pub fn from_service(
        v: &dyn Visitor,
        e: ServiceError,
        field_of: impl Fn(&Message) -> String,
    ) -> Result<Errors, PageError> {
        // What the person entered can be wrong (400), name nothing known (404), fail to sign
        // in (401) or be too large (413): those are shown on the form.
        if !matches!(e.status(), 400 | 401 | 404 | 413) {
            return Err(PageError::service(e, v.locale()));
        }
        let messages = e.refusal("form").messages;
        let mut errors = Errors::default();
        for m in &messages {
            errors.add(v, &field_of(m), m);
        }
        Ok(errors)
    }
}

/// The `field` argument of a message, if it names one.
pub fn field_arg(m: &Message) -> Option<&str> {
    m.args
        .iter()
        .find(|(k, _)| *k == "field")
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_field_is_described_by_its_hint_and_its_message() {
        let mut errors = Errors::default();
        errors.items.push(FieldError {
            field: "f-login".into(),
            message: "required".into(),
        });
        assert_eq!(
            errors.described_by("f-login", "f-login-hint"),
            "f-login-hint f-login-error"
        );
        assert_eq!(errors.described_by("f-login", ""), "f-login-error");
        assert_eq!(errors.invalid("f-login"), "true");
        assert_eq!(
            errors.described_by("f-password", "f-password-hint"),
            "f-password-hint"
        );
        assert_eq!(errors.described_by("f-password", ""), "");
        assert_eq!(errors.invalid("f-password"), "false");
    }

    #[test]
    fn problems_are_put_in_the_order_of_the_form() {
        let mut errors = Errors::default();
        for field in ["f-login", "", "f-password", "f-name"] {
            errors.items.push(FieldError {
                field: field.into(),
                message: field.into(),
            });
        }
        let fields: Vec<String> = errors
            .in_order(&["f-name", "f-login", "f-password"])
            .items
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["f-name", "f-login", "f-password", ""]);
    }
}
