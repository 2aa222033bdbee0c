//! The 1999 agent's desk over the API: caller lookup, the contact log, the emergency check,
//! the out-call queue and care flags. Decisions are in `crate::desk`.

use super::ApiPath as Path;
use super::doc::NotFound;
use super::{ApiError, ApiQuery, Caller, JsonBody, Lang, reply};
use crate::desk::{ContactQuery, NewContact, OutcallQuery};
use crate::domain::rules::emergency::Emergency;
use crate::doors::CasesState;
use crate::store::desk::{ContactRow, OutcallRow};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::datetime::format_unix;
use domain::{Locale, Message};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::i18n;
use webkit::module::PrivatePath;

pub fn routes() -> OpenApiRouter<CasesState> {
    OpenApiRouter::new()
        .routes(routes!(lookup))
        .routes(routes!(contacts, log_contact))
        .routes(routes!(emergency_check))
        .routes(routes!(outcalls))
        .routes(routes!(claim))
        .routes(routes!(complete))
        .routes(routes!(flag, unflag))
}

const PHONE: &str = "The caller's number in any common form (mobile or landline with area code)";

/// Paths whose next segment is a phone number, which must not reach the logs.
pub const PRIVATE_PATHS: &[PrivatePath] = &[
    PrivatePath {
        prefix: "/api/v1/callers/",
        placeholder: "{phone}",
    },
    PrivatePath {
        prefix: "/api/v1/care-flags/",
        placeholder: "{phone}",
    },
];

fn time(t: Option<i64>) -> Value {
    t.map_or(Value::Null, |t| json!(format_unix(t)))
}

/// The 110/119 redirect for the agent, or null (also the `emergency` field of an agent's
/// intake answer).
pub(super) fn emergency_json(lang: Lang, e: Option<&Emergency>) -> Value {
    e.map_or(Value::Null, |e| {
        json!({
            "kind": e.kind,
            "matched": e.matched,
            "message": i18n::message(lang.0, &e.message()),
        })
    })
}

fn bad_request(lang: Lang, m: Message) -> Response {
    ApiError::new(StatusCode::BAD_REQUEST, m)
        .in_lang(lang)
        .into_response()
}

/// A keyset cursor `<seconds>.<id>`.
fn cursor(text: Option<&str>) -> Result<Option<(i64, String)>, Message> {
    match text {
        None | Some("") => Ok(None),
        Some(c) => c
            .split_once('.')
            .and_then(|(t, id)| Some((t.parse::<i64>().ok()?, id.to_string())))
            .map(Some)
            .ok_or_else(|| Message::new("error-cursor-invalid")),
    }
}

fn contact_json(r: &ContactRow) -> Value {
    let c = &r.contact;
    json!({
        "id": c.id,
        "phone": c.caller_phone,
        "service_type": c.service_type,
        "category": c.category_code,
        "case_number": c.case_number,
        "summary": c.summary,
        "emergency_kind": c.emergency_kind,
        "agent_id": c.agent_id,
        "agent_name": r.agent_name,
        "created_at": format_unix(c.created_at),
    })
}

fn outcall_json(r: &OutcallRow) -> Value {
    let o = &r.outcall;
    json!({
        "id": o.id,
        "case_number": o.case_number,
        "phone": o.citizen_phone,
        "reason": o.reason,
        "status": o.status,
        "claimed_by": o.claimed_by,
        "claimed_by_name": r.claimed_by_name,
        "claimed_at": time(o.claimed_at),
        "outcome": o.outcome,
        "note": o.note,
        "due_at": format_unix(o.due_at),
        "created_at": format_unix(o.created_at),
        "done_at": time(o.done_at),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReasonQuery {
    #[serde(default)]
    reason: String,
}

/// Looks up a caller by number: the citizen account, their recent cases and any care flag (the
/// read is audited and shown to the citizen).
#[utoipa::path(get, path = "/api/v1/callers/{phone}", tag = "desk",
    params(("phone" = String, Path, description = PHONE), ReasonQuery),
    responses((status = 200, description = "What is known of the caller", body = Object),
        (status = 400, response = super::doc::BadRequest), (status = 404, response = NotFound)))]
async fn lookup(
    State(state): State<CasesState>,
    caller: Caller,
    Path(phone): Path<String>,
    ApiQuery(q): ApiQuery<ReasonQuery>,
) -> Response {
    let result = state
        .cases
        .lookup_caller(&caller.actor, &phone, &q.reason)
        .await;
    let lang = caller.lang;
    reply(lang, StatusCode::OK, result, |h| {
        json!({
            "phone": h.number.key(),
            "display": h.number.display(),
            "kind": h.number.kind(),
            "citizen": h.citizen.map(|c| json!({
                "id": c.id,
                "display_name": c.display_name,
                "status": c.status,
            })),
            "cases": h.cases.iter().map(|c| json!({
                "case_number": c.case_number,
                "status": c.status,
                "category": c.category_code,
                "category_name": match lang.0 {
                    Locale::En => c.category_name_en.clone().or_else(|| c.category_name_zh.clone()),
                    Locale::ZhTw => c.category_name_zh.clone(),
                },
                "requested_at": format_unix(c.requested_at),
            })).collect::<Vec<_>>(),
            "contacts": h.contacts.iter().map(contact_json).collect::<Vec<_>>(),
            "care_flag": h.care_flag.map(|f| json!({
                "note": f.note,
                "flagged_by": f.flagged_by,
                "flagged_by_name": f.flagged_by_name,
                "flagged_at": format_unix(f.created_at),
            })),
        })
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    phone: String,
    service_type: String,
    #[serde(default)]
    category_code: Option<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    case_number: Option<String>,
    #[serde(default)]
    emergency_kind: Option<String>,
}

/// Records a contact (a call) in the contact log.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "desk", request_body = ContactBody,
    responses((status = 201, description = "The logged contact", body = Object), (status = 404, response = NotFound)))]
async fn log_contact(
    State(state): State<CasesState>,
    caller: Caller,
    JsonBody(b): JsonBody<ContactBody>,
) -> Response {
    let result = state
        .cases
        .log_contact(
            &caller.actor,
            NewContact {
                phone: b.phone,
                service_type: b.service_type,
                category_code: b.category_code,
                summary: b.summary,
                case_number: b.case_number,
                emergency_kind: b.emergency_kind,
            },
        )
        .await;
    let lang = caller.lang;
    reply(lang, StatusCode::CREATED, result, |l| {
        let mut v = contact_json(&l.contact);
        v["emergency"] = emergency_json(lang, l.emergency.as_ref());
        v
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ContactsQuery {
    phone: Option<String>,
    reason: Option<String>,
    /// The `next` cursor of the previous page.
    before: Option<String>,
    limit: Option<u64>,
}

/// The contact log, newest first, with a `next` cursor.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "desk", params(ContactsQuery),
    responses((status = 200, description = "`{contacts: […], next}`", body = Object)))]
async fn contacts(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> Response {
    let before = match cursor(q.before.as_deref()) {
        Ok(c) => c,
        Err(m) => return bad_request(caller.lang, m),
    };
    let limit = super::page_limit(q.limit);
    let result = state
        .cases
        .contacts(
            &caller.actor,
            ContactQuery {
                phone: q.phone,
                reason: q.reason,
                before,
                limit,
            },
        )
        .await;
    reply(caller.lang, StatusCode::OK, result, |rows| {
        let next = (rows.len() as u64 == limit)
            .then(|| rows.last())
            .flatten()
            .map(|r| format!("{}.{}", r.contact.created_at, r.contact.id));
        json!({ "contacts": rows.iter().map(contact_json).collect::<Vec<_>>(), "next": next })
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EmergencyBody {
    description: String,
}

/// Checks a description for an emergency (1999 is not an emergency line: 110 or 119).
#[utoipa::path(post, path = "/api/v1/emergency-check", tag = "desk", request_body = EmergencyBody,
    responses((status = 200, description = "`{emergency: null | {kind, matched, message}}`", body = Object)))]
async fn emergency_check(
    State(state): State<CasesState>,
    caller: Caller,
    JsonBody(b): JsonBody<EmergencyBody>,
) -> Response {
    let result = state.cases.check_emergency(&caller.actor, &b.description);
    let lang = caller.lang;
    reply(
        lang,
        StatusCode::OK,
        result,
        |e| json!({ "emergency": emergency_json(lang, e.as_ref()) }),
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OutcallsQuery {
    status: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    limit: Option<u64>,
}

/// The out-call queue, with a `next` cursor.
#[utoipa::path(get, path = "/api/v1/outcalls", tag = "desk", params(OutcallsQuery),
    responses((status = 200, description = "`{outcalls: […], next}`", body = Object)))]
async fn outcalls(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OutcallsQuery>,
) -> Response {
    let after = match cursor(q.after.as_deref()) {
        Ok(c) => c,
        Err(m) => return bad_request(caller.lang, m),
    };
    let limit = super::page_limit(q.limit);
    let statuses = q.status.map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    });
    let result = state
        .cases
        .outcall_queue(
            &caller.actor,
            OutcallQuery {
                statuses,
                after,
                limit,
            },
        )
        .await;
    reply(caller.lang, StatusCode::OK, result, |rows| {
        let next = (rows.len() as u64 == limit)
            .then(|| rows.last())
            .flatten()
            .map(|r| format!("{}.{}", r.outcall.due_at, r.outcall.id));
        json!({ "outcalls": rows.iter().map(outcall_json).collect::<Vec<_>>(), "next": next })
    })
}

/// Claims an out-call.
#[utoipa::path(post, path = "/api/v1/outcalls/{id}/claim", tag = "desk",
    params(("id" = String, Path, description = "The out-call's id")),
    responses((status = 200, description = "The out-call", body = Object),
        (status = 400, response = super::doc::BadRequest), (status = 404, response = NotFound)))]
async fn claim(
    State(state): State<CasesState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state.cases.claim_outcall(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::OK, result, |r| outcall_json(&r))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    outcome: String,
    #[serde(default)]
    note: Option<String>,
}

/// Completes a claimed out-call with its outcome.
#[utoipa::path(post, path = "/api/v1/outcalls/{id}/complete", tag = "desk",
    params(("id" = String, Path, description = "The out-call's id")), request_body = CompleteBody,
    responses((status = 200, description = "The out-call", body = Object), (status = 404, response = NotFound)))]
async fn complete(
    State(state): State<CasesState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CompleteBody>,
) -> Response {
    let result = state
        .cases
        .complete_outcall(&caller.actor, &id, &b.outcome, b.note.as_deref())
        .await;
    reply(caller.lang, StatusCode::OK, result, |r| outcall_json(&r))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FlagBody {
    #[serde(default)]
    note: String,
}

/// Sets a care flag on a caller's number.
#[utoipa::path(put, path = "/api/v1/care-flags/{phone}", tag = "desk",
    params(("phone" = String, Path, description = PHONE)), request_body = FlagBody,
    responses((status = 200, description = "The flag", body = Object), (status = 404, response = NotFound)))]
async fn flag(
    State(state): State<CasesState>,
    caller: Caller,
    Path(phone): Path<String>,
    JsonBody(b): JsonBody<FlagBody>,
) -> Response {
    let result = state
        .cases
        .flag_caller(&caller.actor, &phone, &b.note)
        .await;
    reply(caller.lang, StatusCode::OK, result, |f| {
        json!({
            "phone": f.phone,
            "note": f.note,
            "flagged_by": f.flagged_by,
            "flagged_by_name": f.flagged_by_name,
            "flagged_at": format_unix(f.created_at),
        })
    })
}

/// Removes a caller's care flag.
#[utoipa::path(delete, path = "/api/v1/care-flags/{phone}", tag = "desk",
    params(("phone" = String, Path, description = PHONE)),
    responses((status = 204, description = "Removed"), (status = 400, response = super::doc::BadRequest), (status = 404, response = NotFound)))]
async fn unflag(
    State(state): State<CasesState>,
    caller: Caller,
    Path(phone): Path<String>,
) -> Response {
    match state.cases.unflag_caller(&caller.actor, &phone).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}
