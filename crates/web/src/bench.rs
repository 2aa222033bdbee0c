//! The benchmark ceiling: `GET /bench/ceiling/<path>` answers with the exact bytes that
//! `GET /<path>` answered the first time, from memory. It measures what the server and the
//! load generator can do with no work at all behind a route, so each route's throughput can be
//! reported as a share of it. Enabled only by `civicdesk serve --bench-ceiling`.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tower::ServiceExt;

type Cache = Arc<RwLock<HashMap<String, (StatusCode, HeaderMap, Bytes)>>>;

/// Adds the ceiling routes in front of `app`.
pub fn with_ceiling(app: Router) -> Router {
    let cache: Cache = Arc::default();
    let inner = app.clone();
    let ceiling = move |uri: Uri, headers: HeaderMap| {
        let cache = cache.clone();
        let inner = inner.clone();
        async move { serve(cache, inner, uri, headers).await }
    };
    Router::new()
        .route("/bench/ceiling/{*rest}", axum::routing::get(ceiling))
        .merge(app)
}

/// The first request's headers go to the route (a REST route needs its `Authorization`).
async fn serve(cache: Cache, inner: Router, uri: Uri, headers: HeaderMap) -> Response {
    let target = uri
        .path_and_query()
        .map(|pq| pq.as_str().trim_start_matches("/bench/ceiling").to_string())
        .unwrap_or_default();
    if let Some((status, headers, body)) = cache.read().ok().and_then(|c| c.get(&target).cloned()) {
        return (status, headers, body).into_response();
    }
    let mut request = match Request::get(&target).body(Body::empty()) {
        Ok(r) => r,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    *request.headers_mut() = headers;
    let response = match inner.oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(mut c) = cache.write() {
        c.insert(target, (parts.status, parts.headers.clone(), bytes.clone()));
    }
    (parts.status, parts.headers, bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn the_ceiling_answers_from_memory_with_the_same_bytes() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let app = Router::new().route(
            "/open311/v2/services.json",
            axum::routing::get(move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move { ([("content-type", "application/json")], format!("[{n}]")) }
            }),
        );
        let app = with_ceiling(app);
        let get = |path: &'static str| {
            let app = app.clone();
            async move {
                let r = app
                    .oneshot(Request::get(path).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                let ct = r.headers()["content-type"].clone();
                (ct, axum::body::to_bytes(r.into_body(), 1024).await.unwrap())
            }
        };
        let first = get("/bench/ceiling/open311/v2/services.json").await;
        let second = get("/bench/ceiling/open311/v2/services.json").await;
        assert_eq!(first, second);
        assert_eq!(first.1, "[0]");
        assert_eq!(first.0, "application/json");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the real route ran once");
        assert_eq!(
            get("/open311/v2/services.json").await.1,
            "[1]",
            "the real route still works"
        );
    }
}
