//! Errors raised by domain rules. Each one names an i18n message id so that the web layer can
//! show it in the user's language; the `Display` text is English and meant for logs and the CLI.

use thiserror::Error;

/// A user-facing message: an i18n catalogue id plus named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Message {
    pub fn new(id: &'static str) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("transition from {from} by {action} is not allowed")]
    IllegalTransition {
        from: &'static str,
        action: &'static str,
    },
    #[error("attribute {code} is required")]
    MissingAttribute { code: String },
    #[error("attribute {code}: value {value:?} is not one of the allowed values")]
    AttributeValueNotAllowed { code: String, value: String },
    #[error("attribute {code}: {value:?} is not a number")]
    AttributeNotNumber { code: String, value: String },
    #[error("attribute {code}: {value:?} is not a date and time")]
    AttributeNotDatetime { code: String, value: String },
    #[error("attribute {code} accepts a single value")]
    AttributeSingleValue { code: String },
    #[error("attribute {code} is longer than {max} characters")]
    AttributeTooLong { code: String, max: usize },
    #[error("latitude must be between -90 and 90")]
    LatitudeOutOfRange,
    #[error("longitude must be between -180 and 180")]
    LongitudeOutOfRange,
    #[error("{field} is not a number")]
    CoordinateNotNumber { field: &'static str },
    #[error("latitude and longitude must be given together")]
    CoordinatePairIncomplete,
    #[error("{value:?} is not a valid date and time (expected YYYY-MM-DDThh:mm:ssZ)")]
    InvalidDatetime { value: String },
    #[error("{value:?} is not a valid case number")]
    InvalidCaseNumber { value: String },
}

impl DomainError {
    /// The i18n message for this error.
    pub fn message(&self) -> Message {
        match self {
            Self::IllegalTransition { from, action } => Message::new("error-illegal-transition")
                .arg("from", *from)
                .arg("action", *action),
            Self::MissingAttribute { code } => {
                Message::new("error-attribute-required").arg("code", code)
            }
            Self::AttributeValueNotAllowed { code, value } => {
                Message::new("error-attribute-value-not-allowed")
                    .arg("code", code)
                    .arg("value", value)
            }
            Self::AttributeNotNumber { code, value } => Message::new("error-attribute-not-number")
                .arg("code", code)
                .arg("value", value),
            Self::AttributeNotDatetime { code, value } => {
                Message::new("error-attribute-not-datetime")
                    .arg("code", code)
                    .arg("value", value)
            }
            Self::AttributeSingleValue { code } => {
                Message::new("error-attribute-single-value").arg("code", code)
            }
            Self::AttributeTooLong { code, max } => Message::new("error-attribute-too-long")
                .arg("code", code)
                .arg("max", max.to_string()),
            Self::LatitudeOutOfRange => Message::new("error-lat-range"),
            Self::LongitudeOutOfRange => Message::new("error-long-range"),
            Self::CoordinateNotNumber { field } => {
                Message::new("error-coordinate-not-number").arg("field", *field)
            }
            Self::CoordinatePairIncomplete => Message::new("error-lat-long-pair"),
            Self::InvalidDatetime { value } => {
                Message::new("error-invalid-datetime").arg("value", value)
            }
            Self::InvalidCaseNumber { value } => {
                Message::new("error-invalid-case-number").arg("value", value)
            }
        }
    }
}
