//! The signed-in person's own account (`/me/*`): profile, password change, the second
//! factor, access tokens, and the list of staff who read their personal data.

use super::ApiPath as Path;
use super::PartialCaller;
use super::auth::{Notice, SecondFactorBody, SessionOut, said, session_out, set_cookie};
use super::{ApiError, Caller, JsonBody, reply};
use crate::accounts::SessionStage;
use crate::doors::IdentityState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Message;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::{BadRequest, NotFound, Problem, TooManyRequests};

pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new()
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
        .routes(routes!(begin_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(disable_totp))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(data_access))
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

pub(super) fn grants_json(grants: &[platform::authz::Grant]) -> Vec<GrantOut> {
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
async fn me(State(state): State<IdentityState>, caller: PartialCaller) -> Response {
    // The password alone shows nothing of the account: not before the second factor.
    if let Err(e) = enrolment_allowed(&caller) {
        return e.into_response();
    }
    let result = state.identity.my_profile(&caller.actor).await;
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
    State(state): State<IdentityState>,
    caller: Caller,
    JsonBody(b): JsonBody<UpdateMeBody>,
) -> Response {
    let update = crate::accounts::ProfileUpdate {
        display_name: b.display_name,
        locale: b.locale,
        national_id: b.national_id,
    };
    let result = state
        .identity
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
    State(state): State<IdentityState>,
    caller: Caller,
    JsonBody(b): JsonBody<ChangePasswordBody>,
) -> Response {
    match state
        .identity
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
async fn begin_totp(State(state): State<IdentityState>, caller: PartialCaller) -> Response {
    if let Err(e) = enrolment_allowed(&caller) {
        return e.into_response();
    }
    let result = state.identity.begin_totp(&caller.actor).await;
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
    State(state): State<IdentityState>,
    caller: PartialCaller,
    JsonBody(b): JsonBody<SecondFactorBody>,
) -> Response {
    if let Err(e) = enrolment_allowed(&caller) {
        return e.into_response();
    }
    let session = caller.session.as_ref().map(|s| s.id_hash.as_str());
    match state
        .identity
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
    State(state): State<IdentityState>,
    caller: Caller,
    JsonBody(b): JsonBody<SecondFactorBody>,
) -> Response {
    let result = state.identity.disable_totp(&caller.actor, &b.code).await;
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

fn token_json(t: &crate::store::sessions::AccessToken) -> TokenOut {
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
async fn list_tokens(State(state): State<IdentityState>, caller: Caller) -> Response {
    let result = state.identity.my_access_tokens(&caller.actor).await;
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
    State(state): State<IdentityState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewTokenBody>,
) -> Response {
    let result = state
        .identity
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
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.identity.revoke_access_token(&caller.actor, &id).await {
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
    State(state): State<IdentityState>,
    caller: Caller,
    super::ApiQuery(q): super::ApiQuery<Before>,
) -> Response {
    let result = state.platform.my_data_access(&caller.actor, q.before).await;
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
