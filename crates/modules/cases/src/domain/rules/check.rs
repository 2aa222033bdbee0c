//! The checks that keep stored rules meaningful: every code a condition names exists in the
//! reference data ([`Known`]), nesting and size stay bounded, and no condition can never hold.

use super::condition::{AttributeCondition, AttributeTest, Condition, bounds, normalize_for_match};
use domain::catalog::{Category, Department, District};
use domain::category::{AttributeDef, Datatype};
use domain::error::Message;
use std::collections::{BTreeMap, BTreeSet};

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
