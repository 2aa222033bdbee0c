//! Case work over the API: intake by agents, queues, the staff view of a case, every dispatch
//! and field operation, routing and triage rules, calendar changes, and the citizen's
//! tracking, reopening and survey.

use super::{ApiError, Caller, JsonBody, Lang, reply};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::Message;
use domain::datetime::format_unix;
use domain::lifecycle::Outcome;
use domain::rules::{RoutingRule, TriageRule};
use serde::Deserialize;
use serde_json::{Value, json};
use services::casework::{CalendarChange, Operation, QueueRequest, Tracking};
use services::intake::{Channel, Filer, NewReport};
use store::case_work::WorkView;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(queue).post(file))
        .route("/api/v1/cases/{number}", get(detail))
        .route("/api/v1/cases/{number}/actions", post(act))
        .route(
            "/api/v1/cases/{number}/photos",
            post(photos).layer(axum::extract::DefaultBodyLimit::max(
                crate::open311::MAX_MULTIPART_BYTES,
            )),
        )
        .route("/api/v1/duplicates", get(duplicates))
        .route("/api/v1/sla-policies", get(sla_policies))
        .route(
            "/api/v1/sla-policies/{scope}",
            axum::routing::put(set_sla_policy),
        )
        .route(
            "/api/v1/rules/routing",
            get(routing_rules).put(set_routing_rules),
        )
        .route(
            "/api/v1/rules/triage",
            get(triage_rules).put(set_triage_rules),
        )
        .route("/api/v1/calendar", get(calendar).post(change_calendar))
        .route("/api/v1/reports", post(report))
        .route("/api/v1/me/cases", get(my_cases))
        .route("/api/v1/track", post(track))
        .route("/api/v1/track/reopen", post(reopen))
        .route("/api/v1/surveys", post(survey))
}

fn time(t: Option<i64>) -> Value {
    t.map_or(Value::Null, |t| json!(format_unix(t)))
}

fn parse_json(text: &Option<String>) -> Value {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

pub(super) fn work_json(w: &WorkView) -> Value {
    json!({
        "case_number": w.case_number,
        "status": w.status,
        "outcome": w.outcome,
        "category": w.category_code,
        "urgency": w.urgency,
        "department": w.department_code,
        "assignee_id": w.assignee_id,
        "cosign_department": w.cosign_department_code,
        "district": w.district_code,
        "description": w.description,
        "address": w.address,
        "status_notes": w.status_notes,
        "routing": parse_json(&w.routing),
        "triage": parse_json(&w.triage),
        "sla": {
            "state": w.sla_state,
            "acknowledgement_due": time(w.ack_due_at),
            "first_response_due": time(w.response_due_at),
            "resolution_due": time(w.resolution_due_at),
        },
        "merged_into": w.merged_into,
        "requested_at": format_unix(w.requested_at),
        "updated_at": format_unix(w.updated_at),
        "closed_at": time(w.closed_at),
    })
}

#[derive(Deserialize)]
struct QueueQuery {
    department: Option<String>,
    #[serde(default)]
    mine: bool,
    status: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    limit: Option<u64>,
}

async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<QueueQuery>,
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
    };
    let result = state.services.case_queue(&caller.actor, request).await;
    reply(caller.lang, StatusCode::OK, result, |cases| {
        let next = (cases.len() as u64 == limit).then(|| {
            cases.last().map(|w| {
                format!(
                    "{}.{}",
                    w.resolution_due_at.unwrap_or(i64::MAX / 2),
                    w.case_number
                )
            })
        });
        json!({ "cases": cases.iter().map(work_json).collect::<Vec<_>>(), "next": next.flatten() })
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCaseBody {
    service_code: String,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    long: Option<f64>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    attributes: std::collections::BTreeMap<String, Value>,
    #[serde(default)]
    caller_phone: Option<String>,
    #[serde(default)]
    caller_email: Option<String>,
    #[serde(default)]
    caller_name: Option<String>,
}

/// An agent files a case for a caller (channel: phone).
async fn file(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewCaseBody>,
) -> Response {
    if let Err(e) = caller.actor.require(
        services::authz::Permission::FileCases,
        services::authz::Target::Jurisdiction,
    ) {
        return ApiError::from_service(e, caller.lang).into_response();
    }
    let j = match state
        .services
        .jurisdiction(&caller.actor.jurisdiction_id)
        .await
    {
        Ok(j) => j,
        Err(e) => return ApiError::from_service(e, caller.lang).into_response(),
    };
    let attributes = b
        .attributes
        .into_iter()
        .map(|(code, v)| {
            let values = match v {
                Value::Array(items) => items.iter().map(value_text).collect(),
                other => vec![value_text(&other)],
            };
            (code, values)
        })
        .collect();
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
    let filer = Filer::Staff {
        account_id: caller.actor.account_id.clone().unwrap_or_default(),
    };
    let result = state
        .services
        .file_case(&j, &filer, Channel::Phone, report)
        .await;
    reply(
        caller.lang,
        StatusCode::CREATED,
        result,
        |f| json!({ "case_number": f.case_number, "password": f.password, "department": f.department_name.map(|n| n.zh), "emergency": super::desk::emergency_json(caller.lang, f.emergency.as_ref()) }),
    )
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> Response {
    let result = state.services.case_detail(&caller.actor, &number).await;
    reply(caller.lang, StatusCode::OK, result, |d| {
        let mut v = work_json(&d.work);
        v["events"] = d
            .events
            .iter()
            .map(|e| {
                json!({
                    "seq": e.chain_seq,
                    "kind": e.event.kind,
                    "actor": e.event.actor,
                    "public": e.event.public,
                    "from_status": e.event.from_status,
                    "to_status": e.event.to_status,
                    "note": e.event.note,
                    "data": serde_json::from_str::<Value>(&e.event.data).unwrap_or(Value::Null),
                    "at": format_unix(e.event.created_at),
                })
            })
            .collect();
        v
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
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

async fn routing_rules(State(state): State<AppState>, caller: Caller) -> Response {
    let result = match state
        .services
        .jurisdiction(&caller.actor.jurisdiction_id)
        .await
    {
        Ok(j) => state.services.routing_rules(&j).await,
        Err(e) => Err(e),
    };
    reply(caller.lang, StatusCode::OK, result, |r| json!(r))
}

async fn set_routing_rules(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(rules): JsonBody<Vec<RoutingRule>>,
) -> Response {
    let result = state.services.set_routing_rules(&caller.actor, rules).await;
    reply(caller.lang, StatusCode::OK, result, |r| json!(r))
}

async fn triage_rules(State(state): State<AppState>, caller: Caller) -> Response {
    let result = match state
        .services
        .jurisdiction(&caller.actor.jurisdiction_id)
        .await
    {
        Ok(j) => state.services.triage_rules(&j).await,
        Err(e) => Err(e),
    };
    reply(caller.lang, StatusCode::OK, result, |r| json!(r))
}

async fn set_triage_rules(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(rules): JsonBody<Vec<TriageRule>>,
) -> Response {
    let result = state.services.set_triage_rules(&caller.actor, rules).await;
    reply(caller.lang, StatusCode::OK, result, |r| json!(r))
}

fn calendar_json(r: &store::case_config::CalendarRow) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind,
        "day": r.day,
        "starts_at": time(r.starts_at),
        "ends_at": time(r.ends_at),
        "name": r.name,
        "created_at": format_unix(r.created_at),
        "created_by": r.created_by,
    })
}

async fn calendar(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.calendar_changes(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |rows| {
        rows.iter().map(calendar_json).collect()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarBody {
    kind: String,
    #[serde(default)]
    day: Option<String>,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    name: String,
}

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

fn tracking_json(t: &Tracking) -> Value {
    json!({
        "case_number": t.case_number,
        "status": t.status,
        "outcome": t.outcome,
        "category": t.category_code,
        "department": t.department_code,
        "due_at": time(t.due_at),
        "reopen_until": time(t.reopen_until),
        "timeline": t.timeline.iter().map(|e| json!({
            "at": format_unix(e.at),
            "kind": e.kind,
            "status": e.status,
            "note": e.note,
        })).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackBody {
    case_number: String,
    password: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
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

async fn track(
    State(state): State<AppState>,
    lang: Lang,
    JsonBody(b): JsonBody<TrackBody>,
) -> Response {
    let j = match jurisdiction_of(&state, lang, &b.jurisdiction_id).await {
        Ok(j) => j,
        Err(r) => return r,
    };
    let result = state
        .services
        .track_case(&j, &b.case_number, &b.password)
        .await;
    reply(lang, StatusCode::OK, result, |t| tracking_json(&t))
}

async fn reopen(
    State(state): State<AppState>,
    lang: Lang,
    JsonBody(b): JsonBody<TrackBody>,
) -> Response {
    let j = match jurisdiction_of(&state, lang, &b.jurisdiction_id).await {
        Ok(j) => j,
        Err(r) => return r,
    };
    let reason = b.reason.unwrap_or_default();
    let result = state
        .services
        .reopen_case(&j, &b.case_number, &b.password, &reason)
        .await;
    reply(lang, StatusCode::OK, result, |t| tracking_json(&t))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SurveyBody {
    token: String,
    score: i64,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

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
    reply(lang, StatusCode::OK, result, |_| json!({ "thanks": true }))
}

/// Photos from the field: multipart with `photo` files (JPEG, PNG or WebP, at most 5 of
/// 10 MB each), an optional `note`, and `public` (`true` to show them to the citizen).
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

async fn sla_policies(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.sla_policies(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter()
            .map(|(scope, p)| json!({ "scope": scope, "policy": p }))
            .collect()
    })
}

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
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |_| json!({ "scope": scope, "policy": policy }),
    )
}

#[derive(Deserialize)]
struct DuplicateQuery {
    service_code: String,
    lat: Option<f64>,
    long: Option<f64>,
    address: Option<String>,
    radius_m: Option<f64>,
    window_days: Option<u32>,
}

/// Open cases a new report may duplicate, for the agent before filing.
async fn duplicates(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DuplicateQuery>,
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
            .map(|s| {
                json!({
                    "case_number": s.case_number,
                    "status": s.status,
                    "distance_m": s.distance_m.map(|d| (d * 10.0).round() / 10.0),
                    "same_address": s.same_address,
                    "reasons": s.reasons.iter().map(|m| crate::i18n::message(caller.lang.0, m)).collect::<Vec<_>>(),
                })
            })
            .collect()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    service_code: String,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    long: Option<f64>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    attributes: std::collections::BTreeMap<String, Value>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// A citizen's report from the web: anonymous, or signed in (then it appears in "my cases").
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
    let attributes = b
        .attributes
        .into_iter()
        .map(|(code, v)| {
            let values = match v {
                Value::Array(items) => items.iter().map(value_text).collect(),
                other => vec![value_text(&other)],
            };
            (code, values)
        })
        .collect();
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
    reply(lang, StatusCode::CREATED, result, |f| {
        let emergency = f.emergency.as_ref().map(|e| {
            json!({
                "kind": e.kind,
                "message": crate::i18n::message(lang.0, &e.message()),
            })
        });
        json!({
            "case_number": f.case_number,
            "password": f.password,
            "token": f.token,
            "department": f.department_name.map(|n| n.get(lang.0).to_string()),
            "emergency": emergency,
        })
    })
}

async fn my_cases(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.my_cases(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |cases| {
        cases
            .iter()
            .map(|w| {
                json!({
                    "case_number": w.case_number,
                    "status": w.status,
                    "category": w.category_code,
                    "due_at": time(w.resolution_due_at),
                    "requested_at": format_unix(w.requested_at),
                })
            })
            .collect()
    })
}
