//! The condition builder's form of a condition, for people who do not write JSON: a list of
//! rows — what is tested, how, against what — of which all must hold, or any one.
//!
//! Every row is one [`Condition`] (or its negation), so a builder always becomes a condition;
//! a condition becomes a builder when it is a row, or an `all`/`any` of rows. Deeper nesting
//! stays in the advanced (JSON) view. Values are as typed: the lists are split on commas
//! (`,`, `，`, `、`), semicolons and new lines; numbers are parsed here, so a row with a wrong
//! value is refused with a message naming the row.

use super::condition::{AttributeCondition, AttributeTest, Condition};
use domain::error::Message;

/// What a row tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Category,
    District,
    Description,
    /// An answer to one of the category's questions, by attribute code.
    Attribute(String),
}

impl Field {
    /// `category`, `district`, `description` or `attribute:<code>`.
    pub fn parse(text: &str) -> Option<Field> {
        match text {
            "category" => Some(Field::Category),
            "district" => Some(Field::District),
            "description" => Some(Field::Description),
            _ => text
                .strip_prefix("attribute:")
                .filter(|code| !code.trim().is_empty())
                .map(|code| Field::Attribute(code.trim().to_string())),
        }
    }

    pub fn key(&self) -> String {
        match self {
            Field::Category => "category".into(),
            Field::District => "district".into(),
            Field::Description => "description".into(),
            Field::Attribute(code) => format!("attribute:{code}"),
        }
    }

    /// The comparisons that mean something for this field.
    pub fn operators(&self) -> &'static [Operator] {
        use Operator::*;
        match self {
            Field::Category | Field::District => &[In, NotIn],
            Field::Description => &[Contains, NotContains],
            Field::Attribute(_) => &[In, NotIn, Contains, NotContains, AtLeast, AtMost, Between],
        }
    }
}

/// How a row compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// Is one of the values.
    In,
    NotIn,
    /// Mentions any of the words (description), or contains the text (an answer).
    Contains,
    NotContains,
    AtLeast,
    AtMost,
    /// Between two numbers, both included.
    Between,
}

impl Operator {
    pub const ALL: [Operator; 7] = [
        Operator::In,
        Operator::NotIn,
        Operator::Contains,
        Operator::NotContains,
        Operator::AtLeast,
        Operator::AtMost,
        Operator::Between,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "in",
            Operator::NotIn => "not_in",
            Operator::Contains => "contains",
            Operator::NotContains => "not_contains",
            Operator::AtLeast => "at_least",
            Operator::AtMost => "at_most",
            Operator::Between => "between",
        }
    }

    pub fn parse(text: &str) -> Option<Operator> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }

    fn numeric(self) -> bool {
        matches!(
            self,
            Operator::AtLeast | Operator::AtMost | Operator::Between
        )
    }
}

/// Whether every row must hold or any one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    All,
    Any,
}

impl Join {
    pub fn as_str(self) -> &'static str {
        match self {
            Join::All => "all",
            Join::Any => "any",
        }
    }
}

/// One row: values are the list items (codes, words, or the numbers as written).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub field: Field,
    pub op: Operator,
    pub values: Vec<String>,
}

/// Splits a typed list on commas (half- and full-width, and the enumeration comma `、`),
/// semicolons and new lines; blank items are dropped.
pub fn split_values(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The two ends of a range typed as `10-20`, `10 ~ 20`, `10 到 20`, `10 to 20` or `10, 20`.
fn split_range(text: &str) -> Vec<String> {
    let t = text.trim();
    for sep in ["到", "~", "～", "–", "—", " to ", ",", "，", "、"] {
        if let Some((a, b)) = t.split_once(sep) {
            return vec![a.trim().to_string(), b.trim().to_string()];
        }
    }
    // A hyphen after the first character, so `-5` alone stays one number.
    match t.char_indices().skip(1).find(|(_, c)| *c == '-') {
        Some((i, _)) => vec![t[..i].trim().to_string(), t[i + 1..].trim().to_string()],
        None => vec![t.to_string()],
    }
}

impl Row {
    /// A row from the form: `field` and `op` are the keys of [`Field`] and [`Operator`],
    /// `value` as typed. `row` (from 1) names the row in messages.
    pub fn parse(row: usize, field: &str, op: &str, value: &str) -> Result<Row, Message> {
        let at = |id: &'static str| Message::new(id).arg("row", row.to_string());
        let field = Field::parse(field).ok_or_else(|| at("rule-builder-field"))?;
        let op = Operator::parse(op)
            .filter(|o| field.operators().contains(o))
            .ok_or_else(|| at("rule-builder-operator"))?;
        let values = match (op, &field) {
            (Operator::Between, _) => split_range(value),
            // A text to look for in an answer is one text, commas and all.
            (Operator::Contains | Operator::NotContains, Field::Attribute(_))
            | (Operator::AtLeast | Operator::AtMost, _) => Some(value.trim().to_string())
                .filter(|v| !v.is_empty())
                .into_iter()
                .collect(),
            _ => split_values(value),
        };
        if values.iter().all(|v| v.is_empty()) {
            return Err(at("rule-builder-value-required"));
        }
        if op.numeric() {
            let numbers: Option<Vec<f64>> = values.iter().map(|v| number(v)).collect();
            match (op, numbers.as_deref()) {
                (Operator::Between, Some([lo, hi])) if lo <= hi => {}
                (Operator::Between, _) => return Err(at("rule-builder-between")),
                (_, Some([_])) => {}
                _ => return Err(at("rule-builder-number")),
            }
        }
        Ok(Row { field, op, values })
    }

    /// The condition this row stands for.
    pub fn condition(&self) -> Condition {
        let values = self.values.clone();
        let first = values.first().cloned().unwrap_or_default();
        let attr = |code: &str, test| {
            Condition::Attribute(AttributeCondition {
                code: code.to_string(),
                test,
            })
        };
        let positive = match (&self.field, self.op) {
            (Field::Category, _) if values.len() == 1 => Condition::CategoryIs(first),
            (Field::Category, _) => Condition::CategoryIn(values),
            (Field::District, _) => Condition::DistrictIn(values),
            (Field::Description, _) => Condition::DescriptionAny(values),
            (Field::Attribute(code), Operator::In | Operator::NotIn) if values.len() == 1 => {
                attr(code, AttributeTest::Equals(first))
            }
            (Field::Attribute(code), Operator::In | Operator::NotIn) => {
                attr(code, AttributeTest::OneOf(values))
            }
            (Field::Attribute(code), Operator::Contains | Operator::NotContains) => {
                attr(code, AttributeTest::Contains(first))
            }
            (Field::Attribute(code), op) => {
                let n: Vec<f64> = values.iter().filter_map(|v| number(v)).collect();
                let (a, b) = (n.first().copied().unwrap_or(0.0), n.get(1).copied());
                attr(
                    code,
                    match op {
                        Operator::AtLeast => AttributeTest::AtLeast(a),
                        Operator::AtMost => AttributeTest::AtMost(a),
                        _ => AttributeTest::Between {
                            min: a,
                            max: b.unwrap_or(a),
                        },
                    },
                )
            }
        };
        match self.op {
            Operator::NotIn | Operator::NotContains => Condition::Not(Box::new(positive)),
            _ => positive,
        }
    }

    /// The row a condition is, if it is one.
    pub fn of(condition: &Condition) -> Option<Row> {
        let row = |field, op, values| Some(Row { field, op, values });
        let num = |n: &f64| n.to_string();
        match condition {
            Condition::CategoryIs(code) => row(Field::Category, Operator::In, vec![code.clone()]),
            Condition::CategoryIn(codes) => row(Field::Category, Operator::In, codes.clone()),
            Condition::DistrictIn(codes) => row(Field::District, Operator::In, codes.clone()),
            Condition::DescriptionAny(words) => {
                row(Field::Description, Operator::Contains, words.clone())
            }
            Condition::Attribute(a) => {
                let field = Field::Attribute(a.code.clone());
                match &a.test {
                    AttributeTest::Equals(v) => row(field, Operator::In, vec![v.clone()]),
                    AttributeTest::OneOf(vs) => row(field, Operator::In, vs.clone()),
                    AttributeTest::Contains(t) => row(field, Operator::Contains, vec![t.clone()]),
                    AttributeTest::AtLeast(n) => row(field, Operator::AtLeast, vec![num(n)]),
                    AttributeTest::AtMost(n) => row(field, Operator::AtMost, vec![num(n)]),
                    AttributeTest::Between { min, max } => {
                        row(field, Operator::Between, vec![num(min), num(max)])
                    }
                }
            }
            Condition::Not(inner) => {
                let r = Row::of(inner)?;
                let op = match r.op {
                    Operator::In => Operator::NotIn,
                    Operator::Contains => Operator::NotContains,
                    _ => return None,
                };
                Some(Row { op, ..r })
            }
            Condition::All(_) | Condition::Any(_) => None,
        }
    }
}

/// A condition as builder rows, when it can be shown that way: one row, or an `all`/`any` of
/// rows.
pub fn rows_of(condition: &Condition) -> Option<(Join, Vec<Row>)> {
    match condition {
        Condition::All(cs) => Some((Join::All, cs.iter().map(Row::of).collect::<Option<_>>()?)),
        Condition::Any(cs) => Some((Join::Any, cs.iter().map(Row::of).collect::<Option<_>>()?)),
        c => Some((Join::All, vec![Row::of(c)?])),
    }
}

/// The condition of builder rows: a single row is its own condition. No rows is refused, as
/// a rule with no condition would take every case.
pub fn condition_of(join: Join, rows: &[Row]) -> Result<Condition, Message> {
    match rows {
        [] => Err(Message::new("rule-builder-none")),
        [row] => Ok(row.condition()),
        _ => {
            let cs = rows.iter().map(Row::condition).collect();
            Ok(match join {
                Join::All => Condition::All(cs),
                Join::Any => Condition::Any(cs),
            })
        }
    }
}

/// A number as typed, full-width digits included.
fn number(text: &str) -> Option<f64> {
    super::condition::normalize_for_match(text)
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::CaseFacts;
    use proptest::prelude::*;

    #[test]
    fn rows_are_read_as_typed() {
        let r = Row::parse(1, "category", "in", "1999-L01、 1999-L02，").unwrap();
        assert_eq!(r.values, vec!["1999-L01", "1999-L02"]);
        assert_eq!(
            r.condition(),
            Condition::CategoryIn(vec!["1999-L01".into(), "1999-L02".into()])
        );
        let r = Row::parse(2, "attribute:lamps_out", "between", "１０ 到 20").unwrap();
        assert_eq!(
            r.condition(),
            Condition::attribute(
                "lamps_out",
                AttributeTest::Between {
                    min: 10.0,
                    max: 20.0
                }
            )
        );
        let r = Row::parse(3, "attribute:note", "contains", "電線, 掉落").unwrap();
        assert_eq!(
            r.condition(),
            Condition::attribute("note", AttributeTest::Contains("電線, 掉落".into()))
        );
        let r = Row::parse(4, "description", "not_contains", "測試\n演習").unwrap();
        assert_eq!(
            r.condition(),
            Condition::Not(Box::new(Condition::keywords(&["測試", "演習"])))
        );
    }

    #[test]
    fn a_wrong_row_is_refused_with_its_number() {
        let refused = |f: &str, o: &str, v: &str| Row::parse(7, f, o, v).unwrap_err();
        assert_eq!(refused("colour", "in", "x").id, "rule-builder-field");
        assert_eq!(
            refused("category", "at_least", "3").id,
            "rule-builder-operator"
        );
        assert_eq!(
            refused("district", "in", " ， ").id,
            "rule-builder-value-required"
        );
        assert_eq!(
            refused("attribute:n", "at_least", "ten").id,
            "rule-builder-number"
        );
        assert_eq!(
            refused("attribute:n", "between", "20-10").id,
            "rule-builder-between"
        );
        assert_eq!(
            refused("attribute:n", "between", "20").id,
            "rule-builder-between"
        );
        assert_eq!(
            refused("attribute:n", "at_most", "").id,
            "rule-builder-value-required"
        );
        assert!(
            refused("attribute:n", "at_most", "")
                .args
                .contains(&("row", "7".to_string()))
        );
        assert_eq!(
            condition_of(Join::All, &[]).unwrap_err().id,
            "rule-builder-none"
        );
    }

    #[test]
    fn nested_conditions_stay_in_the_advanced_view() {
        let nested = Condition::All(vec![
            Condition::CategoryIs("A".into()),
            Condition::Any(vec![Condition::DistrictIn(vec!["100".into()])]),
        ]);
        assert_eq!(rows_of(&nested), None);
        let not_range = Condition::Not(Box::new(Condition::attribute(
            "n",
            AttributeTest::AtLeast(3.0),
        )));
        assert_eq!(rows_of(&not_range), None);
    }

    fn field() -> impl Strategy<Value = Field> {
        prop_oneof![
            Just(Field::Category),
            Just(Field::District),
            Just(Field::Description),
            "[a-c]".prop_map(Field::Attribute),
        ]
    }

    fn row() -> impl Strategy<Value = Row> {
        (
            field(),
            0usize..7,
            prop::collection::vec("[A-C1-3]{1,3}", 1..4),
            0i32..50,
            0i32..50,
        )
            .prop_map(|(field, pick, words, a, b)| {
                let ops = field.operators();
                let op = ops[pick % ops.len()];
                let values = match op {
                    Operator::AtLeast | Operator::AtMost => vec![a.to_string()],
                    Operator::Between => vec![a.min(b).to_string(), a.max(b).to_string()],
                    Operator::Contains | Operator::NotContains
                        if matches!(field, Field::Attribute(_)) =>
                    {
                        words[..1].to_vec()
                    }
                    _ => words,
                };
                Row { field, op, values }
            })
    }

    fn facts() -> impl Strategy<Value = CaseFacts> {
        (
            "[A-C1-3]{1,3}",
            prop::option::of("[A-C1-3]{1,3}"),
            "[A-C1-3 ]{0,12}",
            prop::collection::vec(("[a-c]", "[A-C1-3]{1,3}|[0-9]{1,2}"), 0..4),
        )
            .prop_map(|(category, district, description, answers)| {
                let mut f = CaseFacts::new(category, description);
                f.district = district;
                answers
                    .into_iter()
                    .fold(f, |f, (code, value)| f.with_attribute(code, value))
            })
    }

    proptest! {
        /// What the builder shows is what it saves: rows become a condition and come back as
        /// the same rows.
        #[test]
        fn rows_round_trip(rows in prop::collection::vec(row(), 1..5), any in any::<bool>()) {
            let join = if any { Join::Any } else { Join::All };
            let c = condition_of(join, &rows).unwrap();
            let (back_join, back) = rows_of(&c).unwrap();
            prop_assert_eq!(&back, &rows);
            if rows.len() > 1 {
                prop_assert_eq!(back_join, join);
            }
        }

        /// A row typed in the form means the condition it becomes: the values as they were
        /// written, joined by commas, parse to the same row.
        #[test]
        fn rows_parse_from_their_words(r in row()) {
            let text = r.values.join(match r.op { Operator::Between => " 到 ", _ => "、" });
            let parsed = Row::parse(1, &r.field.key(), r.op.as_str(), &text).unwrap();
            prop_assert_eq!(parsed, r);
        }

        /// "all" holds exactly when every row holds; "any" when one does; "not in" is the
        /// opposite of "in".
        #[test]
        fn joins_mean_what_they_say(rows in prop::collection::vec(row(), 2..5), f in facts()) {
            let each: Vec<bool> = rows.iter().map(|r| r.condition().evaluate(&f).matched).collect();
            let all = condition_of(Join::All, &rows).unwrap().evaluate(&f).matched;
            let any = condition_of(Join::Any, &rows).unwrap().evaluate(&f).matched;
            prop_assert_eq!(all, each.iter().all(|m| *m));
            prop_assert_eq!(any, each.iter().any(|m| *m));
            for r in rows.iter().filter(|r| matches!(r.op, Operator::In | Operator::Contains)) {
                let negated = Row { op: if r.op == Operator::In { Operator::NotIn } else { Operator::NotContains }, ..r.clone() };
                prop_assert_eq!(negated.condition().evaluate(&f).matched, !r.condition().evaluate(&f).matched);
            }
        }
    }
}
