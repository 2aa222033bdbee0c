//! The OpenAPI document at `/api/v1/openapi.json` and the API browser at `/api/docs`: Swagger
//! UI, vendored from npm into `assets/api-docs/` (see its README.md) and embedded in the
//! binary, so the browser works offline and loads nothing from elsewhere.

use crate::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The vendored Swagger UI's version (`swagger-ui-dist` on npm).
pub const SWAGGER_UI_VERSION: &str = "5.35.0";

/// Cache-busting query of the asset URLs: changes with Swagger UI and with civicdesk.
fn asset_version() -> String {
    format!("{SWAGGER_UI_VERSION}-{}", env!("CARGO_PKG_VERSION"))
}

const INDEX_HTML: &str = include_str!("../assets/api-docs/index.html");
const INIT_JS: &[u8] = include_bytes!("../assets/api-docs/init.js");
const BUNDLE_JS: &[u8] = include_bytes!("../assets/api-docs/swagger-ui-bundle.js");
const BUNDLE_CSS: &[u8] = include_bytes!("../assets/api-docs/swagger-ui.css");
const A11Y_CSS: &[u8] = include_bytes!("../assets/api-docs/a11y.css");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/docs", get(index))
        .route("/api/docs/", get(index))
        .route("/api/docs/assets/{file}", get(asset))
}

/// The document of the modules that run, rendered at its first request and kept.
async fn openapi_json(State(state): State<AppState>) -> Response {
    let text = match state.openapi.get() {
        Some(text) => text.clone(),
        None => match crate::api::openapi_for(&state.platform.config().modules, &state.modules)
            .to_pretty_json()
        {
            Ok(text) => state.openapi.get_or_init(|| Bytes::from(text)).clone(),
            Err(e) => {
                tracing::error!(error = %e, "the OpenAPI document does not serialise");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        },
    };
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        text,
    )
        .into_response()
}

/// The page runs under the global Content-Security-Policy (`lib.rs`) unchanged: its only
/// script is `init.js`, and Swagger UI sets styles through the DOM, which `style-src 'self'`
/// allows (checked in headless Chromium: no violation reported).
async fn index() -> Response {
    let html = INDEX_HTML.replace("{{version}}", &asset_version());
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, bytes) = match file.as_str() {
        "swagger-ui-bundle.js" => ("text/javascript; charset=utf-8", BUNDLE_JS),
        "swagger-ui.css" => ("text/css; charset=utf-8", BUNDLE_CSS),
        "a11y.css" => ("text/css; charset=utf-8", A11Y_CSS),
        "init.js" => ("text/javascript; charset=utf-8", INIT_JS),
        _ => {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "404 Not Found",
            )
                .into_response();
        }
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            // The page asks for them with `?v=` of the versions, so they never change.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response()
}
