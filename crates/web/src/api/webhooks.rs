//! Webhook subscriptions of department systems and their delivery log, for administrators
//! (`manage_webhooks`). A subscription's secret is in the answer to its creation and to a
//! rotation, and nowhere else.

use super::ApiPath as Path;
use super::doc::NotFound;
use super::{Caller, JsonBody, reply};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::webhooks::admin::{DeliveryView, NewWebhook, WebhookUpdate, WebhookView};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(rotate_secret))
        .routes(routes!(ping))
        .routes(routes!(deliveries))
        .routes(routes!(delivery))
        .routes(routes!(redeliver))
}

fn datetime(t: Option<i64>) -> Option<String> {
    t.map(domain::datetime::format_unix)
}

const WEBHOOK_ID: &str = "The subscription's id";
const DELIVERY_ID: &str = "The delivery's id";

/// A webhook subscription (its secret only in the answers to its creation and rotation).
#[derive(Serialize, ToSchema)]
struct WebhookOut {
    active: bool,
    created_at: Option<String>,
    /// Only events of this department's cases; null for all.
    department_code: Option<String>,
    /// See docs/WEBHOOKS.md, e.g. `case.assigned`.
    #[schema(example = json!(["case.assigned", "case.reassigned"]))]
    event_types: Vec<String>,
    id: String,
    name: String,
    /// `whsec_` and 64 hex characters: only in the answer to the creation, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    updated_at: Option<String>,
    url: String,
}

fn webhook_json(w: &WebhookView) -> WebhookOut {
    WebhookOut {
        id: w.id.clone(),
        name: w.name.clone(),
        url: w.url.clone(),
        event_types: w.event_types.clone(),
        department_code: w.department_code.clone(),
        active: w.active,
        created_at: datetime(Some(w.created_at)),
        updated_at: datetime(Some(w.updated_at)),
        secret: None,
    }
}

/// A delivery of one event to one subscription.
#[derive(Serialize, ToSchema)]
struct DeliveryOut {
    attempts: i64,
    created_at: Option<String>,
    delivered_at: Option<String>,
    event_id: String,
    event_type: String,
    id: String,
    last_error: Option<String>,
    last_status_code: Option<i64>,
    /// The attempts: only in the answer for one delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<Vec<DeliveryAttemptOut>>,
    next_attempt_at: Option<String>,
    /// The body POSTed to the receiver (see docs/WEBHOOKS.md).
    #[schema(value_type = Object)]
    payload: serde_json::Value,
    /// `queued`, `sending`, `delivered`, `failed` or `dead`.
    status: String,
    subscription_id: String,
}

/// One attempt to deliver.
#[derive(Serialize, ToSchema)]
struct DeliveryAttemptOut {
    at: Option<String>,
    attempt: i64,
    detail: String,
    duration_ms: Option<i64>,
    outcome: String,
    status_code: Option<i64>,
}

fn delivery_json(d: &DeliveryView) -> DeliveryOut {
    DeliveryOut {
        id: d.id.clone(),
        subscription_id: d.subscription_id.clone(),
        event_type: d.event_type.clone(),
        event_id: d.event_id.clone(),
        status: d.status.clone(),
        attempts: d.attempts,
        next_attempt_at: datetime(Some(d.next_attempt_at)),
        last_status_code: d.last_status_code,
        last_error: d.last_error.clone(),
        delivered_at: datetime(d.delivered_at),
        created_at: datetime(Some(d.created_at)),
        payload: d.payload.clone(),
        log: None,
    }
}

/// The jurisdiction's webhook subscriptions.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    responses((status = 200, description = "The subscriptions, without secrets", body = [WebhookOut]))
)]
async fn list(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.platform.webhooks(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(webhook_json).collect::<Vec<_>>()
    })
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewBody {
    #[schema(example = "公園處派工系統")]
    name: String,
    /// HTTPS (HTTP only where allowed); internal networks are refused unless allowed.
    #[schema(example = "https://dispatch.pwd.example.gov.tw/civicdesk")]
    url: String,
    #[schema(example = json!(["case.assigned", "case.reassigned", "case.reopened"]))]
    event_types: Vec<String>,
    /// Only events of this department's cases.
    #[serde(default)]
    department_code: Option<String>,
    /// Default true.
    #[serde(default = "yes")]
    #[schema(default = true)]
    active: bool,
}

/// Subscribes a URL to events; the signing secret is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    request_body = NewBody,
    responses((status = 201, description = "The subscription, with its secret shown once", body = WebhookOut))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewBody>,
) -> Response {
    let new = NewWebhook {
        name: b.name,
        url: b.url,
        event_types: b.event_types,
        department_code: b.department_code,
        active: b.active,
    };
    let result = state.platform.create_webhook(&caller.actor, new).await;
    reply(caller.lang, StatusCode::CREATED, result, |w| WebhookOut {
        secret: Some(w.secret),
        ..webhook_json(&w.webhook)
    })
}

/// One subscription.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = WEBHOOK_ID)),
    responses(
        (status = 200, description = "The subscription", body = WebhookOut),
        (status = 404, response = NotFound),
    )
)]
async fn show(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = state.platform.webhook(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::OK, result, |w| webhook_json(&w))
}

/// A field that may be absent (keep), `null` (clear) or a value (set).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The fields to change; absent fields are kept.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    event_types: Option<Vec<String>>,
    /// `null` removes the department filter.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    department_code: Option<Option<String>>,
    #[serde(default)]
    active: Option<bool>,
}

/// Changes a subscription.
#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = WEBHOOK_ID)),
    request_body = UpdateBody,
    responses(
        (status = 200, description = "The subscription", body = WebhookOut),
        (status = 404, response = NotFound),
    )
)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<UpdateBody>,
) -> Response {
    let update = WebhookUpdate {
        name: b.name,
        url: b.url,
        event_types: b.event_types,
        department_code: b.department_code,
        active: b.active,
    };
    let result = state
        .platform
        .update_webhook(&caller.actor, &id, update)
        .await;
    reply(caller.lang, StatusCode::OK, result, |w| webhook_json(&w))
}

/// Deletes a subscription and its deliveries.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = WEBHOOK_ID)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = NotFound),
    )
)]
async fn remove(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    match state.platform.delete_webhook(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => super::ApiError::from_service(e, caller.lang).into_response(),
    }
}

/// A new signing secret, shown once.
#[derive(Serialize, ToSchema)]
struct SecretOut {
    id: String,
    /// `whsec_` and 64 hex characters.
    secret: String,
}

/// Replaces the signing secret; later deliveries and retries use the new one.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/rotate-secret",
    tag = "webhooks",
    params(("id" = String, Path, description = WEBHOOK_ID)),
    responses(
        (status = 200, description = "The new secret", body = SecretOut),
        (status = 404, response = NotFound),
    )
)]
async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .platform
        .rotate_webhook_secret(&caller.actor, &id)
        .await;
    reply(caller.lang, StatusCode::OK, result, |w| SecretOut {
        id: w.webhook.id,
        secret: w.secret,
    })
}

/// Queues a `ping` event to this subscription.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/ping",
    tag = "webhooks",
    params(("id" = String, Path, description = WEBHOOK_ID)),
    responses(
        (status = 202, description = "Queued", body = DeliveryOut),
        (status = 400, response = super::doc::BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn ping(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = state.platform.ping_webhook(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::ACCEPTED, result, |d| {
        delivery_json(&d)
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// Keyset cursor: the `id` of the last delivery of the previous page.
    before: Option<String>,
    /// At most this many (default 50).
    limit: Option<u64>,
}

/// A subscription's deliveries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = WEBHOOK_ID), Page),
    responses(
        (status = 200, description = "The deliveries", body = [DeliveryOut]),
        (status = 404, response = NotFound),
    )
)]
async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    super::ApiQuery(page): super::ApiQuery<Page>,
) -> Response {
    let result = state
        .platform
        .webhook_deliveries(
            &caller.actor,
            &id,
            page.before.as_deref(),
            page.limit.unwrap_or(50),
        )
        .await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(delivery_json).collect::<Vec<_>>()
    })
}

/// A delivery, its body and its attempt log.
#[utoipa::path(
    get,
    path = "/api/v1/webhook-deliveries/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = DELIVERY_ID)),
    responses(
        (status = 200, description = "The delivery", body = DeliveryOut),
        (status = 404, response = NotFound),
    )
)]
async fn delivery(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state.platform.webhook_delivery(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::OK, result, |(d, log)| {
        DeliveryOut {
            log: Some(
                log.iter()
                    .map(|a| DeliveryAttemptOut {
                        attempt: a.attempt,
                        at: datetime(Some(a.at)),
                        status_code: a.status_code,
                        outcome: a.outcome.clone(),
                        detail: a.detail.clone(),
                        duration_ms: a.duration_ms,
                    })
                    .collect(),
            ),
            ..delivery_json(&d)
        }
    })
}

/// Sends a `failed` or `dead` delivery again now.
#[utoipa::path(
    post,
    path = "/api/v1/webhook-deliveries/{id}/redeliver",
    tag = "webhooks",
    params(("id" = String, Path, description = DELIVERY_ID)),
    responses(
        (status = 202, description = "Queued", body = DeliveryOut),
        (status = 400, response = super::doc::BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state.platform.redeliver_webhook(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::ACCEPTED, result, |d| {
        delivery_json(&d)
    })
}
