//! Case work over the API: intake by agents, queues, the staff view of a case, every dispatch
//! and field operation, routing and triage rules, calendar changes, and the citizen's
//! tracking, reopening and survey.

use super::doc::{NotFound, Problem, TooManyRequests};
use super::schemas::{RoutingRuleSchema, SlaPolicySchema, TriageRuleSchema};
use super::{ApiError, Caller, ClientAddr, JsonBody, Lang, reply};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Message;
use domain::datetime::format_unix;
use domain::lifecycle::Outcome;
use domain::rules::{RoutingRule, TriageRule};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use services::casework::{CalendarChange, Operation, QueueRequest, Tracking};
use services::intake::NewReport;
use store::case_work::WorkView;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue, file))
        .routes(routes!(detail))
        .routes(routes!(act))
        .routes(routes!(photos).layer(axum::extract::DefaultBodyLimit::max(
            crate::open311::MAX_MULTIPART_BYTES,
        )))
        .routes(routes!(duplicates))
        .routes(routes!(sla_policies))
        .routes(routes!(set_sla_policy))
        .routes(routes!(routing_rules, set_routing_rules))
        .routes(routes!(triage_rules, set_triage_rules))
        .routes(routes!(calendar, change_calendar))
        .routes(routes!(report))
        .routes(routes!(my_cases))
        .routes(routes!(track))
        .routes(routes!(reopen))
        .routes(routes!(survey))
}

fn time(t: Option<i64>) -> Option<String> {
    t.map(format_unix)
}

fn parse_json(text: &Option<String>) -> Value {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

const CASE_NUMBER: &str = "The case number: the local date, then the day's sequence, e.g. `2026112400042` (longer past the day's 99,999th case: `2026112499999100000`)";

/// A case's SLA clocks.
#[derive(Serialize, ToSchema)]
struct SlaOut {
    acknowledgement_due: Option<String>,
    first_response_due: Option<String>,
    resolution_due: Option<String>,
    /// `running`, `paused` (waiting for information), `at_risk`, `breached` or `met`; null
    /// before the clocks start.
    state: Option<String>,
}

/// One event of a case's log (staff view: internal events included).
#[derive(Serialize, ToSchema)]
struct EventOut {
    /// Who: a staff member's name, `citizen`, `system`, or an Open311 client.
    actor: String,
    at: String,
    /// Details of the event (free-form).
    #[schema(value_type = Object)]
    data: Value,
    from_status: Option<String>,
    /// e.g. `received`, `acknowledged`, `note`, `resolved`.
    kind: String,
    note: Option<String>,
    /// Whether the citizen sees it.
    public: bool,
    /// Position in the jurisdiction's hash chain.
    seq: i64,
    to_status: Option<String>,
}

/// A case as staff work it.
#[derive(Serialize, ToSchema)]
pub(super) struct CaseOut {
    address: Option<String>,
    assignee_id: Option<String>,
    case_number: String,
    /// The category code, e.g. `1999-L01`.
    category: String,
    closed_at: Option<String>,
    cosign_department: Option<String>,
    /// The holding department's code.
    department: Option<String>,
    description: String,
    district: Option<String>,
    /// The event log: only in the answer for one case.
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventOut>>,
    /// The case number this case was merged into (status `duplicate`).
    merged_into: Option<String>,
    /// `fixed`, `not_fixed`, `not_our_responsibility`, `no_problem_found`, `duplicate` or
    /// `deferred`, once resolved.
    outcome: Option<String>,
    requested_at: String,
    /// How the department was decided: the department, the rule id (null for the category's
    /// default) and the reasons as message ids with arguments.
    #[schema(value_type = Option<Object>)]
    routing: Value,
    sla: SlaOut,
    /// `received`, `triaged`, `assigned`, `acknowledged`, `in_progress`, `on_site`,
    /// `needs_info`, `cosign`, `transferred`, `resolved`, `closed`, `rejected`, `duplicate` or
    /// `external`.
    #[schema(example = "assigned")]
    status: String,
    status_notes: Option<String>,
    /// The triage rules that matched (each with its id, name and reasons as message ids with
    /// arguments).
    #[schema(value_type = Option<Vec<Object>>)]
    triage: Value,
    updated_at: String,
    /// `P1` (most urgent) to `P4`.
    #[schema(example = "P4")]
    urgency: String,
}

pub(super) fn work_json(w: &WorkView) -> CaseOut {
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
        },
        merged_into: w.merged_into.clone(),
        requested_at: format_unix(w.requested_at),
        updated_at: format_unix(w.updated_at),
        closed_at: time(w.closed_at),
        events: None,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueQuery {
    /// Only this department's cases (one of the caller's).
    department: Option<String>,
    /// Only the cases assigned to the caller (field workers).
    #[serde(default)]
    mine: bool,
    /// Comma-separated statuses, e.g. `assigned,acknowledged`; open cases when omitted.
    status: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// 1–200, default 50.
    limit: Option<u64>,
}

/// A page of a queue.
#[derive(Serialize, ToSchema)]
struct QueueOut {
    cases: Vec<CaseOut>,
    /// The cursor of the next page (`after`); null on the last page.
    next: Option<String>,
}

/// The caller's queue: open cases of their departments (the whole jurisdiction for agents and
/// supervisors), earliest resolution due date first.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "cases",
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of cases", body = QueueOut),
        (status = 400, description = "An invalid cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    super::ApiQuery(q): super::ApiQuery<QueueQuery>,
) -> Response {
    let after = match q.after.as_deref().map(|c| {
        c.split_once('.')
            .and_then(|(d, n)| Some((d.parse::<i64>().ok()?, n.to_string())))
    }) {
        Some(None) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                Message::new("error-cursor-invalid"),
            )
            .in_lang(caller.lang)
            .into_response();
        }
        Some(Some(c)) => Some(c),
        None => None,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let request = QueueRequest {
        department: q.department,
        mine: q.mine,
        statuses: q.status.map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        }),
        after,
        limit,
        ..QueueRequest::default()
    };
    let result = state.services.case_queue(&caller.actor, request).await;
    reply(caller.lang, StatusCode::OK, result, |cases| {
        let next = (cases.len() as u64 == limit).then(|| {
            cases
                .last()
                .map(|w| format!("{}.{}", w.queue_due(), w.case_number))
        });
        QueueOut {
            cases: cases.iter().map(work_json).collect(),
            next: next.flatten(),
        }
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewCaseBody {
    /// The category code.
    #[schema(example = "1999-L01")]
    service_code: String,
    /// WGS84 latitude; with `long`, or give `address`.
    #[serde(default)]
    #[schema(example = 25.0377)]
    lat: Option<f64>,
    #[serde(default)]
    #[schema(example = 121.5436)]
    long: Option<f64>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// The category's attributes by code: a value or a list of values.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"lamps_out": 3}))]
    attributes: std::collections::BTreeMap<String, Value>,
    /// The caller's phone number (kept with the reporter, never published).
    #[serde(default)]
    caller_phone: Option<String>,
    #[serde(default)]
    caller_email: Option<String>,
    #[serde(default)]
    caller_name: Option<String>,
}

/// A filed case.
#[derive(Serialize, ToSchema)]
struct FiledOut {
    case_number: String,
    /// The department's name (zh-TW).
    department: Option<String>,
    /// Set when the description reads like an emergency: `kind` (`110` or `119`), the
    /// `matched` keywords and the redirect `message` to read to the caller.
    #[schema(value_type = Option<Object>)]
    emergency: Value,
    /// The case password for the citizen, shown once.
    password: String,
}

/// An agent files a case for a caller (channel: phone).
#[utoipa::path(
    post,
    path = "/api/v1/cases",
    tag = "cases",
    request_body = NewCaseBody,
    responses(
        (status = 201, description = "Filed", body = FiledOut),
        (status = 404, response = NotFound),
    )
)]
async fn file(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewCaseBody>,
) -> Response {
    let attributes = attribute_answers(b.attributes);
    let report = NewReport {
        service_code: Some(b.service_code),
        lat: b.lat.map(|v| v.to_string()),
        long: b.long.map(|v| v.to_string()),
        address: b.address,
        description: b.description,
        attributes,
        reporter: store::cases::Reporter {
            phone: b.caller_phone,
            email: b.caller_email,
            first_name: b.caller_name,
            ..Default::default()
        },
        ..NewReport::default()
    };
    let result = state.services.file_for_caller(&caller.actor, report).await;
    reply(caller.lang, StatusCode::CREATED, result, |f| FiledOut {
        emergency: super::desk::emergency_json(caller.lang, f.emergency.as_ref()),
        case_number: f.case_number,
        password: f.password,
        department: f.department_name.map(|n| n.zh),
    })
}

/// Attribute answers from a JSON object: a value, or an array of values for multi-value lists.
fn attribute_answers(map: std::collections::BTreeMap<String, Value>) -> Vec<(String, Vec<String>)> {
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

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A case's working state and every event, internal ones included.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{number}",
    tag = "cases",
    params(("number" = String, Path, description = CASE_NUMBER)),
    responses(
        (status = 200, description = "The case", body = CaseOut),
        (status = 404, response = NotFound),
    )
)]
async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> Response {
    let result = state.services.case_detail(&caller.actor, &number).await;
    reply(caller.lang, StatusCode::OK, result, |d| {
        let events = d
            .events
            .iter()
            .map(|e| EventOut {
                seq: e.chain_seq,
                kind: e.event.kind.clone(),
                actor: e.event.actor.clone(),
                public: e.event.public,
                from_status: e.event.from_status.clone(),
                to_status: e.event.to_status.clone(),
                note: e.event.note.clone(),
                data: serde_json::from_str::<Value>(&e.event.data).unwrap_or(Value::Null),
                at: format_unix(e.event.created_at),
            })
            .collect();
        CaseOut {
            events: Some(events),
            ..work_json(&d.work)
        }
    })
}

/// An operation on a case; which fields it needs depends on `action`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "reassign", "department": "PWD-RD", "reason": "路面屬新工處管轄"}))]
struct ActionBody {
    /// `acknowledge`, `assign_worker` (`assignee_id`), `reassign` (`department`, `reason`),
    /// `request_cosign` (`department`, `note`), `complete_cosign`, `transfer_external`
    /// (`department`), `start`, `arrive` (`lat`, `long`), `leave_site`, `note` (`note`,
    /// `public`), `request_info`, `provide_info`, `resolve` (`outcome`, `note`, `responsible`,
    /// `deferred_until`), `close`, `reject` (`reason`) or `merge` (`into`).
    #[schema(example = "acknowledge")]
    action: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    assignee_id: Option<String>,
    #[serde(default)]
    public: Option<bool>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    long: Option<f64>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    responsible: Option<String>,
    #[serde(default)]
    deferred_until: Option<String>,
    /// For `merge`: the case number this one duplicates.
    #[serde(default)]
    into: Option<String>,
}

fn operation(b: ActionBody) -> Result<Operation, Message> {
    let text = |v: Option<String>| v.unwrap_or_default();
    let need = |v: Option<String>, field: &'static str| {
        v.ok_or_else(|| Message::new("error-field-required").arg("field", field))
    };
    Ok(match b.action.as_str() {
        "acknowledge" => Operation::Acknowledge,
        "assign_worker" => Operation::AssignWorker {
            account_id: need(b.assignee_id, "assignee_id")?,
        },
        "reassign" => Operation::Reassign {
            department: need(b.department, "department")?,
            reason: text(b.reason),
        },
        "request_cosign" => Operation::RequestCosign {
            department: need(b.department, "department")?,
            note: text(b.note),
        },
        "complete_cosign" => Operation::CompleteCosign { note: text(b.note) },
        "transfer_external" => Operation::TransferExternal {
            department: need(b.department, "department")?,
            note: text(b.note),
        },
        "start" => Operation::Start,
        "arrive" => Operation::Arrive {
            lat: b.lat,
            lon: b.long,
        },
        "leave_site" => Operation::LeaveSite,
        "note" => Operation::Note {
            text: text(b.note),
            public: b.public.unwrap_or(false),
        },
        "request_info" => Operation::RequestInfo { note: text(b.note) },
        "provide_info" => Operation::ProvideInfo { note: text(b.note) },
        "resolve" => Operation::Resolve {
            outcome: need(b.outcome.clone(), "outcome").and_then(|o| {
                Outcome::parse(&o)
                    .ok_or_else(|| Message::new("error-outcome-unknown").arg("outcome", o))
            })?,
            note: text(b.note),
            responsible: b.responsible,
            deferred_until: b.deferred_until,
        },
        "close" => Operation::Close { note: b.note },
        "reject" => Operation::Reject {
            reason: text(b.reason),
        },
        "merge" => Operation::MergeInto {
            case_number: need(b.into, "into")?,
        },
        other => return Err(Message::new("error-action-unknown").arg("action", other)),
    })
}

/// Applies a dispatch or field operation (see docs/CASEWORK.md for who may do what).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{number}/actions",
    tag = "cases",
    params(("number" = String, Path, description = CASE_NUMBER)),
    request_body = ActionBody,
    responses(
        (status = 200, description = "The case after the operation", body = CaseOut),
        (status = 404, response = NotFound),
    )
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    JsonBody(b): JsonBody<ActionBody>,
) -> Response {
    let op = match operation(b) {
        Ok(op) => op,
        Err(m) => {
            return ApiError::new(StatusCode::BAD_REQUEST, m)
                .in_lang(caller.lang)
                .into_response();
        }
    };
    let result = state.services.operate(&caller.actor, &number, op).await;
    reply(caller.lang, StatusCode::OK, result, |w| work_json(&w))
}

/// The jurisdiction's routing rules (the built-in ones until replaced).
#[utoipa::path(
    get,
    path = "/api/v1/rules/routing",
    tag = "rules",
    responses((status = 200, description = "The rules", body = [RoutingRuleSchema]))
)]
async fn routing_rules(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.routing_rules_for(&caller.actor).await;
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
async fn set_routing_rules(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(rules): JsonBody<Vec<RoutingRule>>,
) -> Response {
    let result = state.services.set_routing_rules(&caller.actor, rules).await;
    reply(caller.lang, StatusCode::OK, result, |r| r)
}

/// The jurisdiction's triage rules (the built-in ones until replaced).
#[utoipa::path(
    get,
    path = "/api/v1/rules/triage",
    tag = "rules",
    responses((status = 200, description = "The rules", body = [TriageRuleSchema]))
)]
async fn triage_rules(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.triage_rules_for(&caller.actor).await;
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
async fn set_triage_rules(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(rules): JsonBody<Vec<TriageRule>>,
) -> Response {
    let result = state.services.set_triage_rules(&caller.actor, rules).await;
    reply(caller.lang, StatusCode::OK, result, |r| r)
}

/// A change an administrator made to the business calendar.
#[derive(Serialize, ToSchema)]
struct CalendarOut {
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
async fn calendar(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.calendar_changes(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |rows| {
        rows.iter().map(calendar_json).collect::<Vec<_>>()
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "closure", "starts_at": "2026-09-03T00:00:00Z", "ends_at": "2026-09-04T00:00:00Z", "name": "颱風停班"}))]
struct CalendarBody {
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
async fn change_calendar(
    State(state): State<AppState>,
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
    let result = state.services.change_calendar(&caller.actor, change).await;
    reply(caller.lang, StatusCode::CREATED, result, |r| {
        calendar_json(&r)
    })
}

/// A case as its citizen sees it.
#[derive(Serialize, ToSchema)]
struct TrackingOut {
    case_number: String,
    category: String,
    department: Option<String>,
    /// When the case is due to be resolved.
    due_at: Option<String>,
    outcome: Option<String>,
    /// Until when the citizen may reopen it (7 days after resolution).
    reopen_until: Option<String>,
    status: String,
    /// The public events.
    timeline: Vec<TimelineOut>,
}

/// A public event.
#[derive(Serialize, ToSchema)]
struct TimelineOut {
    at: String,
    kind: String,
    note: Option<String>,
    status: Option<String>,
}

fn tracking_json(t: &Tracking) -> TrackingOut {
    TrackingOut {
        case_number: t.case_number.clone(),
        status: t.status.clone(),
        outcome: t.outcome.clone(),
        category: t.category_code.clone(),
        department: t.department_code.clone(),
        due_at: time(t.due_at),
        reopen_until: time(t.reopen_until),
        timeline: t
            .timeline
            .iter()
            .map(|e| TimelineOut {
                at: format_unix(e.at),
                kind: e.kind.clone(),
                status: e.status.clone(),
                note: e.note.clone(),
            })
            .collect(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TrackBody {
    #[schema(example = "2026112400042")]
    case_number: String,
    /// The case password shown at filing.
    password: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
    /// For a reopen: why the case is not resolved.
    #[serde(default)]
    reason: Option<String>,
}

async fn jurisdiction_of(
    state: &AppState,
    lang: Lang,
    given: &Option<String>,
) -> Result<domain::catalog::Jurisdiction, Response> {
    let id = given
        .clone()
        .or_else(|| state.services.config().default_jurisdiction.clone())
        .unwrap_or_default();
    state
        .services
        .jurisdiction(&id)
        .await
        .map_err(|e| ApiError::from_service(e, lang).into_response())
}

/// Tracks a case with its number and password (anyone who has them).
#[utoipa::path(
    post,
    path = "/api/v1/track",
    tag = "citizen",
    request_body = TrackBody,
    security(()),
    responses(
        (status = 200, description = "The case", body = TrackingOut),
        (status = 404, description = "A wrong number or a wrong password (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn track(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<TrackBody>,
) -> Response {
    let j = match jurisdiction_of(&state, lang, &b.jurisdiction_id).await {
        Ok(j) => j,
        Err(r) => return r,
    };
    let result = state
        .services
        .track_case(&j, &b.case_number, &b.password, &addr)
        .await;
    reply(lang, StatusCode::OK, result, |t| tracking_json(&t))
}

/// Reopens a resolved case within 7 days; it returns to the department's queue.
#[utoipa::path(
    post,
    path = "/api/v1/track/reopen",
    tag = "citizen",
    request_body = TrackBody,
    security(()),
    responses(
        (status = 200, description = "Reopened", body = TrackingOut),
        (status = 404, description = "A wrong number or a wrong password (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn reopen(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<TrackBody>,
) -> Response {
    let j = match jurisdiction_of(&state, lang, &b.jurisdiction_id).await {
        Ok(j) => j,
        Err(r) => return r,
    };
    let reason = b.reason.unwrap_or_default();
    let result = state
        .services
        .reopen_case(&j, &b.case_number, &b.password, &reason, &addr)
        .await;
    reply(lang, StatusCode::OK, result, |t| tracking_json(&t))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SurveyBody {
    /// The token of the survey link sent at resolution.
    token: String,
    /// 1 (very dissatisfied) to 5 (very satisfied).
    #[schema(minimum = 1, maximum = 5)]
    score: i64,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// Thanks for an answer.
#[derive(Serialize, ToSchema)]
struct ThanksOut {
    thanks: bool,
}

/// Answers the satisfaction survey, once, within 7 days of resolution.
#[utoipa::path(
    post,
    path = "/api/v1/surveys",
    tag = "citizen",
    request_body = SurveyBody,
    security(()),
    responses(
        (status = 200, description = "Recorded", body = ThanksOut),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn survey(
    State(state): State<AppState>,
    lang: Lang,
    JsonBody(b): JsonBody<SurveyBody>,
) -> Response {
    let j = match jurisdiction_of(&state, lang, &b.jurisdiction_id).await {
        Ok(j) => j,
        Err(r) => return r,
    };
    let result = state
        .services
        .submit_survey(&j, &b.token, b.score, b.comment.as_deref().unwrap_or(""))
        .await;
    reply(lang, StatusCode::OK, result, |_| ThanksOut { thanks: true })
}

/// A multipart body of photos.
#[derive(ToSchema)]
#[allow(dead_code)]
struct PhotosForm {
    /// JPEG, PNG or WebP (by content), at most 10 MB each, at most 5.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<Vec<u8>>,
    /// A note recorded with the photos.
    note: Option<String>,
    /// `true` to show them to the citizen.
    #[schema(value_type = Option<String>, example = "true")]
    public: Option<String>,
}

/// Photos from the field: multipart with `photo` files (JPEG, PNG or WebP, at most 5 of
/// 10 MB each), an optional `note`, and `public` (`true` to show them to the citizen).
/// Metadata, the location included, is removed before anything is stored.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{number}/photos",
    tag = "cases",
    params(("number" = String, Path, description = CASE_NUMBER)),
    request_body(content = PhotosForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The case with the photos", body = CaseOut),
        (status = 404, response = NotFound),
    )
)]
async fn photos(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Response {
    use services::media::{MAX_MEDIA_BYTES, MediaUpload};
    let lang = caller.lang;
    let fail =
        |status: StatusCode, m: Message| ApiError::new(status, m).in_lang(lang).into_response();
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                Message::new("error-body-too-large").arg(
                    "max",
                    (crate::open311::MAX_MULTIPART_BYTES / 1024 / 1024).to_string(),
                ),
            )
        } else {
            fail(
                StatusCode::BAD_REQUEST,
                Message::new("error-body-malformed").arg("detail", e.body_text()),
            )
        }
    };
    let mut uploads = Vec::new();
    let mut note = None;
    let mut public = false;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return malformed(e),
        };
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() {
            let filename = field.file_name().map(str::to_string);
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() + chunk.len() > MAX_MEDIA_BYTES {
                            return fail(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                Message::new("error-media-too-large")
                                    .arg("name", filename.unwrap_or_default())
                                    .arg("max", (MAX_MEDIA_BYTES / 1024 / 1024).to_string()),
                            );
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) => return malformed(e),
                }
            }
            uploads.push(MediaUpload { filename, bytes });
        } else {
            let text = match field.text().await {
                Ok(t) => t,
                Err(e) => return malformed(e),
            };
            match name.as_str() {
                "note" => note = Some(text),
                "public" => public = text.trim() == "true",
                _ => {}
            }
        }
    }
    let result = state
        .services
        .add_case_photos(&caller.actor, &number, uploads, public, note)
        .await;
    reply(lang, StatusCode::OK, result, |w| work_json(&w))
}

/// An SLA policy and what it applies to.
#[derive(Serialize, ToSchema)]
struct ScopedPolicyOut {
    #[schema(value_type = SlaPolicySchema)]
    policy: domain::sla::SlaPolicy,
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
async fn sla_policies(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.sla_policies(&caller.actor).await;
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
async fn set_sla_policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(scope): Path<String>,
    JsonBody(policy): JsonBody<domain::sla::SlaPolicy>,
) -> Response {
    let result = state
        .services
        .set_sla_policy(&caller.actor, &scope, policy)
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| ScopedPolicyOut {
        scope,
        policy,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DuplicateQuery {
    /// The category code of the new report.
    #[param(example = "1999-L01")]
    service_code: String,
    /// With `long`.
    lat: Option<f64>,
    /// With `lat`.
    long: Option<f64>,
    /// Compared normalised (house numbers and floors aside).
    address: Option<String>,
    /// Default 50.
    radius_m: Option<f64>,
    /// Default 14.
    window_days: Option<u32>,
}

/// An open case the new report may duplicate.
#[derive(Serialize, ToSchema)]
struct DuplicateOut {
    case_number: String,
    /// Metres, to 0.1; null without a location.
    distance_m: Option<f64>,
    /// Why it was suggested, in the caller's language.
    reasons: Vec<String>,
    same_address: bool,
    status: String,
}

/// Open cases a new report may duplicate, for the agent before filing: same category, within
/// `radius_m` or at the same address, filed within `window_days`, nearest first.
#[utoipa::path(
    get,
    path = "/api/v1/duplicates",
    tag = "cases",
    params(DuplicateQuery),
    responses(
        (status = 200, description = "The candidates", body = [DuplicateOut]),
        (status = 400, description = "An invalid location or policy", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = NotFound),
    )
)]
async fn duplicates(
    State(state): State<AppState>,
    caller: Caller,
    super::ApiQuery(q): super::ApiQuery<DuplicateQuery>,
) -> Response {
    let point = match (q.lat, q.long) {
        (Some(lat), Some(lon)) => match domain::geo::Point::new(lat, lon) {
            Ok(p) => Some(p),
            Err(e) => {
                return ApiError::new(StatusCode::BAD_REQUEST, e.message())
                    .in_lang(caller.lang)
                    .into_response();
            }
        },
        (None, None) => None,
        _ => {
            return ApiError::new(StatusCode::BAD_REQUEST, Message::new("error-location-pair"))
                .in_lang(caller.lang)
                .into_response();
        }
    };
    let mut policy = domain::duplicates::DuplicatePolicy::default();
    if let Some(r) = q.radius_m {
        policy.radius_m = r;
    }
    if let Some(w) = q.window_days {
        policy.window_days = w;
    }
    let result = state
        .services
        .suggest_duplicates(
            &caller.actor,
            &q.service_code,
            point,
            q.address.as_deref(),
            policy,
        )
        .await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter()
            .map(|s| DuplicateOut {
                case_number: s.case_number.clone(),
                status: s.status.clone(),
                distance_m: s.distance_m.map(|d| (d * 10.0).round() / 10.0),
                same_address: s.same_address,
                reasons: s
                    .reasons
                    .iter()
                    .map(|m| crate::i18n::message(caller.lang.0, m))
                    .collect(),
            })
            .collect::<Vec<_>>()
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    /// The category code.
    #[schema(example = "1999-L01")]
    service_code: String,
    /// WGS84 latitude; with `long`, or give `address`.
    #[serde(default)]
    #[schema(example = 25.0377)]
    lat: Option<f64>,
    #[serde(default)]
    #[schema(example = 121.5436)]
    long: Option<f64>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// The category's attributes by code: a value or a list of values.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"lamps_out": 3}))]
    attributes: std::collections::BTreeMap<String, Value>,
    /// For progress notifications (kept with the reporter, never published).
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// Anonymous reports only; a signed-in citizen reports to their own jurisdiction.
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// The 110/119 notice for a report that reads like an emergency.
#[derive(Serialize, ToSchema)]
struct EmergencyOut {
    /// `110` (police) or `119` (fire and ambulance).
    #[schema(value_type = String, example = "119")]
    kind: domain::rules::EmergencyKind,
    /// The notice, in the caller's language.
    message: String,
}

/// A report filed from the web.
#[derive(Serialize, ToSchema)]
struct ReportedOut {
    case_number: String,
    /// The department's name, in the caller's language.
    department: Option<String>,
    /// Set when the description reads like an emergency: 1999 is not an emergency line (the
    /// case is filed all the same).
    emergency: Option<EmergencyOut>,
    /// The case password, shown once: with the case number it tracks the case.
    password: String,
    /// The Open311 token, if any.
    token: Option<String>,
}

/// A citizen's report from the web: anonymous, or signed in (then it appears in "my cases").
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "citizen",
    request_body = ReportBody,
    security((), ("session" = [], "csrf" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "Filed", body = ReportedOut),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn report(
    State(state): State<AppState>,
    lang: Lang,
    caller: Option<Caller>,
    super::ClientAddr(addr): super::ClientAddr,
    JsonBody(b): JsonBody<ReportBody>,
) -> Response {
    let given = caller
        .as_ref()
        .map(|c| c.actor.jurisdiction_id.clone())
        .or(b.jurisdiction_id.clone());
    let j = match jurisdiction_of(&state, lang, &given).await {
        Ok(j) => j,
        Err(r) => return r,
    };
    let attributes = attribute_answers(b.attributes);
    let report = NewReport {
        service_code: Some(b.service_code),
        lat: b.lat.map(|v| v.to_string()),
        long: b.long.map(|v| v.to_string()),
        address: b.address,
        description: b.description,
        attributes,
        reporter: store::cases::Reporter {
            email: b.email,
            phone: b.phone,
            first_name: b.name,
            ..Default::default()
        },
        ..NewReport::default()
    };
    let result = state
        .services
        .report_from_web(&j, caller.as_ref().map(|c| &c.actor), &addr, report)
        .await;
    reply(lang, StatusCode::CREATED, result, |f| ReportedOut {
        emergency: f.emergency.as_ref().map(|e| EmergencyOut {
            kind: e.kind,
            message: crate::i18n::message(lang.0, &e.message()),
        }),
        case_number: f.case_number,
        password: f.password,
        token: f.token,
        department: f.department_name.map(|n| n.get(lang.0).to_string()),
    })
}

/// One of the caller's own reports.
#[derive(Serialize, ToSchema)]
struct MyCaseOut {
    case_number: String,
    category: String,
    /// When it is due to be resolved.
    due_at: Option<String>,
    requested_at: String,
    status: String,
}

/// The cases the signed-in citizen reported, newest first (at most 200).
#[utoipa::path(
    get,
    path = "/api/v1/me/cases",
    tag = "me",
    responses((status = 200, description = "The cases", body = [MyCaseOut]))
)]
async fn my_cases(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.my_cases(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |cases| {
        cases
            .iter()
            .map(|w| MyCaseOut {
                case_number: w.case_number.clone(),
                status: w.status.clone(),
                category: w.category_code.clone(),
                due_at: time(w.resolution_due_at),
                requested_at: format_unix(w.requested_at),
            })
            .collect::<Vec<_>>()
    })
}
