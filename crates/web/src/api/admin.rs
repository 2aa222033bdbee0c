//! Administration over the API: staff accounts and roles, second-factor policy, API clients,
//! the audit trail, and reads of a citizen's personal data for a stated reason.

use super::accounts::grants_json;
use super::{ApiError, Caller, JsonBody, reply};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use domain::{Locale, Message};
use serde::Deserialize;
use serde_json::json;
use services::accounts::{NewStaff, StaffView};
use services::authz::{Grant, Role, ScopeKind};
use store::audit::AuditFilter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff", get(list_staff).post(create_staff))
        .route("/api/v1/staff/{id}/roles", put(set_roles))
        .route("/api/v1/staff/{id}/disable", post(disable))
        .route("/api/v1/staff/{id}/enable", post(enable))
        .route("/api/v1/staff/{id}/reset-password", post(reset_password))
        .route(
            "/api/v1/security/second-factor-roles",
            get(second_factor_roles),
        )
        .route(
            "/api/v1/security/second-factor-roles/{role}",
            put(set_second_factor_role),
        )
        .route("/api/v1/citizens/{id}", get(read_citizen))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/api-clients", get(list_clients).post(create_client))
        .route("/api/v1/api-clients/{id}", delete(revoke_client))
}

fn staff_json(s: &StaffView) -> serde_json::Value {
    json!({
        "id": s.id,
        "login": s.login,
        "display_name": s.display_name,
        "email": s.email,
        "status": s.status,
        "second_factor": s.second_factor,
        "roles": grants_json(&s.roles),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    role: String,
    /// Department code or community id; omitted for jurisdiction-wide roles.
    #[serde(default)]
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
        let scope_id = match scope {
            ScopeKind::Jurisdiction => caller.actor.jurisdiction_id.clone(),
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

async fn list_staff(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.list_staff(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(staff_json).collect()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewStaffBody {
    login: String,
    display_name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    roles: Vec<GrantBody>,
    #[serde(default)]
    password: Option<String>,
}

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
        |(view, password)| {
            let mut v = staff_json(&view);
            if let Some(p) = password {
                v["initial_password"] = json!(p);
            }
            v
        },
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesBody {
    roles: Vec<GrantBody>,
}

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

async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .services
        .set_staff_enabled(&caller.actor, &id, false)
        .await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |_| json!({ "status": "disabled" }),
    )
}

async fn enable(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = state
        .services
        .set_staff_enabled(&caller.actor, &id, true)
        .await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |_| json!({ "status": "active" }),
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    #[serde(default)]
    clear_second_factor: bool,
}

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
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |p| json!({ "temporary_password": p }),
    )
}

async fn second_factor_roles(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.roles_requiring_totp(&caller.actor).await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |roles| json!({ "roles": roles }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    required: bool,
}

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
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |_| json!({ "role": role.as_str(), "required": b.required }),
    )
}

#[derive(Deserialize)]
struct ReasonQuery {
    #[serde(default)]
    reason: String,
}

async fn read_citizen(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ReasonQuery>,
) -> Response {
    let result = state
        .services
        .read_citizen(&caller.actor, &id, &q.reason)
        .await;
    reply(caller.lang, StatusCode::OK, result, |c| {
        json!({
            "id": c.id,
            "display_name": c.display_name,
            "email": c.email,
            "mobile": c.mobile,
            "national_id": c.national_id,
            "status": c.status,
            "created_at": domain::datetime::format_unix(c.created_at),
        })
    })
}

#[derive(Deserialize)]
struct AuditQuery {
    actor: Option<String>,
    data_subject: Option<String>,
    action: Option<String>,
    before: Option<i64>,
    limit: Option<u64>,
}

async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
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
            .map(|r| {
                json!({
                    "seq": r.chain_seq,
                    "id": r.record.id,
                    "at": domain::datetime::format_unix(r.record.created_at),
                    "actor_id": r.record.actor_id,
                    "actor": r.record.actor_label,
                    "action": r.record.action,
                    "subject_kind": r.record.subject_kind,
                    "subject_id": r.record.subject_id,
                    "data_subject_id": r.record.data_subject_id,
                    "reason": r.record.reason,
                    "request_id": r.record.request_id,
                    "data": serde_json::from_str::<serde_json::Value>(&r.record.data).unwrap_or_default(),
                    "hash": r.hash,
                })
            })
            .collect()
    })
}

fn client_json(c: &store::api_clients::ApiClient) -> serde_json::Value {
    json!({
        "id": c.id,
        "name": c.name,
        "key_prefix": c.key_prefix,
        "created_at": domain::datetime::format_unix(c.created_at),
        "revoked_at": c.revoked_at.map(domain::datetime::format_unix),
    })
}

async fn list_clients(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.list_api_keys(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(client_json).collect()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewClientBody {
    name: String,
}

async fn create_client(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewClientBody>,
) -> Response {
    let result = state.services.create_api_key(&caller.actor, &b.name).await;
    reply(caller.lang, StatusCode::CREATED, result, |c| {
        let mut v = client_json(&c.client);
        v["key"] = json!(c.key);
        v
    })
}

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
