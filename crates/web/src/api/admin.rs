//! Administration over the API: staff accounts and roles, second-factor policy, API clients,
//! the audit trail, and reads of a citizen's personal data for a stated reason.

use super::accounts::{GrantOut, grants_json};
use super::doc::NotFound;
use super::{ApiError, Caller, JsonBody, reply};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use serde::{Deserialize, Serialize};
use services::accounts::{NewStaff, StaffView};
use services::authz::{Grant, Role, ScopeKind};
use store::audit::AuditFilter;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(set_roles))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(reset_password))
        .routes(routes!(second_factor_roles))
        .routes(routes!(set_second_factor_role))
        .routes(routes!(read_citizen))
        .routes(routes!(audit))
        .routes(routes!(list_clients, create_client))
        .routes(routes!(revoke_client))
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

/// Reads role grants; unknown roles are reported, not ignored.
fn grants(caller: &Caller, body: Vec<GrantBody>) -> Result<Vec<Grant>, ApiError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for g in body {
        let Some(role) = Role::parse(&g.role) else {
            errors.push(Message::new("error-role-unknown").arg("role", g.role));
            continue;
        };
        let scope = role.scope_kinds()[0];
        let scope = match (&g.scope_id, scope) {
            (Some(_), ScopeKind::Jurisdiction)
                if role.scope_kinds().contains(&ScopeKind::Department) =>
            {
                ScopeKind::Department
            }
            (_, s) => s,
        };
        let jurisdiction_id = &caller.actor.jurisdiction_id;
        let scope_id = match (scope, g.scope_id.as_deref().map(str::trim)) {
            // A jurisdiction-wide role named with a scope of its own is refused, not quietly
            // widened to the whole jurisdiction (security review, F25).
            (ScopeKind::Jurisdiction, Some(given))
                if !given.is_empty() && given != jurisdiction_id =>
            {
                errors.push(
                    Message::new("error-role-scope")
                        .arg("role", role.as_str())
                        .arg("scope", given),
                );
                continue;
            }
            (ScopeKind::Jurisdiction, _) => jurisdiction_id.clone(),
            _ => g.scope_id.unwrap_or_default(),
        };
        out.push(Grant {
            role,
            scope,
            scope_id,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::from_service(
            services::ServiceError::Invalid(errors),
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
async fn list_staff(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.list_staff(&caller.actor).await;
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
    State(state): State<AppState>,
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
    let result = state.services.create_staff(&caller.actor, input).await;
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
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<RolesBody>,
) -> Response {
    let roles = match grants(&caller, b.roles) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let result = state
        .services
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
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .services
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
async fn enable(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = state
        .services
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
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ResetBody>,
) -> Response {
    let result = state
        .services
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
}

/// Which roles require a second factor.
#[utoipa::path(
    get,
    path = "/api/v1/security/second-factor-roles",
    tag = "security",
    responses((status = 200, description = "The roles", body = SecondFactorRolesOut))
)]
async fn second_factor_roles(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.roles_requiring_totp(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |roles| {
        SecondFactorRolesOut { roles }
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    required: bool,
}

/// A role's second-factor policy.
#[derive(Serialize, ToSchema)]
struct PolicyOut {
    required: bool,
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
    State(state): State<AppState>,
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
        .services
        .set_role_policy(&caller.actor, role, b.required)
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| PolicyOut {
        role: role.as_str(),
        required: b.required,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReasonQuery {
    /// Why the data is read: required, recorded in the audit trail and shown to the citizen.
    #[serde(default)]
    #[param(example = "回電確認案件地址")]
    reason: String,
}

/// A citizen's personal data, as staff see it.
#[derive(Serialize, ToSchema)]
struct CitizenOut {
    created_at: String,
    display_name: String,
    email: Option<String>,
    id: String,
    mobile: Option<String>,
    /// In full.
    national_id: Option<String>,
    status: String,
}

/// Reads a citizen's personal data for a stated reason; the read is audited and shown to them.
#[utoipa::path(
    get,
    path = "/api/v1/citizens/{id}",
    tag = "audit",
    params(("id" = String, Path, description = "The citizen's account id"), ReasonQuery),
    responses(
        (status = 200, description = "The citizen", body = CitizenOut),
        (status = 400, response = super::doc::BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn read_citizen(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    super::ApiQuery(q): super::ApiQuery<ReasonQuery>,
) -> Response {
    let result = state
        .services
        .read_citizen(&caller.actor, &id, &q.reason)
        .await;
    reply(caller.lang, StatusCode::OK, result, |c| CitizenOut {
        id: c.id,
        display_name: c.display_name,
        email: c.email,
        mobile: c.mobile,
        national_id: c.national_id,
        status: c.status,
        created_at: domain::datetime::format_unix(c.created_at),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Only records of this actor (account id).
    actor: Option<String>,
    /// Only records about this person's data (account id).
    data_subject: Option<String>,
    /// Only actions starting with this, e.g. `staff.` or `webhook.create`.
    action: Option<String>,
    /// Keyset cursor: only records with a `seq` below this (the last `seq` of the previous page).
    before: Option<i64>,
    /// At most this many records (default 100).
    limit: Option<u64>,
}

/// One audit record.
#[derive(Serialize, ToSchema)]
struct AuditOut {
    /// What was done, e.g. `staff.create`, `citizen.read`.
    action: String,
    /// The actor's name at the time.
    actor: String,
    actor_id: Option<String>,
    at: String,
    /// Details, without personal data.
    #[schema(value_type = Object)]
    data: serde_json::Value,
    data_subject_id: Option<String>,
    /// The hash of this record in the jurisdiction's chain.
    hash: String,
    id: String,
    reason: Option<String>,
    request_id: Option<String>,
    /// Position in the chain; the cursor for `before`.
    seq: i64,
    subject_id: String,
    /// What the record is about, e.g. `account`, `webhook`.
    subject_kind: String,
}

/// The audit trail, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "The records", body = [AuditOut]))
)]
async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    super::ApiQuery(q): super::ApiQuery<AuditQuery>,
) -> Response {
    let filter = AuditFilter {
        actor_id: q.actor,
        data_subject_id: q.data_subject,
        action_prefix: q.action,
        before_seq: q.before,
        limit: q.limit.unwrap_or(100),
    };
    let result = state.services.audit_records(&caller.actor, &filter).await;
    reply(caller.lang, StatusCode::OK, result, |records| {
        records
            .iter()
            .map(|r| AuditOut {
                seq: r.chain_seq,
                id: r.record.id.clone(),
                at: domain::datetime::format_unix(r.record.created_at),
                actor_id: r.record.actor_id.clone(),
                actor: r.record.actor_label.clone(),
                action: r.record.action.clone(),
                subject_kind: r.record.subject_kind.clone(),
                subject_id: r.record.subject_id.clone(),
                data_subject_id: r.record.data_subject_id.clone(),
                reason: r.record.reason.clone(),
                request_id: r.record.request_id.clone(),
                data: serde_json::from_str::<serde_json::Value>(&r.record.data).unwrap_or_default(),
                hash: r.hash.clone(),
            })
            .collect::<Vec<_>>()
    })
}

/// An Open311 client application's API key.
#[derive(Serialize, ToSchema)]
struct ClientOut {
    created_at: String,
    id: String,
    /// The whole key (`cdk_…`): only in the answer to the creation, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    /// The key's first characters, to recognise it.
    key_prefix: String,
    name: String,
    revoked_at: Option<String>,
}

fn client_json(c: &store::api_clients::ApiClient) -> ClientOut {
    ClientOut {
        id: c.id.clone(),
        name: c.name.clone(),
        key_prefix: c.key_prefix.clone(),
        created_at: domain::datetime::format_unix(c.created_at),
        revoked_at: c.revoked_at.map(domain::datetime::format_unix),
        key: None,
    }
}

/// The jurisdiction's Open311 API keys.
#[utoipa::path(
    get,
    path = "/api/v1/api-clients",
    tag = "api-clients",
    responses((status = 200, description = "The keys, without secrets", body = [ClientOut]))
)]
async fn list_clients(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.list_api_keys(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(client_json).collect::<Vec<_>>()
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewClientBody {
    #[schema(example = "FixMyStreet")]
    name: String,
}

/// Creates an Open311 API key.
#[utoipa::path(
    post,
    path = "/api/v1/api-clients",
    tag = "api-clients",
    request_body = NewClientBody,
    responses((status = 201, description = "The key, shown once", body = ClientOut))
)]
async fn create_client(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewClientBody>,
) -> Response {
    let result = state.services.create_api_key(&caller.actor, &b.name).await;
    reply(caller.lang, StatusCode::CREATED, result, |c| ClientOut {
        key: Some(c.key),
        ..client_json(&c.client)
    })
}

/// Revokes an Open311 API key.
#[utoipa::path(
    delete,
    path = "/api/v1/api-clients/{id}",
    tag = "api-clients",
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, response = NotFound),
    )
)]
async fn revoke_client(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.services.revoke_api_key(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}
