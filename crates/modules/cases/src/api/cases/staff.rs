//! Case work by staff: the queue, intake by agents, the staff view of a case, every dispatch
//! and field operation, photos from the field and possible duplicates.

use super::dto::*;
use crate::api::ApiPath as Path;
use crate::api::{ApiError, Caller, JsonBody, reply};
use crate::casework::{Operation, OperationFields, QueueRequest};
use crate::doors::CasesState;
use crate::intake::NewReport;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Message;
use domain::datetime::format_unix;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use webkit::openapi::{NotFound, Problem};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueQuery {
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
pub(crate) struct QueueOut {
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
pub(super) async fn queue(
    State(state): State<CasesState>,
    caller: Caller,
    crate::api::ApiQuery(q): crate::api::ApiQuery<QueueQuery>,
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
    let limit = crate::api::page_limit(q.limit);
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
    let result = state.cases.case_queue(&caller.actor, request).await;
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
pub(crate) struct NewCaseBody {
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
pub(crate) struct FiledOut {
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
pub(super) async fn file(
    State(state): State<CasesState>,
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
        reporter: crate::store::cases::Reporter {
            phone: b.caller_phone,
            email: b.caller_email,
            first_name: b.caller_name,
            ..Default::default()
        },
        ..NewReport::default()
    };
    let result = state.cases.file_for_caller(&caller.actor, report).await;
    reply(caller.lang, StatusCode::CREATED, result, |f| FiledOut {
        emergency: crate::api::desk::emergency_json(caller.lang, f.emergency.as_ref()),
        case_number: f.case_number,
        password: f.password,
        department: f.department_name.map(|n| n.zh),
    })
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
pub(super) async fn detail(
    State(state): State<CasesState>,
    caller: Caller,
    Path(number): Path<String>,
) -> Response {
    let result = state.cases.case_detail(&caller.actor, &number).await;
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
        let mut out = work_json(&d.work);
        out.sla.calendar = Some(d.sla_calendar.as_str());
        CaseOut {
            events: Some(events),
            ..out
        }
    })
}

/// An operation on a case; which fields it needs depends on `action`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "reassign", "department": "PWD-RD", "reason": "路面屬新工處管轄"}))]
pub(crate) struct ActionBody {
    /// `acknowledge`, `assign_worker` (`assignee_id`), `reassign` (`department`, `reason`),
    /// `request_cosign` (`department`, `note`), `complete_cosign` (`note`), `withdraw_cosign`
    /// (`reason`: only the requesting department, while the co-sign is open), `transfer_external`
    /// (`department`), `start`, `arrive` (`lat`, `long`), `leave_site`, `note` (`note`,
    /// `public`), `request_info`, `provide_info`, `resolve` (`outcome`, `note`, `responsible`,
    /// `deferred_until`), `close`, `reject` (`reason`), `merge` (`into`) or, for a request
    /// about personal data only and once, `extend_deadline` (`reason`, which the person is told).
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
    Operation::from_fields(
        &b.action,
        OperationFields {
            note: b.note,
            reason: b.reason,
            department: b.department,
            assignee_id: b.assignee_id,
            public: b.public.unwrap_or(false),
            lat: b.lat,
            lon: b.long,
            outcome: b.outcome,
            responsible: b.responsible,
            deferred_until: b.deferred_until,
            into: b.into,
        },
    )
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
pub(super) async fn act(
    State(state): State<CasesState>,
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
    let result = state.cases.operate(&caller.actor, &number, op).await;
    reply(caller.lang, StatusCode::OK, result, |w| work_json(&w))
}

/// A multipart body of photos.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct PhotosForm {
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
pub(super) async fn photos(
    State(state): State<CasesState>,
    caller: Caller,
    Path(number): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Response {
    use crate::uploads::{self, UploadError};
    let lang = caller.lang;
    let upload_failed = |e: UploadError| {
        let mut error = ApiError::new(e.status(), e.message()).in_lang(lang);
        error.retry_after = e.retry_after();
        error.into_response()
    };
    let limit = crate::open311::MAX_MULTIPART_BYTES;
    // Nothing of the body is read before the caller may add photos to this case.
    if let Err(e) = state
        .cases
        .check_may_add_case_photos(&caller.actor, &number)
        .await
    {
        return ApiError::from_service(e, lang).into_response();
    }
    let mut files = Vec::new();
    let mut slot = None;
    let mut text_budget = uploads::MAX_FIELD_BYTES;
    let mut note = None;
    let mut public = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return upload_failed(UploadError::from_multipart(e, limit)),
        };
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() {
            if slot.is_none() {
                match state.uploads.receiving_slot().await {
                    Ok(s) => slot = Some(s),
                    Err(e) => return upload_failed(e),
                }
            }
            match state.uploads.receive(field, files.len(), limit).await {
                Ok(f) => files.push(f),
                Err(e) => return upload_failed(e),
            }
        } else {
            let text = match uploads::read_text(field, &mut text_budget, limit).await {
                Ok(t) => t,
                Err(e) => return upload_failed(e),
            };
            match name.as_str() {
                "note" => note = Some(text),
                "public" => public = text.trim() == "true",
                _ => {}
            }
        }
    }
    // In memory only now, one processing slot at a time.
    let received = match state.uploads.read_back(&files).await {
        Ok(r) => r,
        Err(e) => return upload_failed(e),
    };
    let result = state
        .cases
        .add_case_photos(&caller.actor, &number, received.files, public, note)
        .await;
    reply(lang, StatusCode::OK, result, |w| work_json(&w))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DuplicateQuery {
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
pub(crate) struct DuplicateOut {
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
pub(super) async fn duplicates(
    State(state): State<CasesState>,
    caller: Caller,
    crate::api::ApiQuery(q): crate::api::ApiQuery<DuplicateQuery>,
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
    let mut policy = crate::domain::duplicates::DuplicatePolicy::default();
    if let Some(r) = q.radius_m {
        policy.radius_m = r;
    }
    if let Some(w) = q.window_days {
        policy.window_days = w;
    }
    let result = state
        .cases
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
                    .map(|m| webkit::i18n::message(caller.lang.0, m))
                    .collect(),
            })
            .collect::<Vec<_>>()
    })
}
