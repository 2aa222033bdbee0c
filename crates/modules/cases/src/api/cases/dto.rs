//! What the case operations share: a case as staff work it (with its SLA clocks and events),
//! and how a JSON body's category answers are read.

use crate::store::case_work::WorkView;
use domain::datetime::format_unix;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub(crate) fn time(t: Option<i64>) -> Option<String> {
    t.map(format_unix)
}

pub(crate) fn parse_json(text: &Option<String>) -> Value {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

pub(crate) const CASE_NUMBER: &str = "The case number: the local date, then the day's sequence, e.g. `2026112400042` (longer past the day's 99,999th case: `2026112499999100000`)";

/// A case's SLA clocks.
#[derive(Serialize, ToSchema)]
pub(crate) struct SlaOut {
    pub(crate) acknowledgement_due: Option<String>,
    pub(crate) first_response_due: Option<String>,
    pub(crate) resolution_due: Option<String>,
    /// `running`, `paused` (waiting for information), `at_risk`, `breached` or `met`; null
    /// before the clocks start.
    pub(crate) state: Option<String>,
    /// The calendar the due dates count on (`business`, `24x7`, `business_through_closures`):
    /// only in the answer for one case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) calendar: Option<&'static str>,
}

/// One event of a case's log (staff view: internal events included).
#[derive(Serialize, ToSchema)]
pub(crate) struct EventOut {
    /// Who: a staff member's name, `citizen`, `system`, or an Open311 client.
    pub(crate) actor: String,
    pub(crate) at: String,
    /// Details of the event (free-form).
    #[schema(value_type = Object)]
    pub(crate) data: Value,
    pub(crate) from_status: Option<String>,
    /// e.g. `received`, `acknowledged`, `note`, `resolved`.
    pub(crate) kind: String,
    pub(crate) note: Option<String>,
    /// Whether the citizen sees it.
    pub(crate) public: bool,
    /// Position in the jurisdiction's hash chain.
    pub(crate) seq: i64,
    pub(crate) to_status: Option<String>,
}

/// A case as staff work it.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseOut {
    pub(crate) address: Option<String>,
    pub(crate) assignee_id: Option<String>,
    pub(crate) case_number: String,
    /// The category code, e.g. `1999-L01`.
    pub(crate) category: String,
    pub(crate) closed_at: Option<String>,
    /// The department whose co-sign (會簽) is open, if one is: the case's status goes on
    /// beside it, and the case cannot be resolved until it is completed or withdrawn.
    pub(crate) cosign_department: Option<String>,
    /// The holding department's code.
    pub(crate) department: Option<String>,
    pub(crate) description: String,
    pub(crate) district: Option<String>,
    /// The event log: only in the answer for one case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) events: Option<Vec<EventOut>>,
    /// The case number this case was merged into (status `duplicate`).
    pub(crate) merged_into: Option<String>,
    /// `fixed`, `not_fixed`, `not_our_responsibility`, `no_problem_found`, `duplicate` or
    /// `deferred`, once resolved.
    pub(crate) outcome: Option<String>,
    pub(crate) requested_at: String,
    /// How the department was decided: the department, the rule id (null for the category's
    /// default) and the reasons as message ids with arguments.
    #[schema(value_type = Option<Object>)]
    pub(crate) routing: Value,
    pub(crate) sla: SlaOut,
    /// `received`, `triaged`, `assigned`, `acknowledged`, `in_progress`, `on_site`,
    /// `needs_info`, `transferred`, `resolved`, `closed`, `rejected`, `duplicate` or
    /// `external`.
    #[schema(example = "assigned")]
    pub(crate) status: String,
    pub(crate) status_notes: Option<String>,
    /// The triage rules that matched (each with its id, name and reasons as message ids with
    /// arguments).
    #[schema(value_type = Option<Vec<Object>>)]
    pub(crate) triage: Value,
    pub(crate) updated_at: String,
    /// `P1` (most urgent) to `P4`.
    #[schema(example = "P4")]
    pub(crate) urgency: String,
}

pub(crate) fn work_json(w: &WorkView) -> CaseOut {
    CaseOut {
        case_number: w.case_number.clone(),
        status: w.status.clone(),
        outcome: w.outcome.clone(),
        category: w.category_code.clone(),
        urgency: w.urgency.clone(),
        department: w.department_code.clone(),
        assignee_id: w.assignee_id.clone(),
        cosign_department: w.cosign_department_code.clone(),
        district: w.district_code.clone(),
        description: w.description.clone(),
        address: w.address.clone(),
        status_notes: w.status_notes.clone(),
        routing: parse_json(&w.routing),
        triage: parse_json(&w.triage),
        sla: SlaOut {
            state: w.sla_state.clone(),
            acknowledgement_due: time(w.ack_due_at),
            first_response_due: time(w.response_due_at),
            resolution_due: time(w.resolution_due_at),
            calendar: None,
        },
        merged_into: w.merged_into.clone(),
        requested_at: format_unix(w.requested_at),
        updated_at: format_unix(w.updated_at),
        closed_at: time(w.closed_at),
        events: None,
    }
}

/// Attribute answers from a JSON object: a value, or an array of values for multi-value lists.
pub(crate) fn attribute_answers(
    map: std::collections::BTreeMap<String, Value>,
) -> Vec<(String, Vec<String>)> {
    map.into_iter()
        .map(|(code, v)| {
            let values = match v {
                Value::Array(items) => items.iter().map(value_text).collect(),
                other => vec![value_text(&other)],
            };
            (code, values)
        })
        .collect()
}

pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
