//! Sign-up, verification, sign-in (with the second factor), sign-out and password reset: the
//! `/auth/*` operations, and the session cookie they set.

use super::{ApiError, Caller, ClientAddr, JsonBody, Lang, reply};
use crate::accounts::SignUp;
use crate::accounts::{NewSession, SessionStage};
use crate::doors::IdentityState;
use crate::doors::{self as caller, PartialCaller};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::check_same_site;
use webkit::i18n;
use webkit::openapi::{Problem, TooManyRequests};

pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(verify))
        .routes(routes!(sign_in))
        .routes(routes!(second_factor))
        .routes(routes!(sign_out))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(request_reset))
        .routes(routes!(confirm_reset))
}

/// A confirmation, in the caller's language.
#[derive(Serialize, ToSchema)]
pub(super) struct Notice {
    pub message: String,
}

/// A new session (its id is in the `civicdesk_session` cookie set with this answer).
#[derive(Serialize, ToSchema)]
pub(super) struct SessionOut {
    /// Send it in `X-CSRF-Token` with the cookie on every request that is not GET.
    csrf_token: String,
    /// When the session ends at the latest (`YYYY-MM-DDThh:mm:ssZ`); it also ends when idle.
    expires_at: String,
    /// `full`; `second_factor` (send the TOTP code to `/api/v1/auth/second-factor`); or
    /// `enrol_second_factor` (the role requires a factor: only `/api/v1/me` and enrolment are open).
    #[schema(example = "full")]
    stage: &'static str,
}

/// A browser request without a session yet (sign-in, sign-up): only same-site writes.
pub(super) struct Anonymous {
    pub(super) lang: Lang,
    pub(super) request_id: Option<String>,
}

impl FromRequestParts<IdentityState> for Anonymous {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &IdentityState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        check_same_site(parts, lang)?;
        Ok(Anonymous {
            lang,
            request_id: parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        })
    }
}

pub(super) fn jurisdiction(state: &IdentityState, given: Option<String>) -> String {
    given
        .filter(|j| !j.trim().is_empty())
        .or_else(|| state.platform.config().default_jurisdiction.clone())
        .unwrap_or_default()
}

pub(super) fn set_cookie(state: &IdentityState, session: &NewSession, response: &mut Response) {
    let value = caller::session_cookie(state, &session.id, session.expires_at);
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(super) fn clear_cookie(state: &IdentityState, response: &mut Response) {
    if let Ok(v) = HeaderValue::from_str(&caller::clear_session_cookie(state)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(super) fn session_out(session: &NewSession) -> SessionOut {
    SessionOut {
        stage: session.stage.as_str(),
        csrf_token: session.csrf_token.clone(),
        expires_at: domain::datetime::format_unix(session.expires_at),
    }
}

pub(super) fn session_response(
    state: &IdentityState,
    status: StatusCode,
    session: NewSession,
) -> Response {
    let mut response = (status, axum::Json(session_out(&session))).into_response();
    set_cookie(state, &session, &mut response);
    response
}

/// The answer to a sign-in that worked (a password, or a passkey): the session, with its
/// cookie and the browser's device cookie.
pub(super) fn signed_in_response(
    state: &IdentityState,
    outcome: crate::accounts::LoginOutcome,
) -> Response {
    let mut response = session_response(state, StatusCode::OK, outcome.session);
    if let Ok(v) = HeaderValue::from_str(&caller::device_cookie(state, &outcome.device)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub(super) fn said(lang: Lang, id: &'static str) -> Notice {
    Notice {
        message: i18n::message(lang.0, &Message::new(id)),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignUpBody {
    /// An e-mail address or a mobile number.
    #[schema(example = "chen@example.com")]
    login: String,
    /// 8–128 characters, not a common password.
    password: String,
    display_name: String,
    /// `zh-TW` or `en`; defaults to the request's language.
    #[serde(default)]
    locale: Option<String>,
    /// Defaults to the server's default jurisdiction.
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// Creates a citizen account and sends a one-time code to the address.
///
/// The answer is the same whether or not the address already has an account (its owner is
/// told instead of getting a code).
#[utoipa::path(
    post,
    path = "/api/v1/auth/sign-up",
    tag = "auth",
    request_body = SignUpBody,
    security(()),
    responses(
        (status = 202, description = "A code was sent (or the owner told)", body = Notice),
        (status = 403, description = "A cross-site request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown jurisdiction", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn sign_up(
    State(state): State<IdentityState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<SignUpBody>,
) -> Response {
    let locale = b
        .locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or(who.lang.0);
    let input = SignUp {
        jurisdiction_id: jurisdiction(&state, b.jurisdiction_id),
        login: b.login,
        password: b.password,
        display_name: b.display_name,
        locale,
    };
    let result = state.identity.sign_up(input, &addr, who.request_id).await;
    reply(who.lang, StatusCode::ACCEPTED, result, |_| {
        said(who.lang, "notice-sign-up-code-sent")
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    login: String,
    /// The six-digit code sent at sign-up.
    #[schema(example = "123456")]
    code: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// Activates a new account with the code sent at sign-up.
#[utoipa::path(
    post,
    path = "/api/v1/auth/verify",
    tag = "auth",
    request_body = CodeBody,
    security(()),
    responses(
        (status = 200, description = "The account is active", body = Notice),
        (status = 403, description = "A cross-site request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown jurisdiction", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn verify(
    State(state): State<IdentityState>,
    who: Anonymous,
    JsonBody(b): JsonBody<CodeBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let result = state
        .identity
        .verify_sign_up(&j, &b.login, &b.code, who.request_id)
        .await;
    reply(who.lang, StatusCode::OK, result, |_| {
        said(who.lang, "notice-account-verified")
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    /// A user name (staff), e-mail address or mobile number.
    login: String,
    password: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// Signs in: sets the `civicdesk_session` cookie and returns the CSRF token.
///
/// A session the browser still holds ends. The answer also sets the `civicdesk_device`
/// cookie: sent with later sign-ins to the same account, it gives that browser a failure
/// budget of its own, so others' wrong guesses (429 after 10 per account in 15 minutes) do not
/// lock it out.
///
/// A staff member whose role requires a second factor gets a session at stage
/// `second_factor` (or `enrol_second_factor` without one yet).
#[utoipa::path(
    post,
    path = "/api/v1/auth/sign-in",
    tag = "auth",
    request_body = SignInBody,
    security(()),
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionOut,
            headers(("Set-Cookie" = String, description = "`civicdesk_session=…; Path=/; HttpOnly; SameSite=Lax`"))),
        (status = 401, description = "Wrong sign-in name or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A cross-site request, or the account is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown jurisdiction", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn sign_in(
    State(state): State<IdentityState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    JsonBody(b): JsonBody<SignInBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let context = caller::sign_in_context(&headers, &state, &addr);
    match state
        .identity
        .sign_in_from(&j, &b.login, &b.password, context, who.request_id)
        .await
    {
        Ok(outcome) => signed_in_response(&state, outcome),
        Err(e) => ApiError::from_service(e, who.lang).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SecondFactorBody {
    /// A six-digit TOTP code, or a recovery code.
    #[schema(example = "123456")]
    pub(super) code: String,
}

/// Completes a sign-in with the second factor; the session is replaced by a new one.
#[utoipa::path(
    post,
    path = "/api/v1/auth/second-factor",
    tag = "auth",
    request_body = SecondFactorBody,
    responses(
        (status = 200, description = "Signed in fully; a new session cookie is set", body = SessionOut),
        (status = 400, description = "No second factor is pending", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn second_factor(
    State(state): State<IdentityState>,
    caller: PartialCaller,
    JsonBody(b): JsonBody<SecondFactorBody>,
) -> Response {
    let lang = caller.lang;
    let (Some(session), SessionStage::SecondFactor) = (&caller.session, caller.stage) else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            Message::new("error-second-factor-not-pending"),
        )
        .in_lang(lang)
        .into_response();
    };
    match state
        .identity
        .complete_second_factor(
            &session.id_hash,
            &session.account_id,
            &b.code,
            caller.actor.request_id.clone(),
        )
        .await
    {
        Ok(s) => session_response(&state, StatusCode::OK, s),
        Err(e) => ApiError::from_service(e, lang).into_response(),
    }
}

/// Ends this session and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/sign-out",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "Not a session (a bearer token cannot sign out)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn sign_out(State(state): State<IdentityState>, caller: PartialCaller) -> Response {
    let Some(session) = &caller.session else {
        return ApiError::new(StatusCode::BAD_REQUEST, Message::new("error-not-a-session"))
            .in_lang(caller.lang)
            .into_response();
    };
    match state
        .identity
        .sign_out(&caller.actor, &session.id_hash)
        .await
    {
        Ok(_) => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            clear_cookie(&state, &mut r);
            r
        }
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

/// How many sessions ended.
#[derive(Serialize, ToSchema)]
struct SessionsEnded {
    sessions_ended: u64,
}

/// Ends every session of the account, this one included.
#[utoipa::path(
    post,
    path = "/api/v1/auth/sign-out-everywhere",
    tag = "auth",
    responses((status = 200, description = "Signed out everywhere", body = SessionsEnded))
)]
async fn sign_out_everywhere(State(state): State<IdentityState>, caller: Caller) -> Response {
    match state.identity.sign_out_everywhere(&caller.actor).await {
        Ok(n) => {
            let body = SessionsEnded { sessions_ended: n };
            let mut r = (StatusCode::OK, axum::Json(body)).into_response();
            clear_cookie(&state, &mut r);
            r
        }
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    login: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// Sends a password-reset code, if the name has an account (the answer is the same for any name).
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset",
    tag = "auth",
    request_body = ResetBody,
    security(()),
    responses(
        (status = 202, description = "A code was sent if the account exists", body = Notice),
        (status = 403, description = "A cross-site request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown jurisdiction", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn request_reset(
    State(state): State<IdentityState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<ResetBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let result = state
        .identity
        .request_password_reset(&j, &b.login, &addr, who.lang.0)
        .await;
    reply(who.lang, StatusCode::ACCEPTED, result, |_| {
        said(who.lang, "notice-reset-code-sent")
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ConfirmResetBody {
    login: String,
    #[schema(example = "123456")]
    code: String,
    new_password: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

/// Sets a new password with the reset code; every session of the account ends.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset/confirm",
    tag = "auth",
    request_body = ConfirmResetBody,
    security(()),
    responses(
        (status = 200, description = "The password is changed", body = Notice),
        (status = 403, description = "A cross-site request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown jurisdiction", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
async fn confirm_reset(
    State(state): State<IdentityState>,
    who: Anonymous,
    JsonBody(b): JsonBody<ConfirmResetBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let result = state
        .identity
        .reset_password(&j, &b.login, &b.code, &b.new_password, who.request_id)
        .await;
    reply(who.lang, StatusCode::OK, result, |_| {
        said(who.lang, "notice-password-reset")
    })
}
