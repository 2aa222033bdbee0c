//! Conditions shared by triage and routing rules, what they are evaluated against
//! ([`CaseFacts`]), and the checks that keep stored rules meaningful ([`Known`]).

use crate::catalog::{Category, Department, District};
use crate::category::{AttributeAnswer, AttributeDef, Datatype};
use crate::error::Message;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

/// A test on case facts. See the module documentation of [`crate::rules`] for the JSON shape.
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
fn bounds(test: &AttributeTest) -> (f64, f64) {
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

// ------------------------------------------------------------------------------- validation

/// The reference data rules may name: departments, districts, and categories with their
/// attribute definitions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    pub departments: BTreeSet<String>,
    /// `None` skips the district check.
    pub districts: Option<BTreeSet<String>>,
    pub categories: BTreeMap<String, Vec<AttributeDef>>,
}

impl Known {
    pub fn new<D, S, C>(departments: D, categories: C) -> Self
    where
        D: IntoIterator<Item = S>,
        S: Into<String>,
        C: IntoIterator<Item = (String, Vec<AttributeDef>)>,
    {
        Self {
            departments: departments.into_iter().map(Into::into).collect(),
            districts: None,
            categories: categories.into_iter().collect(),
        }
    }

    pub fn with_districts<D, S>(mut self, districts: D) -> Self
    where
        D: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.districts = Some(districts.into_iter().map(Into::into).collect());
        self
    }

    pub fn from_catalog(
        departments: &[Department],
        districts: &[District],
        categories: &[Category],
    ) -> Self {
        Self::new(
            departments.iter().map(|d| d.code.clone()),
            categories
                .iter()
                .map(|c| (c.code.clone(), c.attributes.clone())),
        )
        .with_districts(districts.iter().map(|d| d.code.clone()))
    }
}

/// Deepest nesting of `all`/`any`/`not` accepted.
pub const MAX_CONDITION_DEPTH: usize = 12;
/// Most conditions (of any kind) in one rule.
pub const MAX_CONDITION_NODES: usize = 200;

/// Checks a rule's condition against the reference data and for conditions that can never
/// hold. Problems are appended to `errors`.
pub(crate) fn check_condition(
    rule: &str,
    condition: &Condition,
    known: &Known,
    errors: &mut Vec<Message>,
) {
    let scope = category_scope(condition);
    let mut attributes: BTreeMap<&str, Vec<&AttributeDef>> = BTreeMap::new();
    for (code, defs) in &known.categories {
        if scope.as_ref().is_none_or(|s| s.contains(code.as_str())) {
            for def in defs {
                attributes.entry(def.code.as_str()).or_default().push(def);
            }
        }
    }
    let mut checker = Checker {
        rule,
        known,
        attributes,
        errors: Vec::new(),
        nodes: 0,
        too_complex: false,
    };
    checker.walk(condition, 1, false);
    if checker.too_complex {
        checker.errors.push(
            Message::new("rule-invalid-too-complex")
                .arg("rule", rule)
                .arg("depth", MAX_CONDITION_DEPTH.to_string())
                .arg("max", MAX_CONDITION_NODES.to_string()),
        );
    }
    for e in checker.errors {
        if !errors.contains(&e) {
            errors.push(e);
        }
    }
}

/// The categories a condition can match at most, when it restricts them.
fn category_scope(condition: &Condition) -> Option<BTreeSet<&str>> {
    match condition {
        Condition::CategoryIs(code) => Some(BTreeSet::from([code.as_str()])),
        Condition::CategoryIn(codes) => Some(codes.iter().map(String::as_str).collect()),
        Condition::All(conditions) => conditions
            .iter()
            .filter_map(category_scope)
            .reduce(|a, b| a.intersection(&b).copied().collect()),
        Condition::Any(conditions) => {
            conditions
                .iter()
                .map(category_scope)
                .try_fold(BTreeSet::new(), |mut acc, s| {
                    acc.extend(s?);
                    Some(acc)
                })
        }
        _ => None,
    }
}

struct Checker<'a> {
    rule: &'a str,
    known: &'a Known,
    attributes: BTreeMap<&'a str, Vec<&'a AttributeDef>>,
    errors: Vec<Message>,
    nodes: usize,
    too_complex: bool,
}

impl Checker<'_> {
    fn empty_list(&mut self) {
        self.errors
            .push(Message::new("rule-invalid-empty-list").arg("rule", self.rule));
    }

    fn walk(&mut self, condition: &Condition, depth: usize, parent_is_all: bool) {
        self.nodes += 1;
        if depth > MAX_CONDITION_DEPTH || self.nodes > MAX_CONDITION_NODES {
            self.too_complex = true;
            return;
        }
        match condition {
            Condition::CategoryIs(code) => self.category(code),
            Condition::CategoryIn(codes) => {
                if codes.is_empty() {
                    self.empty_list();
                }
                for code in codes {
                    self.category(code);
                }
            }
            Condition::DistrictIn(codes) => {
                if codes.is_empty() {
                    self.empty_list();
                }
                if let Some(known) = &self.known.districts {
                    for code in codes.iter().filter(|c| !known.contains(*c)) {
                        self.errors.push(
                            Message::new("rule-invalid-district")
                                .arg("rule", self.rule)
                                .arg("district", code),
                        );
                    }
                }
            }
            Condition::Attribute(a) => self.attribute(a),
            Condition::DescriptionAny(words) => {
                if words.is_empty() {
                    self.empty_list();
                }
                if words.iter().any(|w| normalize_for_match(w).is_empty()) {
                    self.errors
                        .push(Message::new("rule-invalid-keyword").arg("rule", self.rule));
                }
            }
            Condition::All(conditions) => {
                if !parent_is_all {
                    let mut ranges = BTreeMap::new();
                    collect_ranges(condition, &mut ranges);
                    for (code, (lo, hi)) in ranges {
                        if lo > hi {
                            self.errors.push(
                                Message::new("rule-invalid-range-contradiction")
                                    .arg("rule", self.rule)
                                    .arg("code", code)
                                    .arg("min", lo.to_string())
                                    .arg("max", hi.to_string()),
                            );
                        }
                    }
                }
                for c in conditions {
                    self.walk(c, depth + 1, true);
                }
            }
            Condition::Any(conditions) => {
                if conditions.is_empty() {
                    self.empty_list();
                }
                for c in conditions {
                    self.walk(c, depth + 1, false);
                }
            }
            Condition::Not(inner) => self.walk(inner, depth + 1, false),
        }
    }

    fn category(&mut self, code: &str) {
        if !self.known.categories.contains_key(code) {
            self.errors.push(
                Message::new("rule-invalid-category")
                    .arg("rule", self.rule)
                    .arg("category", code),
            );
        }
    }

    fn attribute(&mut self, a: &AttributeCondition) {
        let code = a.code.as_str();
        let defs = self.attributes.get(code).cloned();
        if defs.is_none() {
            self.errors.push(
                Message::new("rule-invalid-attribute")
                    .arg("rule", self.rule)
                    .arg("code", code),
            );
        }
        let defs = defs.unwrap_or_default();
        match &a.test {
            AttributeTest::AtLeast(_)
            | AttributeTest::AtMost(_)
            | AttributeTest::Between { .. } => {
                let (lo, hi) = bounds(&a.test);
                let finite = match &a.test {
                    AttributeTest::Between { min, max } => min.is_finite() && max.is_finite(),
                    _ => lo.is_finite() || hi.is_finite(),
                };
                if !finite || lo.is_nan() || hi.is_nan() {
                    self.errors.push(
                        Message::new("rule-invalid-number")
                            .arg("rule", self.rule)
                            .arg("code", code),
                    );
                } else if lo > hi {
                    self.errors.push(
                        Message::new("rule-invalid-range")
                            .arg("rule", self.rule)
                            .arg("code", code)
                            .arg("min", lo.to_string())
                            .arg("max", hi.to_string()),
                    );
                }
                if !defs.is_empty() && !defs.iter().any(|d| d.datatype == Datatype::Number) {
                    self.errors.push(
                        Message::new("rule-invalid-attribute-not-number")
                            .arg("rule", self.rule)
                            .arg("code", code),
                    );
                }
            }
            AttributeTest::Equals(value) => {
                self.list_values(code, &defs, std::slice::from_ref(value))
            }
            AttributeTest::OneOf(values) => {
                if values.is_empty() {
                    self.empty_list();
                }
                self.list_values(code, &defs, values);
            }
            AttributeTest::Contains(text) => {
                if normalize_for_match(text).is_empty() {
                    self.errors
                        .push(Message::new("rule-invalid-keyword").arg("rule", self.rule));
                }
            }
        }
    }

    /// For list attributes, every value a rule compares with must be an allowed key.
    fn list_values(&mut self, code: &str, defs: &[&AttributeDef], values: &[String]) {
        let lists = !defs.is_empty()
            && defs.iter().all(|d| {
                matches!(
                    d.datatype,
                    Datatype::SingleValueList | Datatype::MultiValueList
                )
            });
        if !lists {
            return;
        }
        for value in values {
            let key = normalize_for_match(value);
            let allowed = defs
                .iter()
                .flat_map(|d| d.values.iter())
                .any(|v| normalize_for_match(&v.key) == key);
            if !allowed {
                self.errors.push(
                    Message::new("rule-invalid-attribute-value")
                        .arg("rule", self.rule)
                        .arg("code", code)
                        .arg("value", value),
                );
            }
        }
    }
}

/// Intersects the numeric ranges an `all` (and the `all`s directly inside it) demands of each
/// attribute. Ranges that are already invalid on their own are left out.
fn collect_ranges<'a>(condition: &'a Condition, ranges: &mut BTreeMap<&'a str, (f64, f64)>) {
    match condition {
        Condition::All(conditions) => {
            for c in conditions {
                collect_ranges(c, ranges);
            }
        }
        Condition::Attribute(a) => {
            let (lo, hi) = bounds(&a.test);
            if matches!(
                a.test,
                AttributeTest::AtLeast(_)
                    | AttributeTest::AtMost(_)
                    | AttributeTest::Between { .. }
            ) && lo <= hi
            {
                let entry = ranges
                    .entry(a.code.as_str())
                    .or_insert((f64::NEG_INFINITY, f64::INFINITY));
                entry.0 = entry.0.max(lo);
                entry.1 = entry.1.min(hi);
            }
        }
        _ => {}
    }
}
