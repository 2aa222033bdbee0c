//! Staff administration over the API: staff accounts and their roles, and which roles must
//! use a second factor.

use super::ApiPath as Path;
use super::me::{GrantOut, grants_json};
use super::{ApiError, Caller, JsonBody, reply};
use crate::accounts::{NewStaff, StaffView};
use crate::doors::IdentityState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use platform::authz::{Grant, Role, ScopeGiven};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::NotFound;

pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new()
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(set_roles))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(reset_password))
        .routes(routes!(second_factor_roles))
        .routes(routes!(set_second_factor_role))
}

/// A staff account.
#[derive(Serialize, ToSchema)]
struct StaffOut {
    display_name: String,
    email: Option<String>,
    id: String,
    /// The generated first password, shown once: only in the answer to a creation without
    /// `password`.
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_password: Option<String>,
    login: String,
    roles: Vec<GrantOut>,
    /// Whether a TOTP second factor is enrolled.
    second_factor: bool,
    /// `active`, `disabled` or `pending`.
    #[schema(example = "active")]
    status: String,
}

fn staff_json(s: &StaffView) -> StaffOut {
    StaffOut {
        id: s.id.clone(),
        login: s.login.clone(),
        display_name: s.display_name.clone(),
        email: s.email.clone(),
        status: s.status.clone(),
        second_factor: s.second_factor,
        roles: grants_json(&s.roles),
        initial_password: None,
    }
}

const STAFF_ID: &str = "The staff member's account id";

/// A role to grant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    /// `agent`, `dispatcher`, `field_worker`, `supervisor`, `counter_clerk`,
    /// `community_manager` or `jurisdiction_admin`.
    #[schema(example = "dispatcher")]
    role: String,
    /// Department code or community id; omitted for jurisdiction-wide roles.
    #[serde(default)]
    #[schema(example = "PWD-PKS")]
    scope_id: Option<String>,
}

/// Reads role grants (`Grant::parse`); every problem is reported, none ignored.
fn grants(caller: &Caller, body: Vec<GrantBody>) -> Result<Vec<Grant>, ApiError> {
    let jurisdiction_id = &caller.actor.jurisdiction_id;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for g in body {
        let scope = g
            .scope_id
            .as_deref()
            .map_or(ScopeGiven::Whole, ScopeGiven::Id);
        match Grant::parse(jurisdiction_id, &g.role, scope) {
            Ok(grant) => out.push(grant),
            Err(e) => errors.push(e.message()),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::from_service(
            platform::ServiceError::Invalid(errors),
            caller.lang,
        ))
    }
}

/// Staff of the jurisdiction (a dispatcher sees their department's).
#[utoipa::path(
    get,
    path = "/api/v1/staff",
    tag = "staff",
    responses((status = 200, description = "The staff", body = [StaffOut]))
)]
async fn list_staff(State(state): State<IdentityState>, caller: Caller) -> Response {
    let result = state.identity.list_staff(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(staff_json).collect::<Vec<_>>()
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewStaffBody {
    /// Lower-case ASCII user name.
    #[schema(example = "disp.lin")]
    login: String,
    #[schema(example = "林小華")]
    display_name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    roles: Vec<GrantBody>,
    /// 12–128 characters; generated (and returned once) when omitted.
    #[serde(default)]
    password: Option<String>,
}

/// Creates a staff account.
#[utoipa::path(
    post,
    path = "/api/v1/staff",
    tag = "staff",
    request_body = NewStaffBody,
    responses((status = 201, description = "The account", body = StaffOut))
)]
async fn create_staff(
    State(state): State<IdentityState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewStaffBody>,
) -> Response {
    let roles = match grants(&caller, b.roles) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let input = NewStaff {
        login: b.login,
        display_name: b.display_name,
        email: b.email,
        mobile: b.mobile,
        locale: b
            .locale
            .as_deref()
            .and_then(Locale::from_tag)
            .unwrap_or(Locale::ZhTw),
        roles,
        password: b.password,
    };
    let result = state.identity.create_staff(&caller.actor, input).await;
    reply(
        caller.lang,
        StatusCode::CREATED,
        result,
        |(view, password)| StaffOut {
            initial_password: password,
            ..staff_json(&view)
        },
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RolesBody {
    roles: Vec<GrantBody>,
}

/// Replaces a staff member's roles; their sessions end.
#[utoipa::path(
    put,
    path = "/api/v1/staff/{id}/roles",
    tag = "staff",
    params(("id" = String, Path, description = STAFF_ID)),
    request_body = RolesBody,
    responses(
        (status = 200, description = "The account", body = StaffOut),
        (status = 404, response = NotFound),
    )
)]
async fn set_roles(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<RolesBody>,
) -> Response {
    let roles = match grants(&caller, b.roles) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let result = state
        .identity
        .set_staff_roles(&caller.actor, &id, roles)
        .await;
    reply(caller.lang, StatusCode::OK, result, |v| staff_json(&v))
}

/// An account's status after a change.
#[derive(Serialize, ToSchema)]
struct StatusOut {
    /// `active` or `disabled`.
    status: &'static str,
}

/// Disables a staff account: its sessions end and its tokens are revoked.
#[utoipa::path(
    post,
    path = "/api/v1/staff/{id}/disable",
    tag = "staff",
    params(("id" = String, Path, description = STAFF_ID)),
    responses(
        (status = 200, description = "Disabled", body = StatusOut),
        (status = 404, response = NotFound),
    )
)]
async fn disable(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .identity
        .set_staff_enabled(&caller.actor, &id, false)
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| StatusOut {
        status: "disabled",
    })
}

/// Enables a disabled staff account again.
#[utoipa::path(
    post,
    path = "/api/v1/staff/{id}/enable",
    tag = "staff",
    params(("id" = String, Path, description = STAFF_ID)),
    responses(
        (status = 200, description = "Enabled", body = StatusOut),
        (status = 404, response = NotFound),
    )
)]
async fn enable(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .identity
        .set_staff_enabled(&caller.actor, &id, true)
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| StatusOut {
        status: "active",
    })
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    /// Also remove the second factor (a lost phone).
    #[serde(default)]
    clear_second_factor: bool,
}

/// A temporary password, shown once.
#[derive(Serialize, ToSchema)]
struct TemporaryPasswordOut {
    temporary_password: String,
}

/// Gives a staff member a temporary password; their sessions end.
#[utoipa::path(
    post,
    path = "/api/v1/staff/{id}/reset-password",
    tag = "staff",
    params(("id" = String, Path, description = STAFF_ID)),
    request_body = ResetBody,
    responses(
        (status = 200, description = "The temporary password", body = TemporaryPasswordOut),
        (status = 404, response = NotFound),
    )
)]
async fn reset_password(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ResetBody>,
) -> Response {
    let result = state
        .identity
        .reset_staff_password(&caller.actor, &id, b.clear_second_factor)
        .await;
    reply(caller.lang, StatusCode::OK, result, |p| {
        TemporaryPasswordOut {
            temporary_password: p,
        }
    })
}

/// The roles whose holders must use a second factor.
#[derive(Serialize, ToSchema)]
struct SecondFactorRolesOut {
    #[schema(example = json!(["jurisdiction_admin", "supervisor"]))]
    roles: Vec<String>,
    /// Those of `roles` whose second factor must be a passkey.
    #[schema(example = json!(["jurisdiction_admin"]))]
    passkey_roles: Vec<String>,
}

/// Which roles require a second factor.
#[utoipa::path(
    get,
    path = "/api/v1/security/second-factor-roles",
    tag = "security",
    responses((status = 200, description = "The roles", body = SecondFactorRolesOut))
)]
async fn second_factor_roles(State(state): State<IdentityState>, caller: Caller) -> Response {
    let result = match state.identity.roles_requiring_totp(&caller.actor).await {
        Ok(roles) => state
            .identity
            .roles_requiring_passkey(&caller.actor)
            .await
            .map(|passkey_roles| SecondFactorRolesOut {
                roles,
                passkey_roles,
            }),
        Err(e) => Err(e),
    };
    reply(caller.lang, StatusCode::OK, result, |out| out)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    required: bool,
    /// The second factor must be a passkey (implies `required`).
    #[serde(default)]
    passkey: bool,
}

/// A role's second-factor policy.
#[derive(Serialize, ToSchema)]
struct PolicyOut {
    required: bool,
    passkey: bool,
    role: &'static str,
}

/// Requires (or stops requiring) a second factor for a role.
#[utoipa::path(
    put,
    path = "/api/v1/security/second-factor-roles/{role}",
    tag = "security",
    params(("role" = String, Path, description = "A role name, e.g. `supervisor`")),
    request_body = PolicyBody,
    responses(
        (status = 200, description = "The policy", body = PolicyOut),
        (status = 404, response = NotFound),
    )
)]
async fn set_second_factor_role(
    State(state): State<IdentityState>,
    caller: Caller,
    Path(role): Path<String>,
    JsonBody(b): JsonBody<PolicyBody>,
) -> Response {
    let Some(role) = Role::parse(&role) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            Message::new("error-role-unknown").arg("role", role),
        )
        .in_lang(caller.lang)
        .into_response();
    };
    let result = state
        .identity
        .set_role_policy(&caller.actor, role, b.required, b.passkey)
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| PolicyOut {
        role: role.as_str(),
        required: b.required || b.passkey,
        passkey: b.passkey,
    })
}
