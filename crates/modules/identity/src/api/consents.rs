//! The signed-in citizen's consents (`/me/consents`): the uses of their data the modules
//! declare, with their basis; giving, renewing and withdrawing consent; the history; and each
//! consent's record as an ISO/IEC TS 27560 receipt.

use super::ApiPath as Path;
use super::{ApiError, Caller, JsonBody, reply};
use crate::domain::consent::Consent;
use crate::doors::IdentityState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::personal_data::LegalBasis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::{BadRequest, NotFound};

pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new()
        .routes(routes!(list_consents, give_consent))
        .routes(routes!(withdraw_consent))
        .routes(routes!(consent_receipt))
}

/// A consent, as the ledger holds it.
#[derive(Serialize, ToSchema)]
struct ConsentOut {
    id: String,
    /// The purpose's code, e.g. `identity.mydata-prefill`.
    purpose: String,
    /// The data categories the purpose named when the consent was given.
    data: Vec<String>,
    /// `module`, `department` or `outside`.
    recipient_kind: String,
    recipient: String,
    given_at: String,
    expires_at: String,
    /// When it ended before it expired, if it did.
    ended_at: Option<String>,
    /// `active`, `expired`, `withdrawn` or `renewed`.
    #[schema(example = "active")]
    state: &'static str,
}

fn consent_out(c: &Consent, now: i64) -> ConsentOut {
    ConsentOut {
        id: c.id.clone(),
        purpose: c.purpose.clone(),
        data: c.data.clone(),
        recipient_kind: c.recipient_kind.clone(),
        recipient: c.recipient.clone(),
        given_at: domain::datetime::format_unix(c.given_at),
        expires_at: domain::datetime::format_unix(c.expires_at),
        ended_at: c.ended.map(|(at, _)| domain::datetime::format_unix(at)),
        state: c.state_at(now).as_str(),
    }
}

/// A use of personal data a module declares.
#[derive(Serialize, ToSchema)]
struct PurposeOut {
    code: &'static str,
    name: String,
    about: String,
    data: Vec<&'static str>,
    /// `module`, `department` or `outside`.
    recipient_kind: &'static str,
    recipient: &'static str,
    /// `statute` or `consent`.
    #[schema(example = "consent")]
    basis: &'static str,
    /// The law, for a statutory purpose.
    law: Option<&'static str>,
    /// The longest consent, in days, for a purpose that needs consent.
    max_days: Option<u32>,
    /// The consent running now, if any.
    running: Option<ConsentOut>,
}

#[derive(Serialize, ToSchema)]
struct ConsentsOut {
    purposes: Vec<PurposeOut>,
    /// Every consent ever given, newest first.
    history: Vec<ConsentOut>,
}

/// The uses of the caller's data the modules declare, and the caller's consents (citizens).
#[utoipa::path(
    get,
    path = "/api/v1/me/consents",
    tag = "me",
    responses((status = 200, description = "Purposes and consents", body = ConsentsOut))
)]
async fn list_consents(State(state): State<IdentityState>, caller: Caller) -> Response {
    let result = state.identity.my_consents(&caller.actor).await;
    let now = state.identity.platform().now();
    let lang = caller.lang;
    reply(lang, StatusCode::OK, result, |mine| ConsentsOut {
        purposes: mine
            .purposes
            .iter()
            .map(|pc| {
                let p = pc.purpose;
                let (kind, key) = p.recipient.parts();
                let (basis, law, max_days) = match p.basis {
                    LegalBasis::Statute(law) => ("statute", Some(law), None),
                    LegalBasis::Consent { max_days } => ("consent", None, Some(max_days)),
                };
                PurposeOut {
                    code: p.code,
                    name: crate::purposes::name(lang.0, p.code),
                    about: crate::purposes::about(lang.0, p.code),
                    data: p.data.to_vec(),
                    recipient_kind: kind,
                    recipient: key,
                    basis,
                    law,
                    max_days,
                    running: pc.running.as_ref().map(|c| consent_out(c, now)),
                }
            })
            .collect(),
        history: mine.history.iter().map(|c| consent_out(c, now)).collect(),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct GiveBody {
    /// The purpose's code.
    purpose: String,
    /// How long the consent lasts, 1 to the purpose's `max_days`.
    days: u32,
}

/// Gives consent to a purpose (renewing a running one).
#[utoipa::path(
    post,
    path = "/api/v1/me/consents",
    tag = "me",
    request_body = GiveBody,
    responses(
        (status = 201, description = "The consent", body = ConsentOut),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn give_consent(
    State(state): State<IdentityState>,
    caller: Caller,
    JsonBody(b): JsonBody<GiveBody>,
) -> Response {
    let result = state
        .identity
        .give_consent(&caller.actor, &b.purpose, b.days, caller.lang.0.tag())
        .await;
    let now = state.identity.platform().now();
    reply(caller.lang, StatusCode::CREATED, result, |c| {
        consent_out(&c, now)
    })
}

/// Withdraws a running consent; the uses that stand on it stop at once. The record is kept.
#[utoipa::path(
    post,
    path = "/api/v1/me/consents/{id}/withdraw",
    tag = "me",
    params(("id" = String, Path, description = "The consent's id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn withdraw_consent(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.identity.withdraw_consent(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

/// A consent's record as an ISO/IEC TS 27560 receipt, in the caller's language.
#[utoipa::path(
    get,
    path = "/api/v1/me/consents/{id}/receipt",
    tag = "me",
    params(("id" = String, Path, description = "The consent's id")),
    responses(
        (status = 200, description = "The receipt (JSON)", body = Object),
        (status = 404, response = NotFound),
    )
)]
async fn consent_receipt(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = match state.identity.my_consent(&caller.actor, &id).await {
        Ok((c, _)) => {
            crate::purposes::receipt(
                state.identity.platform(),
                caller.lang.0,
                &caller.actor.jurisdiction_id,
                &c,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(json) => (StatusCode::OK, Json(json)).into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}
