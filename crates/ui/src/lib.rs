//! The web pages: server-rendered HTML (askama) for citizens and staff, in zh-TW and English.
//! Every journey is a plain form or link, so it works without JavaScript; a small script adds
//! conveniences (category search, the map pin). Pages call `services` exactly as the REST API
//! does, so permissions, validation and audit are the same.

mod admin;
mod citizen;
mod menus;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use web::AppState;

use identity::doors::Viewer;
use webkit::page::{PageError, assets};

/// The platform's pages, with an HTML "not found" page in the visitor's language for every
/// other path; the modules' pages come with their doors.
pub fn pages() -> web::Pages {
    web::Pages {
        routes: routes(),
        not_found: axum::routing::any(not_found),
        navigation: menus::parts(),
    }
}

async fn not_found(v: Viewer) -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "error-page-not-found", v.locale)
}

/// The platform's page routes. The modules' pages (the hotline's home page, identity's
/// account pages) are merged by the composition root, each over its module's own state.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/{*file}", get(assets::serve))
        .route("/lang/{code}", get(citizen::switch_language))
        .merge(citizen::routes())
        .merge(admin::routes())
}
