//! Service categories (Open311 "services") and their attributes: what a citizen may report and
//! which extra questions each report must answer.

use crate::datetime;
use crate::enums::string_enum;
use crate::error::DomainError;
use crate::locale::Localized;
use serde::{Deserialize, Serialize};

string_enum! {
    /// Urgency of a case. P1 is dispatched immediately; P2–P4 follow the Taipei official
    /// document speeds 最速件 (1 working day), 速件 (3) and 普通件 (6).
    Urgency { P1 = "P1", P2 = "P2", P3 = "P3", P4 = "P4" }
}

string_enum! {
    /// How Open311 answers a POST for the service: an id at once, a token, or neither.
    ServiceType { Realtime = "realtime", Batch = "batch", Blackbox = "blackbox" }
}

string_enum! {
    /// The Open311 attribute datatypes.
    Datatype {
        String = "string",
        Number = "number",
        Datetime = "datetime",
        Text = "text",
        SingleValueList = "singlevaluelist",
        MultiValueList = "multivaluelist",
    }
}

/// One allowed value of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    pub key: String,
    pub name: Localized,
}

/// One question of a service definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeDef {
    pub code: String,
    pub datatype: Datatype,
    pub required: bool,
    /// `false` marks an informational attribute that takes no input.
    pub variable: bool,
    pub order: u32,
    pub description: Localized,
    #[serde(default)]
    pub datatype_description: Localized,
    #[serde(default)]
    pub values: Vec<AttributeValue>,
    /// The answer is personal data (a licence plate, how to reach the reporter): it is kept
    /// for staff and never published, not even redacted.
    #[serde(default)]
    pub personal: bool,
}

/// A validated answer, in the order of the service definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeAnswer {
    pub code: String,
    pub values: Vec<String>,
}

/// Longest accepted answer for a `string` attribute; `text` answers may be as long as a description.
pub const MAX_STRING_ATTRIBUTE: usize = 500;
pub const MAX_TEXT_ATTRIBUTE: usize = 4000;

/// Validates submitted attribute values (code → one or more raw values) against the
/// definitions. Empty values count as absent, as the Open311 spec asks. Answers to unknown
/// codes are dropped, as mySociety's adapter does. Every problem is reported, not just the first.
pub fn validate_attributes(
    defs: &[AttributeDef],
    submitted: &[(String, Vec<String>)],
) -> Result<Vec<AttributeAnswer>, Vec<DomainError>> {
    let mut defs: Vec<&AttributeDef> = defs.iter().filter(|d| d.variable).collect();
    defs.sort_by_key(|d| d.order);
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for def in defs {
        let values: Vec<String> = submitted
            .iter()
            .filter(|(code, _)| *code == def.code)
            .flat_map(|(_, values)| values.iter())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            if def.required {
                errors.push(DomainError::MissingAttribute {
                    code: def.code.clone(),
                });
            }
            continue;
        }
        let before = errors.len();
        check_values(def, &values, &mut errors);
        if errors.len() == before {
            answers.push(AttributeAnswer {
                code: def.code.clone(),
                values,
            });
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

fn check_values(def: &AttributeDef, values: &[String], errors: &mut Vec<DomainError>) {
    let code = || def.code.clone();
    if def.datatype != Datatype::MultiValueList && values.len() > 1 {
        errors.push(DomainError::AttributeSingleValue { code: code() });
        return;
    }
    for value in values {
        match def.datatype {
            Datatype::String | Datatype::Text => {
                let max = if def.datatype == Datatype::String {
                    MAX_STRING_ATTRIBUTE
                } else {
                    MAX_TEXT_ATTRIBUTE
                };
                if value.chars().count() > max {
                    errors.push(DomainError::AttributeTooLong { code: code(), max });
                }
            }
            Datatype::Number => {
                if !is_plain_number(value) {
                    errors.push(DomainError::AttributeNotNumber {
                        code: code(),
                        value: value.clone(),
                    });
                }
            }
            Datatype::Datetime => {
                if datetime::parse(value).is_err() {
                    errors.push(DomainError::AttributeNotDatetime {
                        code: code(),
                        value: value.clone(),
                    });
                }
            }
            Datatype::SingleValueList | Datatype::MultiValueList => {
                if !def.values.iter().any(|v| v.key == *value) {
                    errors.push(DomainError::AttributeValueNotAllowed {
                        code: code(),
                        value: value.clone(),
                    });
                }
            }
        }
    }
}

/// A number as people write one: an optional sign, at most 15 digits, an optional decimal
/// part; no exponent (`1e308` is not a count of lamps), no `NaN` or `inf`.
fn is_plain_number(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let no_bare_point = !digits.contains('.') || !fraction.is_empty();
    !whole.is_empty()
        && all_digits(whole)
        && all_digits(fraction)
        && no_bare_point
        && whole.len() + fraction.len() <= 15
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(code: &str, datatype: Datatype, required: bool, values: &[&str]) -> AttributeDef {
        AttributeDef {
            code: code.into(),
            datatype,
            required,
            variable: true,
            order: 1,
            description: Localized::new(code, code),
            datatype_description: Localized::default(),
            values: values
                .iter()
                .map(|k| AttributeValue {
                    key: (*k).into(),
                    name: Localized::new(*k, *k),
                })
                .collect(),
            personal: false,
        }
    }

    /// F25: `1e308` passed as a number.
    #[test]
    fn numbers_are_written_plainly() {
        for ok in ["3", "-2", "+4", "12.5", "0.25", "123456789012345"] {
            assert!(is_plain_number(ok), "{ok}");
        }
        for bad in [
            "1e308",
            "1E3",
            "NaN",
            "inf",
            "",
            ".5",
            "5.",
            "1.2.3",
            "0x10",
            "1 000",
            "1234567890123456",
        ] {
            assert!(!is_plain_number(bad), "{bad}");
        }
    }

    fn sub(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(c, v)| ((*c).into(), v.iter().map(|s| (*s).to_string()).collect()))
            .collect()
    }

    #[test]
    fn reports_every_problem() {
        let defs = vec![
            def("pole", Datatype::String, true, &[]),
            def("lamps", Datatype::Number, true, &[]),
            def("kind", Datatype::SingleValueList, false, &["a", "b"]),
        ];
        let errors = validate_attributes(&defs, &sub(&[("lamps", &["many"]), ("kind", &["c"])]))
            .unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.contains(&DomainError::MissingAttribute {
            code: "pole".into()
        }));
    }

    #[test]
    fn multivaluelist_accepts_repeats_and_empty_counts_as_absent() {
        let defs = vec![
            def(
                "issues",
                Datatype::MultiValueList,
                true,
                &["dark", "flicker", "pole"],
            ),
            def("note", Datatype::Text, false, &[]),
        ];
        let answers = validate_attributes(
            &defs,
            &sub(&[
                ("issues", &["dark"]),
                ("issues", &["pole"]),
                ("note", &["  "]),
            ]),
        )
        .unwrap();
        assert_eq!(
            answers,
            vec![AttributeAnswer {
                code: "issues".into(),
                values: vec!["dark".into(), "pole".into()]
            }]
        );
        assert!(validate_attributes(&defs, &sub(&[("issues", &[""])])).is_err());
    }

    #[test]
    fn single_value_types_reject_repeats() {
        let defs = vec![def("kind", Datatype::SingleValueList, false, &["a", "b"])];
        let errors = validate_attributes(&defs, &sub(&[("kind", &["a", "b"])])).unwrap_err();
        assert_eq!(
            errors,
            vec![DomainError::AttributeSingleValue {
                code: "kind".into()
            }]
        );
    }
}
