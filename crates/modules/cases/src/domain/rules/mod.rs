//! Triage and routing rules, and emergency detection.
//!
//! Rules are data: administrators edit them through the REST API and they are stored in the
//! database as JSON, so the JSON shape below is a stable interface. Every type rejects unknown
//! fields. Every evaluation explains itself: a [`Match`] names the rule and carries localisable
//! reasons ([`Message`] ids with arguments), so each case can show which rule routed or
//! escalated it and why.
//!
//! # Conditions ([`Condition`])
//!
//! A condition is a JSON object with exactly one key:
//!
//! | JSON | matches when |
//! | --- | --- |
//! | `{"category_is": "1999-L01"}` | the case's category code is exactly this |
//! | `{"category_in": ["1999-R01", "1999-R06"]}` | the category code is one of these |
//! | `{"district_in": ["106", "110"]}` | the case has a district and its code is one of these |
//! | `{"attribute": {"code": "lamps_out", "test": TEST}}` | some answer to the attribute passes `TEST` |
//! | `{"description_any": ["瓦斯外洩", "瓦斯味"]}` | the description contains any keyword (normalised, see [`normalize_for_match`]) |
//! | `{"all": [COND, …]}` | every condition matches (`[]` always matches) |
//! | `{"any": [COND, …]}` | at least one matches (`[]` never matches; rejected by validation) |
//! | `{"not": COND}` | the condition does not match |
//!
//! An attribute `TEST` is one of `{"equals": "dark"}`, `{"one_of": ["dark", "flicker"]}`,
//! `{"at_least": 10}`, `{"at_most": 9}`, `{"between": {"min": 10, "max": 20}}` (inclusive) or
//! `{"contains": "電線"}`. Text tests compare normalised text; numeric tests parse the answer as
//! a number (a missing or non-numeric answer fails the test). For multi-value attributes the
//! test passes when any one value passes.
//!
//! # Triage rule ([`TriageRule`])
//!
//! ```json
//! {"id": "gas-leak", "name": "瓦斯外洩", "when": {"description_any": ["瓦斯外洩", "瓦斯味"]},
//!  "raise_to": "P1"}
//! ```
//!
//! # Routing rule ([`RoutingRule`])
//!
//! ```json
//! {"id": "tpe-streetlight-taipower", "name": "路燈 10 盞以上不亮轉台電", "order": 10,
//!  "when": {"all": [{"category_is": "1999-L01"},
//!                   {"attribute": {"code": "lamps_out", "test": {"at_least": 10}}}]},
//!  "department": "TPC"}
//! ```
//!
//! Both rule kinds also take `"enabled": false` to switch a rule off without deleting it
//! (default `true`). Routing rules are tried by ascending `order`, ties broken by `id`.

pub mod builder;
pub mod check;
pub mod condition;
pub mod emergency;
pub mod routing;
pub mod triage;

pub use check::Known;
pub use condition::{
    AttributeCondition, AttributeTest, CaseFacts, Condition, Outcome, normalize_for_match,
};
pub use emergency::{Emergency, EmergencyKind, emergencies, emergency};
pub use routing::{RouteDecision, RoutingRule, route, taipei_routing_rules};
pub use triage::{TriageRule, default_triage_rules, taipei_triage_rules, triage};

use domain::error::Message;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// One rule that matched a case, with the reasons it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub rule_id: String,
    pub rule_name: String,
    /// The first reason says what the rule did; the rest explain which sub-conditions held.
    #[serde(serialize_with = "serialize_messages")]
    pub reasons: Vec<Message>,
}

/// Serialises messages as `[{"id": "…", "args": {"name": "value"}}]`, for storing an
/// explanation with a case event.
pub fn serialize_messages<S: Serializer>(messages: &[Message], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(messages.iter().map(MessageJson))
}

struct MessageJson<'a>(&'a Message);

struct ArgsJson<'a>(&'a [(&'static str, String)]);

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("id", self.0.id)?;
        map.serialize_entry("args", &ArgsJson(&self.0.args))?;
        map.end()
    }
}

impl Serialize for ArgsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Longest rule name accepted by validation, in characters.
pub const MAX_RULE_NAME: usize = 100;
/// Longest rule id accepted by validation.
pub const MAX_RULE_ID: usize = 64;

/// Checks the fields every rule kind shares: id (1–64 of `A-Z a-z 0-9 - _ .`, unique) and
/// name (1–100 characters after trimming).
fn check_identity<'a>(
    id: &'a str,
    name: &str,
    seen: &mut std::collections::BTreeSet<&'a str>,
    errors: &mut Vec<Message>,
) {
    let id_ok = !id.is_empty()
        && id.len() <= MAX_RULE_ID
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !id_ok {
        errors.push(Message::new("rule-invalid-id").arg("rule", id));
    } else if !seen.insert(id) {
        errors.push(Message::new("rule-invalid-id-duplicate").arg("rule", id));
    }
    let name_len = name.trim().chars().count();
    if name_len == 0 || name_len > MAX_RULE_NAME {
        errors.push(
            Message::new("rule-invalid-name")
                .arg("rule", id)
                .arg("max", MAX_RULE_NAME.to_string()),
        );
    }
}

fn default_enabled() -> bool {
    true
}

#[cfg(test)]
mod tests;
