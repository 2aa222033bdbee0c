//! Sign-up, verification, sign-in (with the second factor), sign-out, password reset and
//! change, the signed-in person's own account, access tokens, and the list of staff who read
//! their personal data.

use super::caller::{self, PartialCaller, check_same_site};
use super::doc::{BadRequest, NotFound, Problem, TooManyRequests};
use super::{ApiError, Caller, ClientAddr, JsonBody, Lang, reply};
use crate::AppState;
use crate::i18n;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use serde::{Deserialize, Serialize};
use services::accounts::SignUp;
use services::accounts::{NewSession, SessionStage};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(verify))
        .routes(routes!(sign_in))
        .routes(routes!(second_factor))
        .routes(routes!(sign_out))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(request_reset))
        .routes(routes!(confirm_reset))
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
        .routes(routes!(begin_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(disable_totp))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(data_access))
}

/// A confirmation, in the caller's language.
#[derive(Serialize, ToSchema)]
pub(super) struct Notice {
    pub message: String,
}

/// A new session (its id is in the `civicdesk_session` cookie set with this answer).
#[derive(Serialize, ToSchema)]
struct SessionOut {
    /// Send it in `X-CSRF-Token` with the cookie on every request that is not GET.
    csrf_token: String,
    /// When the session ends at the latest (`YYYY-MM-DDThh:mm:ssZ`); it also ends when idle.
    expires_at: String,
    /// `full`; `second_factor` (send the TOTP code to `/api/v1/auth/second-factor`); or
    /// `enrol_second_factor` (the role requires a factor: only `/api/v1/me` and enrolment are open).
    #[schema(example = "full")]
    stage: &'static str,
}

/// A role held within a scope.
#[derive(Serialize, ToSchema)]
pub(super) struct GrantOut {
    /// `agent`, `dispatcher`, `field_worker`, `supervisor`, `counter_clerk`,
    /// `community_manager` or `jurisdiction_admin`.
    #[schema(example = "dispatcher")]
    role: &'static str,
    /// `jurisdiction`, `department` or `community`.
    #[schema(example = "department")]
    scope: &'static str,
    /// The jurisdiction id, department code or community id.
    #[schema(example = "PWD-PKS")]
    scope_id: String,
}

/// A browser request without a session yet (sign-in, sign-up): only same-site writes.
struct Anonymous {
    lang: Lang,
    request_id: Option<String>,
}

impl FromRequestParts<AppState> for Anonymous {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
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

fn jurisdiction(state: &AppState, given: Option<String>) -> String {
    given
        .filter(|j| !j.trim().is_empty())
        .or_else(|| state.services.config().default_jurisdiction.clone())
        .unwrap_or_default()
}

fn set_cookie(state: &AppState, session: &NewSession, response: &mut Response) {
    let value = caller::session_cookie(state, &session.id, session.expires_at);
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn clear_cookie(state: &AppState, response: &mut Response) {
    if let Ok(v) = HeaderValue::from_str(&caller::clear_session_cookie(state)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn session_out(session: &NewSession) -> SessionOut {
    SessionOut {
        stage: session.stage.as_str(),
        csrf_token: session.csrf_token.clone(),
        expires_at: domain::datetime::format_unix(session.expires_at),
    }
}

fn session_response(state: &AppState, status: StatusCode, session: NewSession) -> Response {
    let mut response = (status, axum::Json(session_out(&session))).into_response();
    set_cookie(state, &session, &mut response);
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
    State(state): State<AppState>,
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
    let result = state.services.sign_up(input, &addr, who.request_id).await;
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
    State(state): State<AppState>,
    who: Anonymous,
    JsonBody(b): JsonBody<CodeBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let result = state
        .services
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
    State(state): State<AppState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    JsonBody(b): JsonBody<SignInBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let context = caller::sign_in_context(&headers, &state, &addr);
    match state
        .services
        .sign_in_from(&j, &b.login, &b.password, context, who.request_id)
        .await
    {
        Ok(outcome) => {
            let mut response = session_response(&state, StatusCode::OK, outcome.session);
            if let Ok(v) = HeaderValue::from_str(&caller::device_cookie(&state, &outcome.device)) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) => ApiError::from_service(e, who.lang).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SecondFactorBody {
    /// A six-digit TOTP code, or a recovery code.
    #[schema(example = "123456")]
    code: String,
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
    State(state): State<AppState>,
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
        .services
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
async fn sign_out(State(state): State<AppState>, caller: PartialCaller) -> Response {
    let Some(session) = &caller.session else {
        return ApiError::new(StatusCode::BAD_REQUEST, Message::new("error-not-a-session"))
            .in_lang(caller.lang)
            .into_response();
    };
    match state
        .services
        .sign_out(&caller.actor, &session.id_hash)
        .await
    {
        Ok(()) => {
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
async fn sign_out_everywhere(State(state): State<AppState>, caller: Caller) -> Response {
    match state.services.sign_out_everywhere(&caller.actor).await {
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
    State(state): State<AppState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<ResetBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let result = state
        .services
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
    State(state): State<AppState>,
    who: Anonymous,
    JsonBody(b): JsonBody<ConfirmResetBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    let result = state
        .services
        .reset_password(&j, &b.login, &b.code, &b.new_password, who.request_id)
        .await;
    reply(who.lang, StatusCode::OK, result, |_| {
        said(who.lang, "notice-password-reset")
    })
}

pub(super) fn grants_json(grants: &[services::authz::Grant]) -> Vec<GrantOut> {
    grants
        .iter()
        .map(|g| GrantOut {
            role: g.role.as_str(),
            scope: g.scope.as_str(),
            scope_id: g.scope_id.clone(),
        })
        .collect()
}

/// The signed-in person's account.
#[derive(Serialize, ToSchema)]
struct MeOut {
    display_name: String,
    email: Option<String>,
    id: String,
    /// `staff` or `citizen`.
    #[schema(example = "citizen")]
    kind: String,
    /// `zh-TW` or `en`.
    locale: String,
    login: String,
    /// E.164, e.g. `+886912345678`.
    mobile: Option<String>,
    /// Masked (`A12****789`).
    national_id: Option<String>,
    roles: Vec<GrantOut>,
    /// Whether a TOTP second factor is enrolled.
    second_factor: bool,
    /// `full`, `second_factor` or `enrol_second_factor`.
    session_stage: &'static str,
}

/// The signed-in person's account (also open while a second factor must be enrolled; not while
/// the second factor of a sign-in is awaited).
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "me",
    responses(
        (status = 200, description = "The account", body = MeOut),
        (status = 401, description = "Not signed in, or the second factor is still awaited", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn me(State(state): State<AppState>, caller: PartialCaller) -> Response {
    // The password alone shows nothing of the account: not before the second factor.
    if let Err(e) = enrolment_allowed(&caller) {
        return e.into_response();
    }
    let result = state.services.my_profile(&caller.actor).await;
    let stage = caller.stage;
    reply(caller.lang, StatusCode::OK, result, |p| MeOut {
        id: p.id,
        kind: p.kind,
        login: p.login,
        display_name: p.display_name,
        email: p.email,
        mobile: p.mobile,
        national_id: p.national_id,
        locale: p.locale,
        second_factor: p.second_factor,
        session_stage: stage.as_str(),
        roles: grants_json(&p.roles),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateMeBody {
    #[serde(default)]
    display_name: Option<String>,
    /// `zh-TW` or `en`.
    #[serde(default)]
    locale: Option<String>,
    /// A national ID (身分證) or resident certificate (居留證) number; `""` removes it.
    #[serde(default)]
    #[schema(example = "A123456789")]
    national_id: Option<String>,
}

/// The profile after a change.
#[derive(Serialize, ToSchema)]
struct ProfileOut {
    display_name: String,
    id: String,
    locale: String,
    /// Masked (`A12****789`).
    national_id: Option<String>,
}

/// Changes the display name, language or ID number.
#[utoipa::path(
    put,
    path = "/api/v1/me",
    tag = "me",
    request_body = UpdateMeBody,
    responses((status = 200, description = "The profile", body = ProfileOut))
)]
async fn update_me(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<UpdateMeBody>,
) -> Response {
    let update = services::accounts::ProfileUpdate {
        display_name: b.display_name,
        locale: b.locale,
        national_id: b.national_id,
    };
    let result = state
        .services
        .update_my_profile(&caller.actor, update)
        .await;
    reply(caller.lang, StatusCode::OK, result, |p| ProfileOut {
        id: p.id,
        display_name: p.display_name,
        locale: p.locale,
        national_id: p.national_id,
    })
}

/// A new session for a cookie caller; a notice for a token caller.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum PasswordChanged {
    Session(SessionOut),
    Notice(Notice),
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChangePasswordBody {
    current_password: String,
    new_password: String,
}

/// Changes the password; every session ends and, for a session caller, a new one starts.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "me",
    request_body = ChangePasswordBody,
    responses(
        (status = 200, description = "Changed: a new session (cookie callers, with a new cookie) or a notice (token callers)", body = PasswordChanged),
        (status = 429, response = TooManyRequests),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<ChangePasswordBody>,
) -> Response {
    match state
        .services
        .change_password(&caller.actor, &b.current_password, &b.new_password)
        .await
    {
        Ok(s) if caller.session.is_some() => {
            let body = PasswordChanged::Session(session_out(&s));
            let mut response = (StatusCode::OK, axum::Json(body)).into_response();
            set_cookie(&state, &s, &mut response);
            response
        }
        Ok(_) => (
            StatusCode::OK,
            axum::Json(PasswordChanged::Notice(said(
                caller.lang,
                "notice-password-changed",
            ))),
        )
            .into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

fn enrolment_allowed(caller: &PartialCaller) -> Result<(), ApiError> {
    match caller.stage {
        SessionStage::SecondFactor => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            Message::new("error-second-factor-pending"),
        )
        .in_lang(caller.lang)),
        _ => Ok(()),
    }
}

/// A TOTP secret awaiting confirmation.
#[derive(Serialize, ToSchema)]
struct TotpOut {
    /// For an authenticator app's QR code.
    #[schema(
        example = "otpauth://totp/civicdesk:admin.wang?secret=JBSWY3DPEHPK3PXP&issuer=civicdesk"
    )]
    otpauth_uri: String,
    /// Base32.
    secret: String,
}

/// Starts enrolling a TOTP second factor (staff); it takes effect once confirmed.
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor",
    tag = "me",
    responses(
        (status = 200, description = "A new secret", body = TotpOut),
        (status = 400, response = BadRequest),
    )
)]
async fn begin_totp(State(state): State<AppState>, caller: PartialCaller) -> Response {
    if let Err(e) = enrolment_allowed(&caller) {
        return e.into_response();
    }
    let result = state.services.begin_totp(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |s| TotpOut {
        secret: s.secret,
        otpauth_uri: s.otpauth_uri,
    })
}

/// The recovery codes, shown once.
#[derive(Serialize, ToSchema)]
struct RecoveryCodesOut {
    /// The new session's CSRF token, when the caller's session was renewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
    /// Ten codes, each usable once in place of a TOTP code.
    recovery_codes: Vec<String>,
    /// The new session's stage, when the caller's session was renewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'static str>,
}

/// Confirms the TOTP secret with a first code; every other session ends.
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor/confirm",
    tag = "me",
    request_body = SecondFactorBody,
    responses(
        (status = 200, description = "Enrolled; a session caller gets a new session cookie", body = RecoveryCodesOut),
        (status = 429, response = TooManyRequests),
    )
)]
async fn confirm_totp(
    State(state): State<AppState>,
    caller: PartialCaller,
    JsonBody(b): JsonBody<SecondFactorBody>,
) -> Response {
    if let Err(e) = enrolment_allowed(&caller) {
        return e.into_response();
    }
    let session = caller.session.as_ref().map(|s| s.id_hash.as_str());
    match state
        .services
        .confirm_totp(&caller.actor, session, &b.code)
        .await
    {
        Ok((codes, renewed)) => {
            let body = RecoveryCodesOut {
                recovery_codes: codes,
                csrf_token: renewed.as_ref().map(|s| s.csrf_token.clone()),
                stage: renewed.as_ref().map(|s| s.stage.as_str()),
            };
            let mut response = (StatusCode::OK, axum::Json(body)).into_response();
            if let Some(s) = renewed {
                set_cookie(&state, &s, &mut response);
            }
            response
        }
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

/// Turns the second factor off (refused while a role requires one).
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor/disable",
    tag = "me",
    request_body = SecondFactorBody,
    responses(
        (status = 200, description = "Turned off", body = Notice),
        (status = 429, response = TooManyRequests),
    )
)]
async fn disable_totp(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<SecondFactorBody>,
) -> Response {
    let result = state.services.disable_totp(&caller.actor, &b.code).await;
    reply(caller.lang, StatusCode::OK, result, |_| {
        said(caller.lang, "notice-second-factor-disabled")
    })
}

/// A personal access token (its secret only in the answer to its creation).
#[derive(Serialize, ToSchema)]
struct TokenOut {
    created_at: String,
    expires_at: Option<String>,
    id: String,
    last_used_at: Option<String>,
    name: String,
    revoked_at: Option<String>,
    /// `cdp_` and 64 hex characters: only in the answer to the creation, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

fn token_json(t: &store::sessions::AccessToken) -> TokenOut {
    let at = |v: Option<i64>| v.map(domain::datetime::format_unix);
    TokenOut {
        id: t.id.clone(),
        name: t.name.clone(),
        created_at: domain::datetime::format_unix(t.created_at),
        expires_at: at(t.expires_at),
        last_used_at: at(t.last_used_at),
        revoked_at: at(t.revoked_at),
        token: None,
    }
}

/// The caller's personal access tokens (staff).
#[utoipa::path(
    get,
    path = "/api/v1/me/tokens",
    tag = "me",
    responses((status = 200, description = "The tokens, without secrets", body = [TokenOut]))
)]
async fn list_tokens(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.my_access_tokens(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |ts| {
        ts.iter().map(token_json).collect::<Vec<_>>()
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    name: String,
    /// 1–366; never expires when omitted.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366)]
    expires_in_days: Option<i64>,
}

/// Creates a personal access token (staff); it acts with the owner's current roles.
#[utoipa::path(
    post,
    path = "/api/v1/me/tokens",
    tag = "me",
    request_body = NewTokenBody,
    responses((status = 201, description = "The token, with its secret shown once", body = TokenOut))
)]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewTokenBody>,
) -> Response {
    let result = state
        .services
        .create_access_token(&caller.actor, &b.name, b.expires_in_days)
        .await;
    reply(caller.lang, StatusCode::CREATED, result, |c| TokenOut {
        token: Some(c.secret),
        ..token_json(&c.token)
    })
}

/// Revokes one of the caller's tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/me/tokens/{id}",
    tag = "me",
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, response = NotFound),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.services.revoke_access_token(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Before {
    /// Only audit records before this sequence number of the audit chain (at most 100 are
    /// returned); omitted for the newest.
    before: Option<i64>,
}

/// A staff member's read of the caller's personal data.
#[derive(Serialize, ToSchema)]
struct DataAccessOut {
    /// What was read (an audit action such as `citizen.read`).
    action: String,
    at: String,
    /// The reason the staff member gave.
    reason: Option<String>,
    staff_name: String,
}

/// Who among staff read the caller's personal data, when and why, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/data-access",
    tag = "me",
    params(Before),
    responses((status = 200, description = "The reads", body = [DataAccessOut]))
)]
async fn data_access(
    State(state): State<AppState>,
    caller: Caller,
    super::ApiQuery(q): super::ApiQuery<Before>,
) -> Response {
    let result = state.services.my_data_access(&caller.actor, q.before).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter()
            .map(|a| DataAccessOut {
                at: domain::datetime::format_unix(a.at),
                staff_name: a.staff_name.clone(),
                action: a.action.clone(),
                reason: a.reason.clone(),
            })
            .collect::<Vec<_>>()
    })
}
