//! Conditions shared by triage and routing rules, what they are evaluated against
//! ([`CaseFacts`]), and how they are evaluated. The checks that keep stored rules meaningful
//! are in `check`.

use domain::category::AttributeAnswer;
use domain::error::Message;
use serde::{Deserialize, Serialize};

/// What rules look at: the facts of one case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFacts {
    /// Category (service) code, e.g. `1999-L01`.
    pub category: String,
    /// District (postal) code, e.g. `106`, when known.
    #[serde(default)]
    pub district: Option<String>,
    /// Attribute answers: code → values (several for multi-value lists).
    #[serde(default)]
    pub attributes: Vec<(String, Vec<String>)>,
    /// The citizen's or agent's free-text description.
    #[serde(default)]
    pub description: String,
}

impl CaseFacts {
    pub fn new(category: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            category: category.into(),
            description: description.into(),
            ..Self::default()
        }
    }

    pub fn with_district(mut self, district: impl Into<String>) -> Self {
        self.district = Some(district.into());
        self
    }

    pub fn with_attribute(mut self, code: impl Into<String>, value: impl Into<String>) -> Self {
        let code = code.into();
        let value = value.into();
        match self.attributes.iter_mut().find(|(c, _)| *c == code) {
            Some((_, values)) => values.push(value),
            None => self.attributes.push((code, vec![value])),
        }
        self
    }

    /// Takes validated attribute answers as they come out of `validate_attributes`.
    pub fn with_answers(mut self, answers: &[AttributeAnswer]) -> Self {
        self.attributes
            .extend(answers.iter().map(|a| (a.code.clone(), a.values.clone())));
        self
    }

    fn values(&self, code: &str) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|(c, _)| c == code)
            .flat_map(|(_, values)| values.iter())
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// A test on case facts. See the module documentation of [`crate::domain::rules`] for the JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    CategoryIs(String),
    CategoryIn(Vec<String>),
    DistrictIn(Vec<String>),
    Attribute(AttributeCondition),
    DescriptionAny(Vec<String>),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// `{"code": "lamps_out", "test": {"at_least": 10}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeCondition {
    pub code: String,
    pub test: AttributeTest,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AttributeTest {
    Equals(String),
    OneOf(Vec<String>),
    AtLeast(f64),
    AtMost(f64),
    /// Inclusive at both ends.
    Between {
        min: f64,
        max: f64,
    },
    Contains(String),
}

impl Condition {
    pub fn attribute(code: impl Into<String>, test: AttributeTest) -> Condition {
        Condition::Attribute(AttributeCondition {
            code: code.into(),
            test,
        })
    }

    /// `{"description_any": [...]}` from string literals.
    pub fn keywords(words: &[&str]) -> Condition {
        Condition::DescriptionAny(words.iter().map(|w| (*w).to_string()).collect())
    }

    /// Evaluates the condition and explains the result: when it matches, the reasons say which
    /// sub-conditions held; when it does not, they say what failed.
    pub fn evaluate(&self, facts: &CaseFacts) -> Outcome {
        self.eval(&Prepared::new(facts))
    }

    pub(crate) fn eval(&self, p: &Prepared<'_>) -> Outcome {
        let facts = p.facts;
        match self {
            Condition::CategoryIs(code) => category_outcome(facts, std::slice::from_ref(code)),
            Condition::CategoryIn(codes) => category_outcome(facts, codes),
            Condition::DistrictIn(codes) => match &facts.district {
                None => Outcome::no(Message::new("rule-reason-district-unknown")),
                Some(d) if codes.contains(d) => {
                    Outcome::yes(Message::new("rule-reason-district").arg("district", d))
                }
                Some(d) => Outcome::no(
                    Message::new("rule-reason-district-not")
                        .arg("district", d)
                        .arg("expected", codes.join(", ")),
                ),
            },
            Condition::Attribute(a) => attribute_outcome(facts, a),
            Condition::DescriptionAny(words) => {
                let found: Vec<&str> = words
                    .iter()
                    .filter(|w| {
                        let key = normalize_for_match(w);
                        !key.is_empty() && p.description.contains(&key)
                    })
                    .map(String::as_str)
                    .collect();
                if found.is_empty() {
                    Outcome::no(
                        Message::new("rule-reason-no-keywords").arg("keywords", words.join(", ")),
                    )
                } else {
                    Outcome::yes(
                        Message::new("rule-reason-keywords").arg("keywords", found.join(", ")),
                    )
                }
            }
            Condition::All(conditions) => {
                let mut reasons = Vec::new();
                for c in conditions {
                    let o = c.eval(p);
                    if !o.matched {
                        return o;
                    }
                    reasons.extend(o.reasons);
                }
                Outcome {
                    matched: true,
                    reasons,
                }
            }
            Condition::Any(conditions) => {
                let (mut yes, mut no) = (Vec::new(), Vec::new());
                let mut matched = false;
                for c in conditions {
                    let o = c.eval(p);
                    if o.matched {
                        matched = true;
                        yes.extend(o.reasons);
                    } else if !matched {
                        no.extend(o.reasons);
                    }
                }
                Outcome {
                    matched,
                    reasons: if matched { yes } else { no },
                }
            }
            Condition::Not(inner) => {
                let o = inner.eval(p);
                Outcome {
                    matched: !o.matched,
                    reasons: o.reasons,
                }
            }
        }
    }
}

/// The result of evaluating a condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub matched: bool,
    pub reasons: Vec<Message>,
}

impl Outcome {
    fn yes(reason: Message) -> Self {
        Self {
            matched: true,
            reasons: vec![reason],
        }
    }

    fn no(reason: Message) -> Self {
        Self {
            matched: false,
            reasons: vec![reason],
        }
    }
}

/// Facts with the description normalised once, for evaluating many rules.
pub(crate) struct Prepared<'a> {
    facts: &'a CaseFacts,
    description: String,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(facts: &'a CaseFacts) -> Self {
        Self {
            facts,
            description: normalize_for_match(&facts.description),
        }
    }
}

fn category_outcome(facts: &CaseFacts, codes: &[String]) -> Outcome {
    if codes.contains(&facts.category) {
        Outcome::yes(Message::new("rule-reason-category").arg("category", &facts.category))
    } else {
        Outcome::no(
            Message::new("rule-reason-category-not")
                .arg("category", &facts.category)
                .arg("expected", codes.join(", ")),
        )
    }
}

fn attribute_outcome(facts: &CaseFacts, a: &AttributeCondition) -> Outcome {
    let values = facts.values(&a.code);
    if values.is_empty() {
        return Outcome::no(Message::new("rule-reason-attribute-missing").arg("code", &a.code));
    }
    let code = a.code.as_str();
    let all_values = || values.join(", ");
    match &a.test {
        AttributeTest::Equals(expected) => {
            let key = normalize_for_match(expected);
            match values.iter().find(|v| normalize_for_match(v) == key) {
                Some(v) => Outcome::yes(
                    Message::new("rule-reason-attribute-equals")
                        .arg("code", code)
                        .arg("value", *v),
                ),
                None => Outcome::no(
                    Message::new("rule-reason-attribute-not-equals")
                        .arg("code", code)
                        .arg("value", all_values())
                        .arg("expected", expected),
                ),
            }
        }
        AttributeTest::OneOf(expected) => {
            let keys: Vec<String> = expected.iter().map(|e| normalize_for_match(e)).collect();
            match values
                .iter()
                .find(|v| keys.contains(&normalize_for_match(v)))
            {
                Some(v) => Outcome::yes(
                    Message::new("rule-reason-attribute-one-of")
                        .arg("code", code)
                        .arg("value", *v)
                        .arg("expected", expected.join(", ")),
                ),
                None => Outcome::no(
                    Message::new("rule-reason-attribute-not-one-of")
                        .arg("code", code)
                        .arg("value", all_values())
                        .arg("expected", expected.join(", ")),
                ),
            }
        }
        AttributeTest::Contains(text) => {
            let key = normalize_for_match(text);
            if !key.is_empty() && values.iter().any(|v| normalize_for_match(v).contains(&key)) {
                Outcome::yes(
                    Message::new("rule-reason-attribute-contains")
                        .arg("code", code)
                        .arg("text", text),
                )
            } else {
                Outcome::no(
                    Message::new("rule-reason-attribute-not-contains")
                        .arg("code", code)
                        .arg("text", text),
                )
            }
        }
        AttributeTest::AtLeast(_) | AttributeTest::AtMost(_) | AttributeTest::Between { .. } => {
            let numbers: Vec<f64> = values.iter().filter_map(|v| parse_number(v)).collect();
            let Some(&first) = numbers.first() else {
                return Outcome::no(
                    Message::new("rule-reason-attribute-not-number")
                        .arg("code", code)
                        .arg("value", all_values()),
                );
            };
            let (lo, hi) = bounds(&a.test);
            let passing = numbers.iter().copied().find(|n| *n >= lo && *n <= hi);
            let shown = passing.unwrap_or(first);
            let message = match (&a.test, passing.is_some()) {
                (AttributeTest::AtLeast(min), true) => {
                    Message::new("rule-reason-attribute-at-least").arg("min", min.to_string())
                }
                (AttributeTest::AtLeast(min), false) => {
                    Message::new("rule-reason-attribute-below").arg("min", min.to_string())
                }
                (AttributeTest::AtMost(max), true) => {
                    Message::new("rule-reason-attribute-at-most").arg("max", max.to_string())
                }
                (AttributeTest::AtMost(max), false) => {
                    Message::new("rule-reason-attribute-above").arg("max", max.to_string())
                }
                (AttributeTest::Between { min, max }, true) => {
                    Message::new("rule-reason-attribute-between")
                        .arg("min", min.to_string())
                        .arg("max", max.to_string())
                }
                (_, _) => Message::new("rule-reason-attribute-outside")
                    .arg("min", lo.to_string())
                    .arg("max", hi.to_string()),
            };
            Outcome {
                matched: passing.is_some(),
                reasons: vec![message.arg("code", code).arg("value", shown.to_string())],
            }
        }
    }
}

/// The inclusive range a numeric test accepts; text tests accept nothing.
pub(super) fn bounds(test: &AttributeTest) -> (f64, f64) {
    match test {
        AttributeTest::AtLeast(min) => (*min, f64::INFINITY),
        AttributeTest::AtMost(max) => (f64::NEG_INFINITY, *max),
        AttributeTest::Between { min, max } => (*min, *max),
        _ => (f64::INFINITY, f64::NEG_INFINITY),
    }
}

fn parse_number(value: &str) -> Option<f64> {
    normalize_for_match(value)
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

/// The text form keywords and descriptions are compared in:
/// - full-width ASCII (`Ａ１！`) becomes half-width and the ideographic space a space;
/// - 台 becomes 臺 (the official character), so `台電` and `臺電` match;
/// - letters are lower-cased;
/// - whitespace is dropped, except a single space between two ASCII letters or digits, so
///   `瓦斯 外洩` matches `瓦斯外洩` while `gas leak` stays two words.
///
/// Traditional and Simplified forms are not unified.
pub fn normalize_for_match(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space_pending = false;
    for c in text.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '台' => '臺',
            _ => c,
        };
        if c.is_whitespace() {
            space_pending = true;
            continue;
        }
        if space_pending
            && c.is_ascii_alphanumeric()
            && out
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_alphanumeric())
        {
            out.push(' ');
        }
        space_pending = false;
        out.extend(c.to_lowercase());
    }
    out
}
