//! REST API v1 at `/api/v1/`: JSON in, JSON out, errors as `application/problem+json` in the
//! caller's language. Handlers parse and render; every decision (who may do what, what is
//! valid) is made in `services`.

mod audit;
mod catalog;
pub mod doc;
mod jobs;
mod notifications;
mod webhooks;

pub use identity::doors::{
    Caller, DEVICE_COOKIE, PartialCaller, SESSION_COOKIE, browser_session, clear_session_cookie,
    device_cookie, session_cookie, sign_in_context,
};
pub use webkit::{
    ApiError, ApiPath, ApiQuery, ClientAddr, InLang, JsonBody, Lang, MAX_JSON_BYTES,
    TrustedProxies, cookie, page_limit, reply,
};

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use domain::Message;
use platform::ModulesConfig;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The platform's API routes and their documentation, from the same
/// annotations: each module registers its handlers with `utoipa_axum::routes!`, which reads
/// the method and the path from the handler's `#[utoipa::path]`. Never add a route with
/// `.route(...)`: a test (`doc::tests::routes_come_only_from_annotations`) refuses it. The
/// modules' own API parts (`cases::api`) are merged by [`routes`] and [`openapi_for`].
fn documented(modules: &ModulesConfig) -> OpenApiRouter<AppState> {
    // The platform's and identity's routes: always served.
    let router = OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .merge(audit::routes())
        .merge(notifications::routes())
        .merge(catalog::routes())
        .merge(webhooks::routes())
        .merge(jobs::routes());
    if !modules.runs(cases::MODULE.module) {
        return router;
    }
    router.merge(catalog::category_routes())
}

/// The platform's API routes, with their limits; anything else under `/api/` answers a `404`
/// problem. The modules' API routes are merged beside them, under the same [`limits`].
pub fn routes(modules: &ModulesConfig) -> Router<AppState> {
    let (router, _) = documented(modules).split_for_parts();
    limits(router.fallback(|lang: Lang| async move {
        ApiError::new(StatusCode::NOT_FOUND, Message::new("error-not-found"))
            .into_response_in(lang.0)
    }))
}

/// What every API route is served under: the JSON body limit and `Cache-Control: no-store`
/// unless the handler says otherwise.
pub fn limits<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(DefaultBodyLimit::max(MAX_JSON_BYTES)).layer(
        SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ),
    )
}

/// The OpenAPI document of every route of every module of the binary's build.
pub fn openapi() -> utoipa::openapi::OpenApi {
    assemble(
        &ModulesConfig::default(),
        [
            identity::api::openapi(),
            cases::api::openapi(),
            payments::openapi(),
        ],
    )
}

/// The OpenAPI document of the routes of the modules that run: the platform's part for
/// `modules` and the part of each of the modules' `doors`.
pub fn openapi_for(
    modules: &ModulesConfig,
    doors: &[std::sync::Arc<dyn webkit::module::ModuleDoors>],
) -> utoipa::openapi::OpenApi {
    assemble(modules, doors.iter().map(|m| m.openapi()))
}

fn assemble(
    modules: &ModulesConfig,
    parts: impl IntoIterator<Item = utoipa::openapi::OpenApi>,
) -> utoipa::openapi::OpenApi {
    let mut document = documented(modules).into_openapi();
    for part in parts {
        document.merge(part);
    }
    doc::conventions(&mut document);
    document
}
