//! The citizen's side of a case: reporting from the web, tracking with the case number and
//! password, reopening, the survey, and "my cases".

use super::dto::*;
use crate::api::{ApiError, Caller, ClientAddr, InLang, JsonBody, Lang, reply};
use crate::casework::{CitizenReport, Notice, Tracking};
use crate::doors::CasesState;
use crate::intake::NewReport;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::datetime::format_unix;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use webkit::openapi::{NotFound, Problem, TooManyRequests};

/// A case as its citizen sees it.
#[derive(Serialize, ToSchema)]
pub(crate) struct TrackingOut {
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
pub(crate) struct TimelineOut {
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
pub(crate) struct TrackBody {
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
    state: &CasesState,
    lang: Lang,
    given: &Option<String>,
) -> Result<domain::catalog::Jurisdiction, ApiError> {
    let id = given
        .clone()
        .or_else(|| state.platform.config().default_jurisdiction.clone())
        .unwrap_or_default();
    state.platform.jurisdiction(&id).await.in_lang(lang)
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
pub(super) async fn track(
    State(state): State<CasesState>,
    lang: Lang,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<TrackBody>,
) -> Result<Json<TrackingOut>, ApiError> {
    let j = jurisdiction_of(&state, lang, &b.jurisdiction_id).await?;
    let t = state
        .cases
        .track_case(&j, &b.case_number, &b.password, &addr)
        .await
        .in_lang(lang)?;
    Ok(Json(tracking_json(&t)))
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
pub(super) async fn reopen(
    State(state): State<CasesState>,
    lang: Lang,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<TrackBody>,
) -> Result<Json<TrackingOut>, ApiError> {
    let j = jurisdiction_of(&state, lang, &b.jurisdiction_id).await?;
    let reason = b.reason.unwrap_or_default();
    let t = state
        .cases
        .reopen_case(&j, &b.case_number, &b.password, &reason, &addr)
        .await
        .in_lang(lang)?;
    Ok(Json(tracking_json(&t)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SurveyBody {
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
pub(crate) struct ThanksOut {
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
pub(super) async fn survey(
    State(state): State<CasesState>,
    lang: Lang,
    JsonBody(b): JsonBody<SurveyBody>,
) -> Result<Json<ThanksOut>, ApiError> {
    let j = jurisdiction_of(&state, lang, &b.jurisdiction_id).await?;
    state
        .cases
        .submit_survey(&j, &b.token, b.score, b.comment.as_deref().unwrap_or(""))
        .await
        .in_lang(lang)?;
    Ok(Json(ThanksOut { thanks: true }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportBody {
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
    /// The citizen agrees to the personal-data notice (the report and the contact details
    /// are processed to handle the case). Must be `true`: otherwise the report is refused with
    /// `400` and `error-consent-required`, as on the report page.
    #[serde(default)]
    #[schema(required = true, example = true)]
    consent: bool,
}

/// The 110/119 notice for a report that reads like an emergency.
#[derive(Serialize, ToSchema)]
pub(crate) struct EmergencyOut {
    /// `110` (police) or `119` (fire and ambulance).
    #[schema(value_type = String, example = "119")]
    kind: crate::domain::rules::EmergencyKind,
    /// The notice, in the caller's language.
    message: String,
}

/// A report filed from the web.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReportedOut {
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
pub(super) async fn report(
    State(state): State<CasesState>,
    lang: Lang,
    caller: Option<Caller>,
    crate::api::ClientAddr(addr): crate::api::ClientAddr,
    JsonBody(b): JsonBody<ReportBody>,
) -> Result<(StatusCode, Json<ReportedOut>), ApiError> {
    let given = caller
        .as_ref()
        .map(|c| c.actor.jurisdiction_id.clone())
        .or(b.jurisdiction_id.clone());
    let j = jurisdiction_of(&state, lang, &given).await?;
    let attributes = attribute_answers(b.attributes);
    let report = CitizenReport {
        report: NewReport {
            service_code: Some(b.service_code),
            lat: b.lat.map(|v| v.to_string()),
            long: b.long.map(|v| v.to_string()),
            address: b.address,
            description: b.description,
            attributes,
            reporter: crate::store::cases::Reporter {
                email: b.email,
                phone: b.phone,
                first_name: b.name,
                ..Default::default()
            },
            ..NewReport::default()
        },
        consent: b.consent,
        notice: Notice::AsGiven,
    };
    let f = state
        .cases
        .report_from_web(&j, caller.as_ref().map(|c| &c.actor), &addr, report)
        .await
        .in_lang(lang)?;
    Ok((
        StatusCode::CREATED,
        Json(ReportedOut {
            emergency: f.emergency.as_ref().map(|e| EmergencyOut {
                kind: e.kind,
                message: webkit::i18n::message(lang.0, &e.message()),
            }),
            case_number: f.case_number,
            password: f.password,
            token: f.token,
            department: f.department_name.map(|n| n.get(lang.0).to_string()),
        }),
    ))
}

/// One of the caller's own reports.
#[derive(Serialize, ToSchema)]
pub(crate) struct MyCaseOut {
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
pub(super) async fn my_cases(State(state): State<CasesState>, caller: Caller) -> Response {
    let result = state.cases.my_cases(&caller.actor).await;
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
