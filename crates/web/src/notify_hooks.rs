//! Callbacks of notification providers. `POST /hooks/sms/receipt` takes the SMS gateway's
//! signed delivery receipts (see `platform::notify::sms` for the protocol): 204 when recorded,
//! 401 for a missing, wrong or stale signature (nothing changes), 400 for a malformed body and
//! 404 for an unknown message.

use crate::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use domain::Locale;
use platform::ServiceError;
use platform::notify::sms::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Receipts are small; anything bigger is not one.
const MAX_RECEIPT_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hooks/sms/receipt", post(sms_receipt))
        .layer(DefaultBodyLimit::max(MAX_RECEIPT_BYTES))
}

async fn sms_receipt(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match state
        .platform
        .sms_receipt(header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER), &body)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            let (status, messages) = match &e {
                ServiceError::Forbidden(m) => (StatusCode::UNAUTHORIZED, vec![m.clone()]),
                ServiceError::NotFound(m) => (StatusCode::NOT_FOUND, vec![m.clone()]),
                ServiceError::Invalid(m) => (StatusCode::BAD_REQUEST, m.clone()),
                _ => {
                    tracing::error!(error = %e, "SMS receipt failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        vec![domain::Message::new("error-internal")],
                    )
                }
            };
            let text: Vec<String> = messages
                .iter()
                .map(|m| crate::i18n::message(Locale::En, m))
                .collect();
            (
                status,
                axum::Json(serde_json::json!({ "error": text.join(" ") })),
            )
                .into_response()
        }
    }
}
