//! REST API v1 at `/api/v1/`: JSON in, JSON out, errors as `application/problem+json` in the
//! caller's language. Handlers parse and render; every decision (who may do what, what is
//! valid) is made in `services`.

mod api_clients;
mod audit;
mod auth;
mod catalog;
pub mod doc;
mod jobs;
mod me;
mod notifications;
mod staff;
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
use axum::http::StatusCode;
use domain::Message;
use platform::ModulesConfig;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The platform's and identity's API routes and their documentation, from the same
/// annotations: each module registers its handlers with `utoipa_axum::routes!`, which reads
/// the method and the path from the handler's `#[utoipa::path]`. Never add a route with
/// `.route(...)`: a test (`doc::tests::routes_come_only_from_annotations`) refuses it. The
/// modules' own API parts (`cases::api`) are merged by [`routes`] and [`openapi_for`].
fn documented(modules: ModulesConfig) -> OpenApiRouter<AppState> {
    // The platform's and identity's routes: always served.
    let router = OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .merge(auth::routes())
        .merge(me::routes())
        .merge(staff::routes())
        .merge(api_clients::routes())
        .merge(audit::routes())
        .merge(notifications::routes())
        .merge(catalog::routes())
        .merge(webhooks::routes())
        .merge(jobs::routes());
    if !modules.cases {
        return router;
    }
    router.merge(catalog::category_routes())
}

/// The API of the modules that run (the cases module's when it is given its state); anything
/// else under `/api/` answers a `404` problem.
pub fn routes(modules: ModulesConfig, cases: Option<cases::doors::CasesState>) -> Router<AppState> {
    let (mut router, _) = documented(modules).split_for_parts();
    if let Some(state) = cases {
        let (part, _) = cases::api::routes().split_for_parts();
        router = router.merge(part.with_state(state));
    }
    router.fallback(|lang: Lang| async move {
        ApiError::new(StatusCode::NOT_FOUND, Message::new("error-not-found"))
            .into_response_in(lang.0)
    })
}

/// The OpenAPI document of every route of every module.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi_for(ModulesConfig::default())
}

/// The OpenAPI document of the routes of the modules that run.
pub fn openapi_for(modules: ModulesConfig) -> utoipa::openapi::OpenApi {
    let mut document = documented(modules).into_openapi();
    if modules.cases {
        document.merge(cases::api::openapi());
    }
    doc::conventions(&mut document);
    document
}
