//! The audit trail over the API, and reads of a citizen's personal data for a stated reason
//! (each one audited).

use super::ApiPath as Path;
use super::doc::NotFound;
use super::{Caller, reply};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use store::audit::AuditFilter;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read_citizen))
        .routes(routes!(audit))
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
        .identity
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
    let result = state.platform.audit_records(&caller.actor, &filter).await;
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
