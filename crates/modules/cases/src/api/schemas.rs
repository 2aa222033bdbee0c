//! Schemas of the domain types that travel in API bodies as they are (routing and triage
//! rules, SLA policies). The domain crate knows nothing of OpenAPI, so their JSON shape is
//! written here, from the documentation in `crate::domain::rules` and `crate::domain::sla`; a test checks
//! that every example deserialises into the domain type.

use domain::category::Urgency;
use serde_json::{Value, json};
use std::borrow::Cow;
use utoipa::openapi::{RefOr, schema::Schema};
use utoipa::{PartialSchema, ToSchema};

fn schema(value: Value) -> RefOr<Schema> {
    serde_json::from_value(value).expect("a valid schema object")
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// One key naming the kind of condition, and its argument.
fn one_key(key: &str, value: Value) -> Value {
    json!({
        "type": "object",
        "properties": { key: value },
        "required": [key],
        "additionalProperties": false,
    })
}

macro_rules! documented {
    ($marker:ident, $name:literal, $body:expr, [$($dep:ident),*]) => {
        #[doc = concat!("The schema of `", $name, "`.")]
        pub struct $marker;

        impl PartialSchema for $marker {
            fn schema() -> RefOr<Schema> {
                schema($body)
            }
        }

        impl ToSchema for $marker {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn schemas(out: &mut Vec<(String, RefOr<Schema>)>) {
                let _ = &out;
                $(
                    out.push((<$dep as ToSchema>::name().into_owned(), <$dep as PartialSchema>::schema()));
                    <$dep as ToSchema>::schemas(out);
                )*
            }
        }
    };
}

pub fn routing_rule_example() -> Value {
    json!({
        "id": "tpe-streetlight-taipower",
        "name": "路燈 10 盞以上不亮轉台電",
        "order": 10,
        "enabled": true,
        "when": {"all": [
            {"category_is": "1999-L01"},
            {"attribute": {"code": "lamps_out", "test": {"at_least": 10}}}
        ]},
        "department": "TPC"
    })
}

pub fn triage_rule_example() -> Value {
    json!({
        "id": "gas-leak",
        "name": "瓦斯外洩",
        "enabled": true,
        "when": {"description_any": ["瓦斯外洩", "瓦斯味"]},
        "raise_to": "P1"
    })
}

pub fn sla_policy_example() -> Value {
    json!({
        "acknowledgement": {"working_days": 1},
        "reassignment_acknowledgement": {"working_days": 1},
        "first_response": {"working_days": 3},
        "resolution": {"working_days": 6},
        "at_risk_percent": 25,
        "calendar": "business"
    })
}

fn rule_identity() -> (Value, Value) {
    (
        json!({
            "type": "string",
            "pattern": "^[A-Za-z0-9._-]{1,64}$",
            "description": "Unique among the rules of its kind: 1–64 of `A-Z a-z 0-9 - _ .`."
        }),
        json!({ "type": "string", "minLength": 1, "maxLength": 100 }),
    )
}

documented!(
    RoutingRuleSchema,
    "RoutingRule",
    {
        let (id, name) = rule_identity();
        json!({
            "type": "object",
            "description": "A routing rule (`crate::domain::rules::RoutingRule`): the first enabled rule, by ascending `order` then `id`, whose `when` matches decides the department or utility; otherwise the category's department does.",
            "properties": {
                "id": id,
                "name": name,
                "order": { "type": "integer", "format": "int32", "default": 0 },
                "enabled": { "type": "boolean", "default": true },
                "when": reference("Condition"),
                "department": { "type": "string", "description": "The department or utility code the case goes to." }
            },
            "required": ["id", "name", "when", "department"],
            "additionalProperties": false,
            "example": routing_rule_example(),
        })
    },
    [ConditionSchema]
);

documented!(
    TriageRuleSchema,
    "TriageRule",
    {
        let (id, name) = rule_identity();
        json!({
            "type": "object",
            "description": "A triage rule (`crate::domain::rules::TriageRule`): when it matches, the case's urgency is raised to `raise_to` (never lowered).",
            "properties": {
                "id": id,
                "name": name,
                "enabled": { "type": "boolean", "default": true },
                "when": reference("Condition"),
                "raise_to": { "type": "string", "enum": Urgency::ALL }
            },
            "required": ["id", "name", "when", "raise_to"],
            "additionalProperties": false,
            "example": triage_rule_example(),
        })
    },
    [ConditionSchema]
);

documented!(
    ConditionSchema,
    "Condition",
    json!({
        "description": "A test on a case's facts (`crate::domain::rules::Condition`): an object with exactly one key. `all: []` always matches; `any` needs at least one condition. Keywords and text tests compare normalised text (half-width, 台→臺, lower case).",
        "oneOf": [
            one_key("category_is", json!({ "type": "string", "description": "The category code is exactly this." })),
            one_key("category_in", json!({ "type": "array", "items": { "type": "string" }, "minItems": 1 })),
            one_key("district_in", json!({ "type": "array", "items": { "type": "string" }, "minItems": 1 })),
            one_key("attribute", json!({
                "type": "object",
                "properties": {
                    "code": { "type": "string", "description": "The attribute code of the category." },
                    "test": reference("AttributeTest")
                },
                "required": ["code", "test"],
                "additionalProperties": false
            })),
            one_key("description_any", json!({ "type": "array", "items": { "type": "string" }, "minItems": 1, "description": "The description contains any of these keywords." })),
            one_key("all", json!({ "type": "array", "items": reference("Condition") })),
            one_key("any", json!({ "type": "array", "items": reference("Condition"), "minItems": 1 })),
            one_key("not", reference("Condition")),
        ],
        "example": {"all": [
            {"category_is": "1999-L01"},
            {"attribute": {"code": "lamps_out", "test": {"at_least": 10}}}
        ]},
    }),
    [AttributeTestSchema]
);

documented!(
    AttributeTestSchema,
    "AttributeTest",
    json!({
        "description": "A test on an attribute's answers (`crate::domain::rules::AttributeTest`); for multi-value attributes it passes when any value passes. Numeric tests fail on a missing or non-numeric answer.",
        "oneOf": [
            one_key("equals", json!({ "type": "string" })),
            one_key("one_of", json!({ "type": "array", "items": { "type": "string" }, "minItems": 1 })),
            one_key("at_least", json!({ "type": "number" })),
            one_key("at_most", json!({ "type": "number" })),
            one_key("between", json!({
                "type": "object",
                "properties": { "min": { "type": "number" }, "max": { "type": "number" } },
                "required": ["min", "max"],
                "additionalProperties": false,
                "description": "Inclusive."
            })),
            one_key("contains", json!({ "type": "string" })),
        ],
        "example": {"at_least": 10},
    }),
    []
);

documented!(
    SlaPolicySchema,
    "SlaPolicy",
    json!({
        "type": "object",
        "description": "The SLA of a category or urgency (`crate::domain::sla::SlaPolicy`): a budget per clock, the calendar the clocks count on, and when a running clock is at risk.",
        "properties": {
            "acknowledgement": reference("SlaDuration"),
            "reassignment_acknowledgement": {
                "allOf": [reference("SlaDuration")],
                "description": "The new department's acknowledgement budget after a reassignment (改分)."
            },
            "first_response": reference("SlaDuration"),
            "resolution": reference("SlaDuration"),
            "at_risk_percent": {
                "type": "integer", "minimum": 0, "maximum": 100, "default": 25,
                "description": "A running clock is at risk when less than this percentage of its budget remains."
            },
            "calendar": {
                "type": "string",
                "enum": ["business", "24x7", "business_through_closures"],
                "description": "What the clocks count: `business`, office time on working days, paused on declared closure days (a typhoon day); `business_through_closures`, office time that keeps counting on closure days; `24x7`, every hour of every day (a working day is then 24 hours). Left out: the urgency's default (P1 `24x7`, P2 `business_through_closures`, P3 and P4 `business`)."
            }
        },
        "required": ["acknowledgement", "reassignment_acknowledgement", "first_response", "resolution"],
        "example": sla_policy_example(),
    }),
    [SlaDurationSchema]
);

documented!(
    SlaDurationSchema,
    "SlaDuration",
    json!({
        "description": "A clock's budget: working days (due at the end of office hours on the n-th working day after the start) or working hours of office time.",
        "oneOf": [
            one_key("working_days", json!({ "type": "integer", "minimum": 1, "maximum": 366 })),
            one_key("working_hours", json!({ "type": "integer", "minimum": 1, "maximum": 2000 })),
        ],
        "example": {"working_days": 6},
    }),
    []
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_what_the_domain_reads() {
        let _: crate::domain::rules::RoutingRule =
            serde_json::from_value(routing_rule_example()).expect("routing rule");
        let _: crate::domain::rules::TriageRule =
            serde_json::from_value(triage_rule_example()).expect("triage rule");
        let _: crate::domain::sla::SlaPolicy =
            serde_json::from_value(sla_policy_example()).expect("SLA policy");
        let condition = serde_json::to_value(ConditionSchema::schema()).expect("json");
        let _: crate::domain::rules::Condition =
            serde_json::from_value(condition["example"].clone()).expect("condition");
    }

    #[test]
    fn built_in_rules_serialise_to_the_documented_keys() {
        // The documented property names are the ones the domain writes.
        let rule =
            serde_json::to_value(&crate::domain::rules::taipei_routing_rules()[0]).expect("json");
        let documented = serde_json::to_value(RoutingRuleSchema::schema()).expect("json");
        for key in rule.as_object().expect("object").keys() {
            assert!(
                documented["properties"].get(key).is_some(),
                "RoutingRule.{key} is not documented"
            );
        }
        let rule =
            serde_json::to_value(&crate::domain::rules::default_triage_rules()[0]).expect("json");
        let documented = serde_json::to_value(TriageRuleSchema::schema()).expect("json");
        for key in rule.as_object().expect("object").keys() {
            assert!(
                documented["properties"].get(key).is_some(),
                "TriageRule.{key} is not documented"
            );
        }
    }
}
