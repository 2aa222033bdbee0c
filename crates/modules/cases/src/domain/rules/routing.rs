//! Routing: which department or utility receives a case. Rules are tried by ascending
//! `order` (ties broken by `id`); the first that matches decides. When none matches, the
//! category's default department receives the case, and the decision says so.

use super::check::{Known, check_condition};
use super::condition::{AttributeTest, CaseFacts, Condition, Prepared};
use super::{check_identity, default_enabled, serialize_messages};
use domain::error::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// `{"id": "…", "name": "…", "order": 10, "enabled": true, "when": {…}, "department": "TPC"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub id: String,
    pub name: String,
    /// Lower is tried first.
    #[serde(default)]
    pub order: i32,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    pub when: Condition,
    /// Department code, e.g. `PWD-PKS` or the utility `TPC`.
    pub department: String,
}

/// Where a case goes and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteDecision {
    pub department: String,
    /// The rule that decided, or `None` for the category's default department.
    pub rule_id: Option<String>,
    /// `route-rule` (rule name, department) followed by the conditions that held, or
    /// `route-default` (category, department).
    #[serde(serialize_with = "serialize_messages")]
    pub reasons: Vec<Message>,
}

/// The enabled rules in the order they are tried.
pub fn ordered(rules: &[RoutingRule]) -> Vec<&RoutingRule> {
    let mut ordered: Vec<&RoutingRule> = rules.iter().filter(|r| r.enabled).collect();
    ordered.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    ordered
}

/// Moves the rule `id` one place earlier (`up`) or later among all the rules (enabled or not)
/// in the order they are tried, and numbers them 10, 20, 30 … so the order is explicit.
/// `false` when there is no such rule or it is already first (or last).
pub fn move_rule(rules: &mut [RoutingRule], id: &str, up: bool) -> bool {
    rules.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    let Some(at) = rules.iter().position(|r| r.id == id) else {
        return false;
    };
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    let Some(other) = other.filter(|o| *o < rules.len()) else {
        return false;
    };
    rules.swap(at, other);
    for (i, r) in rules.iter_mut().enumerate() {
        r.order = i32::try_from(i + 1).unwrap_or(i32::MAX / 10) * 10;
    }
    true
}

/// Routes a case: the first enabled rule (by `order`, then `id`) whose condition matches, else
/// `default_department` (the category's).
pub fn route(rules: &[RoutingRule], facts: &CaseFacts, default_department: &str) -> RouteDecision {
    let prepared = Prepared::new(facts);
    for rule in ordered(rules) {
        let outcome = rule.when.eval(&prepared);
        if outcome.matched {
            let mut reasons = vec![
                Message::new("route-rule")
                    .arg("rule", &rule.name)
                    .arg("department", &rule.department),
            ];
            reasons.extend(outcome.reasons);
            return RouteDecision {
                department: rule.department.clone(),
                rule_id: Some(rule.id.clone()),
                reasons,
            };
        }
    }
    RouteDecision {
        department: default_department.to_string(),
        rule_id: None,
        reasons: vec![
            Message::new("route-default")
                .arg("category", &facts.category)
                .arg("department", default_department),
        ],
    }
}

/// Checks routing rules before they are stored: ids (unique), names, the department each
/// sends to, every category, district and attribute named, empty lists and numeric ranges
/// that can never hold. Every problem is reported.
pub fn validate_rules(rules: &[RoutingRule], known: &Known) -> Result<(), Vec<Message>> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for rule in rules {
        check_identity(&rule.id, &rule.name, &mut seen, &mut errors);
        if !known.departments.contains(&rule.department) {
            errors.push(
                Message::new("rule-invalid-department")
                    .arg("rule", &rule.id)
                    .arg("department", &rule.department),
            );
        }
        check_condition(&rule.id, &rule.when, known, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Taipei's street-light split: ten or more lamps out together go to Taipower (`TPC`), fewer
/// to the Parks and Street Lights Office (`PWD-PKS`), as the Tainan taxonomy and the Taipei
/// category description state.
pub fn taipei_routing_rules() -> Vec<RoutingRule> {
    use Condition as C;
    let ten_or_more = || C::attribute("lamps_out", AttributeTest::AtLeast(10.0));
    vec![
        RoutingRule {
            id: "tpe-streetlight-taipower".into(),
            name: "路燈 10 盞以上不亮轉台電".into(),
            order: 10,
            enabled: true,
            when: C::All(vec![C::CategoryIs("1999-L01".into()), ten_or_more()]),
            department: "TPC".into(),
        },
        RoutingRule {
            id: "tpe-streetlight-city".into(),
            name: "路燈 9 盞以下由公園路燈工程管理處處理".into(),
            order: 20,
            enabled: true,
            when: C::All(vec![
                C::CategoryIs("1999-L01".into()),
                C::Not(Box::new(ten_or_more())),
            ]),
            department: "PWD-PKS".into(),
        },
    ]
}
