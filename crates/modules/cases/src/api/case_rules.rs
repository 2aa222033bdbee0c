//! How cases are handled, as administrators configure it: routing and triage rules, SLA
//! policies and the business calendar.

use super::cases::dto::*;
use super::schemas::{RoutingRuleSchema, SlaPolicySchema, TriageRuleSchema};
use crate::api::ApiPath as Path;
use crate::api::{ApiError, Caller, JsonBody, reply};
use crate::casework::CalendarChange;
use crate::domain::rules::{RoutingRule, TriageRule};
use crate::doors::CasesState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Message;
use domain::datetime::format_unix;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webkit::openapi::NotFound;

/// The jurisdiction's routing rules (the built-in ones until replaced).
#[utoipa::path(
    get,
    path = "/api/v1/rules/routing",
    tag = "rules",
    responses((status = 200, description = "The rules", body = [RoutingRuleSchema]))
)]
pub(super) async fn routing_rules(State(state): State<CasesState>, caller: Caller) -> Response {
    let result = state.cases.routing_rules_for(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |r| r)
}

/// Replaces the routing rules; a rule naming an unknown department, category, district or
/// attribute is refused with every problem listed.
#[utoipa::path(
    put,
    path = "/api/v1/rules/routing",
    tag = "rules",
    request_body = [RoutingRuleSchema],
    responses((status = 200, description = "The stored rules", body = [RoutingRuleSchema]))
)]
pub(super) async fn set_routing_rules(
    State(state): State<CasesState>,
    caller: Caller,
    JsonBody(rules): JsonBody<Vec<RoutingRule>>,
) -> Response {
    let result = state.cases.set_routing_rules(&caller.actor, rules).await;
    reply(caller.lang, StatusCode::OK, result, |r| r)
}

/// The jurisdiction's triage rules (the built-in ones until replaced).
#[utoipa::path(
    get,
    path = "/api/v1/rules/triage",
    tag = "rules",
    responses((status = 200, description = "The rules", body = [TriageRuleSchema]))
)]
pub(super) async fn triage_rules(State(state): State<CasesState>, caller: Caller) -> Response {
    let result = state.cases.triage_rules_for(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |r| r)
}

/// Replaces the triage rules.
#[utoipa::path(
    put,
    path = "/api/v1/rules/triage",
    tag = "rules",
    request_body = [TriageRuleSchema],
    responses((status = 200, description = "The stored rules", body = [TriageRuleSchema]))
)]
pub(super) async fn set_triage_rules(
    State(state): State<CasesState>,
    caller: Caller,
    JsonBody(rules): JsonBody<Vec<TriageRule>>,
) -> Response {
    let result = state.cases.set_triage_rules(&caller.actor, rules).await;
    reply(caller.lang, StatusCode::OK, result, |r| r)
}

/// A change an administrator made to the business calendar.
#[derive(Serialize, ToSchema)]
pub(crate) struct CalendarOut {
    created_at: String,
    created_by: String,
    /// `YYYY-MM-DD`, for holidays and make-up working days.
    day: Option<String>,
    /// For closures.
    ends_at: Option<String>,
    id: String,
    /// `holiday`, `makeup_workday` or `closure` (e.g. a typhoon day).
    kind: String,
    name: String,
    /// For closures.
    starts_at: Option<String>,
}

fn calendar_json(r: &store::case_config::CalendarRow) -> CalendarOut {
    CalendarOut {
        id: r.id.clone(),
        kind: r.kind.clone(),
        day: r.day.clone(),
        starts_at: time(r.starts_at),
        ends_at: time(r.ends_at),
        name: r.name.clone(),
        created_at: format_unix(r.created_at),
        created_by: r.created_by.clone(),
    }
}

/// The administrators' changes to the built-in business calendar.
#[utoipa::path(
    get,
    path = "/api/v1/calendar",
    tag = "calendar",
    responses((status = 200, description = "The changes", body = [CalendarOut]))
)]
pub(super) async fn calendar(State(state): State<CasesState>, caller: Caller) -> Response {
    let result = state.cases.calendar_changes(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |rows| {
        rows.iter().map(calendar_json).collect::<Vec<_>>()
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "closure", "starts_at": "2026-09-03T00:00:00Z", "ends_at": "2026-09-04T00:00:00Z", "name": "颱風停班"}))]
pub(crate) struct CalendarBody {
    /// `holiday`, `makeup_workday` (with `day`) or `closure` (with `starts_at` and `ends_at`).
    #[schema(example = "holiday")]
    kind: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    day: Option<String>,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    #[serde(default)]
    starts_at: Option<String>,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    #[serde(default)]
    ends_at: Option<String>,
    name: String,
}

/// Adds a holiday, a make-up working day or a declared closure; open cases' due dates are
/// recomputed at once.
#[utoipa::path(
    post,
    path = "/api/v1/calendar",
    tag = "calendar",
    request_body = CalendarBody,
    responses((status = 201, description = "Added", body = CalendarOut))
)]
pub(super) async fn change_calendar(
    State(state): State<CasesState>,
    caller: Caller,
    JsonBody(b): JsonBody<CalendarBody>,
) -> Response {
    let bad = |m: Message| {
        ApiError::new(StatusCode::BAD_REQUEST, m)
            .in_lang(caller.lang)
            .into_response()
    };
    let change = if b.kind == "closure" {
        let parse = |v: &Option<String>, field: &'static str| match v {
            Some(t) => domain::datetime::parse(t).map_err(|e| e.message()),
            None => Err(Message::new("error-field-required").arg("field", field)),
        };
        match (
            parse(&b.starts_at, "starts_at"),
            parse(&b.ends_at, "ends_at"),
        ) {
            (Ok(starts_at), Ok(ends_at)) => CalendarChange::Closure {
                starts_at,
                ends_at,
                name: b.name,
            },
            (Err(m), _) | (_, Err(m)) => return bad(m),
        }
    } else {
        let Some(day) = b.day else {
            return bad(Message::new("error-field-required").arg("field", "day"));
        };
        CalendarChange::Day {
            day,
            kind: b.kind,
            name: b.name,
        }
    };
    let result = state.cases.change_calendar(&caller.actor, change).await;
    reply(caller.lang, StatusCode::CREATED, result, |r| {
        calendar_json(&r)
    })
}

/// An SLA policy and what it applies to.
#[derive(Serialize, ToSchema)]
pub(crate) struct ScopedPolicyOut {
    #[schema(value_type = SlaPolicySchema)]
    policy: crate::domain::sla::SlaPolicy,
    /// A category code, or an urgency `P1`…`P4`.
    #[schema(example = "P4")]
    scope: String,
}

/// The SLA policies in force: per urgency, and the categories' overrides.
#[utoipa::path(
    get,
    path = "/api/v1/sla-policies",
    tag = "sla",
    responses((status = 200, description = "The policies", body = [ScopedPolicyOut]))
)]
pub(super) async fn sla_policies(State(state): State<CasesState>, caller: Caller) -> Response {
    let result = state.cases.sla_policies(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.into_iter()
            .map(|(scope, policy)| ScopedPolicyOut { scope, policy })
            .collect::<Vec<_>>()
    })
}

/// Sets the SLA policy of a category or an urgency; open cases' due dates are recomputed.
#[utoipa::path(
    put,
    path = "/api/v1/sla-policies/{scope}",
    tag = "sla",
    params(("scope" = String, Path, description = "A category code, or an urgency `P1`…`P4`")),
    request_body = SlaPolicySchema,
    responses(
        (status = 200, description = "The policy", body = ScopedPolicyOut),
        (status = 404, response = NotFound),
    )
)]
pub(super) async fn set_sla_policy(
    State(state): State<CasesState>,
    caller: Caller,
    Path(scope): Path<String>,
    JsonBody(policy): JsonBody<crate::domain::sla::SlaPolicy>,
) -> Response {
    let result = state
        .cases
        .set_sla_policy(&caller.actor, &scope, policy)
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| ScopedPolicyOut {
        scope,
        policy,
    })
}
