//! Passkeys over REST: the signed-in person's own (`/me/passkeys`: list, register, rename,
//! revoke) and the sign-ins they make (`/auth/passkey`: without a password; and
//! `/auth/second-factor/passkey`: the second step of a staff sign-in). Each ceremony is two
//! calls: a `challenge` answers the options for `navigator.credentials.create()` or `.get()`
//! and a ceremony token; the second call brings the token and the browser's answer (WebAuthn
//! JSON, binary values in base64url).

use super::ApiPath as Path;
use super::auth::{Anonymous, jurisdiction, session_response};
use super::{ApiError, Caller, ClientAddr, JsonBody, PartialCaller, reply};
use crate::accounts::{PasskeyChallenge, PasskeyView, SessionStage};
use crate::doors::{self as caller, IdentityState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Message;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::{BadRequest, NotFound, Problem, TooManyRequests};

pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new()
        .routes(routes!(list_passkeys, add_passkey))
        .routes(routes!(passkey_registration_challenge))
        .routes(routes!(rename_passkey, revoke_passkey))
        .routes(routes!(passkey_sign_in_challenge))
        .routes(routes!(passkey_sign_in))
        .routes(routes!(passkey_second_factor_challenge))
        .routes(routes!(passkey_second_factor))
}

/// A passkey of the caller's.
#[derive(Serialize, ToSchema)]
struct PasskeyOut {
    id: String,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
}

fn passkey_out(p: PasskeyView) -> PasskeyOut {
    PasskeyOut {
        id: p.id,
        name: p.name,
        created_at: domain::datetime::format_unix(p.created_at),
        last_used_at: p.last_used_at.map(domain::datetime::format_unix),
    }
}

#[derive(Serialize, ToSchema)]
struct PasskeysOut {
    passkeys: Vec<PasskeyOut>,
}

/// A begun ceremony.
#[derive(Serialize, ToSchema)]
struct ChallengeOut {
    /// Send it back with the browser's answer, within five minutes, once.
    ceremony: String,
    /// The `publicKey` options for the browser (binary values in base64url).
    #[schema(value_type = Object)]
    options: serde_json::Value,
}

fn challenge_out(c: PasskeyChallenge) -> ChallengeOut {
    ChallengeOut {
        ceremony: c.ceremony,
        options: c.options,
    }
}

/// The caller's passkeys, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/passkeys",
    tag = "me",
    responses((status = 200, description = "The passkeys", body = PasskeysOut))
)]
async fn list_passkeys(State(state): State<IdentityState>, caller: Caller) -> Response {
    let result = state.identity.my_passkeys(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| PasskeysOut {
        passkeys: list.into_iter().map(passkey_out).collect(),
    })
}

/// Starts registering a passkey: the options for `navigator.credentials.create()`.
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys/challenge",
    tag = "me",
    responses(
        (status = 200, description = "The ceremony", body = ChallengeOut),
        (status = 400, response = BadRequest),
        (status = 403, description = "Passkeys are not offered at this address (an IP address, not a host name), or the sign-in awaits its second step", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn passkey_registration_challenge(
    State(state): State<IdentityState>,
    caller: PartialCaller,
) -> Response {
    if caller.stage == SessionStage::SecondFactor {
        return not_yet(caller.lang);
    }
    let session = caller.session.as_ref().map(|s| s.id_hash.as_str());
    let result = state
        .identity
        .begin_passkey_registration(&caller.actor, session)
        .await;
    reply(caller.lang, StatusCode::OK, result, challenge_out)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AddBody {
    ceremony: String,
    /// What the owner calls it, 1–60 characters, e.g. "My phone".
    #[schema(example = "我的手機")]
    name: String,
    /// The browser's answer to `navigator.credentials.create()`, as WebAuthn JSON.
    #[schema(value_type = Object)]
    credential: serde_json::Value,
}

/// Finishes registering a passkey. From a session that may only enrol a second factor, the
/// session is replaced by a full one (its cookie is set with this answer).
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys",
    tag = "me",
    request_body = AddBody,
    responses(
        (status = 201, description = "The passkey", body = PasskeyOut),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn add_passkey(
    State(state): State<IdentityState>,
    caller: PartialCaller,
    JsonBody(b): JsonBody<AddBody>,
) -> Response {
    let session = caller.session.as_ref().map(|s| s.id_hash.as_str());
    let result = state
        .identity
        .finish_passkey_registration(
            &caller.actor,
            session,
            &b.ceremony,
            &b.name,
            &b.credential.to_string(),
        )
        .await;
    match result {
        Ok((passkey, renewed)) => {
            let mut response =
                (StatusCode::CREATED, axum::Json(passkey_out(passkey))).into_response();
            if let Some(s) = renewed {
                super::auth::set_cookie(&state, &s, &mut response);
            }
            response
        }
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RenameBody {
    name: String,
}

/// Renames one of the caller's passkeys.
#[utoipa::path(
    patch,
    path = "/api/v1/me/passkeys/{id}",
    tag = "me",
    params(("id" = String, Path, description = "The passkey's id")),
    request_body = RenameBody,
    responses(
        (status = 204, description = "Renamed"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn rename_passkey(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<RenameBody>,
) -> Response {
    match state
        .identity
        .rename_passkey(&caller.actor, &id, &b.name)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

/// Revokes one of the caller's passkeys: it signs in no more. A staff member's last passkey
/// stays while their role needs it.
#[utoipa::path(
    delete,
    path = "/api/v1/me/passkeys/{id}",
    tag = "me",
    params(("id" = String, Path, description = "The passkey's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "The role requires this passkey", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = NotFound),
    )
)]
async fn revoke_passkey(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.identity.revoke_passkey(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

/// Starts a sign-in with a passkey and no user name: the options for
/// `navigator.credentials.get()`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/passkey/challenge",
    tag = "auth",
    security(()),
    responses(
        (status = 200, description = "The ceremony", body = ChallengeOut),
        (status = 403, description = "Passkeys are not offered at this address (an IP address, not a host name)", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn passkey_sign_in_challenge(
    State(state): State<IdentityState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
) -> Response {
    let result = state.identity.begin_passkey_sign_in(&addr).await;
    reply(who.lang, StatusCode::OK, result, challenge_out)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    ceremony: String,
    /// The browser's answer to `navigator.credentials.get()`, as WebAuthn JSON.
    #[schema(value_type = Object)]
    credential: serde_json::Value,
    /// Defaults to the server's default jurisdiction.
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// Signs in with a passkey: a full session (the passkey, verified by its owner, is two factors).
#[utoipa::path(
    post,
    path = "/api/v1/auth/passkey",
    tag = "auth",
    request_body = AnswerBody,
    security(()),
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = super::auth::SessionOut),
        (status = 400, response = BadRequest),
        (status = 401, description = "The passkey did not sign in", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn passkey_sign_in(
    State(state): State<IdentityState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    JsonBody(b): JsonBody<AnswerBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let context = caller::sign_in_context(&headers, &state, &addr);
    match state
        .identity
        .finish_passkey_sign_in(
            &j,
            &b.ceremony,
            &b.credential.to_string(),
            context,
            who.request_id,
        )
        .await
    {
        Ok(outcome) => super::auth::signed_in_response(&state, outcome),
        Err(e) => ApiError::from_service(e, who.lang).into_response(),
    }
}

fn not_yet(lang: webkit::Lang) -> Response {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        Message::new("error-second-factor-not-pending"),
    )
    .in_lang(lang)
    .into_response()
}

/// Starts the second step of a sign-in with one of the account's passkeys.
#[utoipa::path(
    post,
    path = "/api/v1/auth/second-factor/passkey/challenge",
    tag = "auth",
    responses(
        (status = 200, description = "The ceremony", body = ChallengeOut),
        (status = 400, description = "No second factor is pending, or the account has no passkey", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn passkey_second_factor_challenge(
    State(state): State<IdentityState>,
    caller: PartialCaller,
) -> Response {
    let (Some(session), SessionStage::SecondFactor) = (&caller.session, caller.stage) else {
        return not_yet(caller.lang);
    };
    let result = state
        .identity
        .begin_passkey_second_factor(&session.id_hash, &session.account_id)
        .await;
    reply(caller.lang, StatusCode::OK, result, challenge_out)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SecondFactorBody {
    ceremony: String,
    #[schema(value_type = Object)]
    credential: serde_json::Value,
}

/// Completes a sign-in with a passkey as the second factor; the session is replaced.
#[utoipa::path(
    post,
    path = "/api/v1/auth/second-factor/passkey",
    tag = "auth",
    request_body = SecondFactorBody,
    responses(
        (status = 200, description = "Signed in fully; a new session cookie is set", body = super::auth::SessionOut),
        (status = 400, response = BadRequest),
    )
)]
async fn passkey_second_factor(
    State(state): State<IdentityState>,
    caller: PartialCaller,
    JsonBody(b): JsonBody<SecondFactorBody>,
) -> Response {
    let (Some(session), SessionStage::SecondFactor) = (&caller.session, caller.stage) else {
        return not_yet(caller.lang);
    };
    match state
        .identity
        .complete_second_factor_with_passkey(
            &session.id_hash,
            &session.account_id,
            &b.ceremony,
            &b.credential.to_string(),
            caller.actor.request_id.clone(),
        )
        .await
    {
        Ok(s) => session_response(&state, StatusCode::OK, s),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}
