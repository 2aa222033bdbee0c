//! Stored photos at `/media/{file}`.

use super::CasesState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity::doors::Caller;
use webkit::ApiError;

pub fn router() -> Router<CasesState> {
    Router::new().route("/media/{file}", get(media))
}

/// A stored photo. A public one goes to anyone and may be cached for good (its name never
/// changes); any other only to staff who may see its case (by session or token), never stored
/// by a cache. Everyone else gets the same 404 as for a name that does not exist.
async fn media(
    State(state): State<CasesState>,
    Path(file): Path<String>,
    caller: Result<Caller, ApiError>,
) -> Response {
    let viewer = caller.ok().map(|c| c.actor);
    match state.cases.media_file(&file, viewer.as_ref()).await {
        Ok(photo) => {
            let cache = if photo.public {
                "public, max-age=31536000, immutable"
            } else {
                "private, no-store"
            };
            (
                [
                    (header::CONTENT_TYPE, photo.content_type),
                    (header::CACHE_CONTROL, cache),
                ],
                photo.bytes,
            )
                .into_response()
        }
        Err(platform::ServiceError::NotFound(_)) => {
            // Not cached either: a cache must not keep an anonymous 404 from staff.
            let mut response = not_found();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "serving a photo");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CACHE_CONTROL, "no-store")],
                "500",
            )
                .into_response()
        }
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "404 找不到這個頁面 / Not Found",
    )
        .into_response()
}
