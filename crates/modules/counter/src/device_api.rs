//! The locker device API's door (`/device/v1/…`, docs/COUNTER.md "Device API"): each handler
//! reads the signature headers and the raw body, asks the app, and answers JSON. A refused
//! signature is 401 with the reason and the server's time; a replay too.

use crate::app::device::{DeviceEventIn, DeviceRefusal, DeviceRequest, VerifyAsk};
use crate::domain::device::{
    DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, Signed, TIMESTAMP_HEADER,
};
use crate::module::CounterState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use platform::ServiceError;
use serde_json::json;

/// The largest request a device sends (an upload of 500 events).
pub const MAX_BODY: usize = 256 * 1024;

pub fn routes() -> Router<CounterState> {
    Router::new()
        .route("/device/v1/verify", post(verify))
        .route("/device/v1/events", post(events))
        .route("/device/v1/list", get(list))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

fn json_answer(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        value.to_string(),
    )
        .into_response()
}

fn refused(r: DeviceRefusal) -> Response {
    json_answer(
        StatusCode::UNAUTHORIZED,
        json!({ "error": r.refusal.code(), "server_time": r.server_time }),
    )
}

fn failed(e: ServiceError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let messages = e.refusal("device api").messages;
    let ids: Vec<&str> = messages.iter().map(|m| m.id).collect();
    json_answer(
        status,
        json!({ "error": ids.first().copied().unwrap_or("error-internal") }),
    )
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The request as the device signed it; `None` when a header is missing.
fn request<'a>(
    method: &'a Method,
    uri: &'a Uri,
    h: &'a HeaderMap,
    body: &'a [u8],
) -> Option<DeviceRequest<'a>> {
    let device_id = header_str(h, DEVICE_HEADER);
    let timestamp = header_str(h, TIMESTAMP_HEADER).parse().ok()?;
    if device_id.is_empty() {
        return None;
    }
    Some(DeviceRequest {
        device_id,
        signed: Signed {
            method: method.as_str(),
            path_and_query: uri.path_and_query().map_or(uri.path(), |p| p.as_str()),
            timestamp,
            nonce: header_str(h, NONCE_HEADER),
            body,
            signature: header_str(h, SIGNATURE_HEADER),
        },
    })
}

fn unsigned(state: &CounterState) -> Response {
    json_answer(
        StatusCode::UNAUTHORIZED,
        json!({ "error": "unsigned", "server_time": state.module.platform().now() }),
    )
}

async fn verify(
    State(state): State<CounterState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(req) = request(&method, &uri, &headers, &body) else {
        return unsigned(&state);
    };
    let ask: VerifyAsk = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(_) => return json_answer(StatusCode::BAD_REQUEST, json!({ "error": "body" })),
    };
    match state.module.verify_code(&req, &ask).await {
        Ok(Ok(answer)) => json_answer(
            StatusCode::OK,
            serde_json::to_value(answer).unwrap_or_default(),
        ),
        Ok(Err(r)) => refused(r),
        Err(e) => failed(e),
    }
}

async fn events(
    State(state): State<CounterState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(req) = request(&method, &uri, &headers, &body) else {
        return unsigned(&state);
    };
    #[derive(serde::Deserialize)]
    struct Upload {
        events: Vec<DeviceEventIn>,
    }
    let upload: Upload = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(_) => return json_answer(StatusCode::BAD_REQUEST, json!({ "error": "body" })),
    };
    match state.module.device_events(&req, upload.events).await {
        Ok(Ok(outcomes)) => json_answer(StatusCode::OK, json!({ "events": outcomes })),
        Ok(Err(r)) => refused(r),
        Err(e) => failed(e),
    }
}

async fn list(
    State(state): State<CounterState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(req) = request(&method, &uri, &headers, b"") else {
        return unsigned(&state);
    };
    match state.module.offline_list(&req).await {
        Ok(Ok((body, signature))) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (header::CACHE_CONTROL, "no-store".to_string()),
                (
                    header::HeaderName::from_static("x-civicdesk-list-signature"),
                    signature,
                ),
            ],
            body,
        )
            .into_response(),
        Ok(Err(r)) => refused(r),
        Err(e) => failed(e),
    }
}
