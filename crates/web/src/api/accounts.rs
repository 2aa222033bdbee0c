//! Sign-up, verification, sign-in (with the second factor), sign-out, password reset and
//! change, the signed-in person's own account, access tokens, and the list of staff who read
//! their personal data.

use super::caller::{PartialCaller, check_same_site};
use super::{ApiError, Caller, ClientAddr, JsonBody, Lang, SESSION_COOKIE, reply};
use crate::AppState;
use crate::i18n;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use domain::{Locale, Message};
use serde::Deserialize;
use serde_json::json;
use services::accounts::SignUp;
use services::accounts::{NewSession, SessionStage};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/sign-up", post(sign_up))
        .route("/api/v1/auth/verify", post(verify))
        .route("/api/v1/auth/sign-in", post(sign_in))
        .route("/api/v1/auth/second-factor", post(second_factor))
        .route("/api/v1/auth/sign-out", post(sign_out))
        .route(
            "/api/v1/auth/sign-out-everywhere",
            post(sign_out_everywhere),
        )
        .route("/api/v1/auth/password-reset", post(request_reset))
        .route("/api/v1/auth/password-reset/confirm", post(confirm_reset))
        .route("/api/v1/me", get(me).put(update_me))
        .route("/api/v1/me/password", post(change_password))
        .route("/api/v1/me/second-factor", post(begin_totp))
        .route("/api/v1/me/second-factor/confirm", post(confirm_totp))
        .route("/api/v1/me/second-factor/disable", post(disable_totp))
        .route("/api/v1/me/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/me/tokens/{id}", delete(revoke_token))
        .route("/api/v1/me/data-access", get(data_access))
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
    let max_age = (session.expires_at - store::now_unix()).max(0);
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        session.id
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn clear_cookie(state: &AppState, response: &mut Response) {
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn session_response(state: &AppState, status: StatusCode, session: NewSession) -> Response {
    let body = json!({
        "stage": session.stage.as_str(),
        "csrf_token": session.csrf_token,
        "expires_at": domain::datetime::format_unix(session.expires_at),
    });
    let mut response = (status, axum::Json(body)).into_response();
    set_cookie(state, &session, &mut response);
    response
}

fn said(lang: Lang, id: &'static str) -> serde_json::Value {
    json!({ "message": i18n::message(lang.0, &Message::new(id)) })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignUpBody {
    login: String,
    password: String,
    display_name: String,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    login: String,
    code: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    login: String,
    password: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    who: Anonymous,
    ClientAddr(addr): ClientAddr,
    JsonBody(b): JsonBody<SignInBody>,
) -> Response {
    let j = jurisdiction(&state, b.jurisdiction_id);
    match state
        .services
        .sign_in(&j, &b.login, &b.password, &addr, who.request_id)
        .await
    {
        Ok(outcome) => session_response(&state, StatusCode::OK, outcome.session),
        Err(e) => ApiError::from_service(e, who.lang).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecondFactorBody {
    code: String,
}

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

async fn sign_out_everywhere(State(state): State<AppState>, caller: Caller) -> Response {
    match state.services.sign_out_everywhere(&caller.actor).await {
        Ok(n) => {
            let mut r =
                (StatusCode::OK, axum::Json(json!({ "sessions_ended": n }))).into_response();
            clear_cookie(&state, &mut r);
            r
        }
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    login: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmResetBody {
    login: String,
    code: String,
    new_password: String,
    #[serde(default)]
    jurisdiction_id: Option<String>,
}

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

pub(super) fn grants_json(grants: &[services::authz::Grant]) -> serde_json::Value {
    grants
        .iter()
        .map(|g| json!({ "role": g.role.as_str(), "scope": g.scope.as_str(), "scope_id": g.scope_id }))
        .collect()
}

async fn me(State(state): State<AppState>, caller: PartialCaller) -> Response {
    let result = state.services.my_profile(&caller.actor).await;
    let stage = caller.stage;
    reply(caller.lang, StatusCode::OK, result, |p| {
        json!({
            "id": p.id,
            "kind": p.kind,
            "login": p.login,
            "display_name": p.display_name,
            "email": p.email,
            "mobile": p.mobile,
            "national_id": p.national_id,
            "locale": p.locale,
            "second_factor": p.second_factor,
            "session_stage": stage.as_str(),
            "roles": grants_json(&p.roles),
        })
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateMeBody {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    national_id: Option<String>,
}

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
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |p| json!({ "id": p.id, "display_name": p.display_name, "locale": p.locale, "national_id": p.national_id }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangePasswordBody {
    current_password: String,
    new_password: String,
}

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
        Ok(s) if caller.session.is_some() => session_response(&state, StatusCode::OK, s),
        Ok(_) => (
            StatusCode::OK,
            axum::Json(said(caller.lang, "notice-password-changed")),
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

async fn begin_totp(State(state): State<AppState>, caller: PartialCaller) -> Response {
    if let Err(e) = enrolment_allowed(&caller) {
        return e.into_response();
    }
    let result = state.services.begin_totp(&caller.actor).await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |s| json!({ "secret": s.secret, "otpauth_uri": s.otpauth_uri }),
    )
}

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
            let mut body = json!({ "recovery_codes": codes });
            let mut response;
            if let Some(s) = renewed {
                body["csrf_token"] = json!(s.csrf_token);
                body["stage"] = json!(s.stage.as_str());
                response = (StatusCode::OK, axum::Json(body)).into_response();
                set_cookie(&state, &s, &mut response);
            } else {
                response = (StatusCode::OK, axum::Json(body)).into_response();
            }
            response
        }
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

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

fn token_json(t: &store::sessions::AccessToken) -> serde_json::Value {
    let at = |v: Option<i64>| v.map(domain::datetime::format_unix);
    json!({
        "id": t.id,
        "name": t.name,
        "created_at": domain::datetime::format_unix(t.created_at),
        "expires_at": at(t.expires_at),
        "last_used_at": at(t.last_used_at),
        "revoked_at": at(t.revoked_at),
    })
}

async fn list_tokens(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.my_access_tokens(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |ts| {
        ts.iter().map(token_json).collect()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    name: String,
    #[serde(default)]
    expires_in_days: Option<i64>,
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewTokenBody>,
) -> Response {
    let result = state
        .services
        .create_access_token(&caller.actor, &b.name, b.expires_in_days)
        .await;
    reply(caller.lang, StatusCode::CREATED, result, |c| {
        let mut v = token_json(&c.token);
        v["token"] = json!(c.secret);
        v
    })
}

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

#[derive(Deserialize)]
struct Before {
    before: Option<i64>,
}

async fn data_access(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<Before>,
) -> Response {
    let result = state.services.my_data_access(&caller.actor, q.before).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter()
            .map(|a| {
                json!({
                    "at": domain::datetime::format_unix(a.at),
                    "staff_name": a.staff_name,
                    "action": a.action,
                    "reason": a.reason,
                })
            })
            .collect()
    })
}
