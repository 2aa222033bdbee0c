//! Webhook subscriptions of department systems and their delivery log, for administrators
//! (`manage_webhooks`). A subscription's secret is in the answer to its creation and to a
//! rotation, and nowhere else.

use super::{Caller, JsonBody, reply};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Deserializer};
use serde_json::json;
use services::webhooks::admin::{DeliveryView, NewWebhook, WebhookUpdate, WebhookView};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list).post(create))
        .route(
            "/api/v1/webhooks/{id}",
            get(show).patch(update).delete(remove),
        )
        .route("/api/v1/webhooks/{id}/rotate-secret", post(rotate_secret))
        .route("/api/v1/webhooks/{id}/ping", post(ping))
        .route("/api/v1/webhooks/{id}/deliveries", get(deliveries))
        .route("/api/v1/webhook-deliveries/{id}", get(delivery))
        .route("/api/v1/webhook-deliveries/{id}/redeliver", post(redeliver))
}

fn datetime(t: Option<i64>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| {
        json!(domain::datetime::format_unix(t))
    })
}

fn webhook_json(w: &WebhookView) -> serde_json::Value {
    json!({
        "id": w.id,
        "name": w.name,
        "url": w.url,
        "event_types": w.event_types,
        "department_code": w.department_code,
        "active": w.active,
        "created_at": datetime(Some(w.created_at)),
        "updated_at": datetime(Some(w.updated_at)),
    })
}

fn delivery_json(d: &DeliveryView) -> serde_json::Value {
    json!({
        "id": d.id,
        "subscription_id": d.subscription_id,
        "event_type": d.event_type,
        "event_id": d.event_id,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": datetime(Some(d.next_attempt_at)),
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "delivered_at": datetime(d.delivered_at),
        "created_at": datetime(Some(d.created_at)),
        "payload": d.payload,
    })
}

async fn list(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.webhooks(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(webhook_json).collect()
    })
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBody {
    name: String,
    url: String,
    event_types: Vec<String>,
    #[serde(default)]
    department_code: Option<String>,
    #[serde(default = "yes")]
    active: bool,
}

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
    let result = state.services.create_webhook(&caller.actor, new).await;
    reply(caller.lang, StatusCode::CREATED, result, |w| {
        let mut v = webhook_json(&w.webhook);
        v["secret"] = json!(w.secret);
        v
    })
}

async fn show(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = state.services.webhook(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::OK, result, |w| webhook_json(&w))
}

/// A field that may be absent (keep), `null` (clear) or a value (set).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    event_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    department_code: Option<Option<String>>,
    #[serde(default)]
    active: Option<bool>,
}

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
        .services
        .update_webhook(&caller.actor, &id, update)
        .await;
    reply(caller.lang, StatusCode::OK, result, |w| webhook_json(&w))
}

async fn remove(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    match state.services.delete_webhook(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => super::ApiError::from_service(e, caller.lang).into_response(),
    }
}

async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .services
        .rotate_webhook_secret(&caller.actor, &id)
        .await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |w| json!({ "id": w.webhook.id, "secret": w.secret }),
    )
}

async fn ping(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = state.services.ping_webhook(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::ACCEPTED, result, |d| {
        delivery_json(&d)
    })
}

#[derive(Deserialize)]
struct Page {
    before: Option<String>,
    limit: Option<u64>,
}

async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(page): Query<Page>,
) -> Response {
    let result = state
        .services
        .webhook_deliveries(
            &caller.actor,
            &id,
            page.before.as_deref(),
            page.limit.unwrap_or(50),
        )
        .await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(delivery_json).collect()
    })
}

async fn delivery(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state.services.webhook_delivery(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::OK, result, |(d, log)| {
        let mut v = delivery_json(&d);
        v["log"] = log
            .iter()
            .map(|a| {
                json!({
                    "attempt": a.attempt,
                    "at": datetime(Some(a.at)),
                    "status_code": a.status_code,
                    "outcome": a.outcome,
                    "detail": a.detail,
                    "duration_ms": a.duration_ms,
                })
            })
            .collect();
        v
    })
}

async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state.services.redeliver_webhook(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::ACCEPTED, result, |d| {
        delivery_json(&d)
    })
}
