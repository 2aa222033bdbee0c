//! Open311 client applications' API keys over the API.

use super::ApiPath as Path;
use super::{ApiError, Caller, JsonBody, reply};
use crate::doors::IdentityState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::NotFound;

pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(revoke_client))
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

fn client_json(c: &crate::store::api_clients::ApiClient) -> ClientOut {
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
async fn list_clients(State(state): State<IdentityState>, caller: Caller) -> Response {
    let result = state.identity.list_api_keys(&caller.actor).await;
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
    State(state): State<IdentityState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewClientBody>,
) -> Response {
    let result = state.identity.create_api_key(&caller.actor, &b.name).await;
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
    State(state): State<IdentityState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.identity.revoke_api_key(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}
