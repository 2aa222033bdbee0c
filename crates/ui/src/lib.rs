//! The web pages: server-rendered HTML (askama) for citizens and staff, in zh-TW and English.
//! Every journey is a plain form or link, so it works without JavaScript; a small script adds
//! conveniences (category search, the map pin). Pages call `services` exactly as the REST API
//! does, so permissions, validation and audit are the same.

mod admin;
mod citizen;
mod menus;
mod staff;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use web::AppState;

use identity::doors::Viewer;
use webkit::page::{PageError, assets};

/// The pages of the modules that run, with an HTML "not found" page in the visitor's language
/// for every other path.
pub fn pages(modules: platform::ModulesConfig) -> web::Pages {
    web::Pages {
        routes: routes(modules),
        not_found: axum::routing::any(not_found),
        navigation: menus::parts(modules),
    }
}

async fn not_found(v: Viewer) -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "error-page-not-found", v.locale)
}

/// The page routes of the modules that run.
pub fn routes(modules: platform::ModulesConfig) -> Router<AppState> {
    // The platform's and identity's pages: always served.
    let router = Router::new()
        .route("/assets/{*file}", get(assets::serve))
        .route("/lang/{code}", get(citizen::switch_language))
        .merge(citizen::routes())
        .merge(staff::routes())
        .merge(admin::routes());
    if modules.cases {
        // The cases module's pages (the home page among them) are merged by the composition
        // root with the module's own state (`cases::pages`).
        router
    } else {
        router.route("/", get(citizen::account::start))
    }
}
