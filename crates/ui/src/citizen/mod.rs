//! The citizen's side: the home page, reporting a problem, tracking a case, the survey, and
//! the account pages (sign-up, sign-in, reset, "my cases").

pub(crate) mod account;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::Locale;
use identity::doors::Viewer;
use identity::doors::render;
use identity::doors::viewer::LANG_COOKIE;
use serde::Deserialize;
use web::AppState;
pub(crate) use webkit::page::jurisdiction;
use webkit::page::{Page, decode, safe_back, set_cookie_header};

/// The citizen's pages of the platform and identity: about, sign-in, sign-up, reset.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/about", get(about))
        .merge(account::routes())
}

#[derive(Template)]
#[template(path = "citizen/about.html")]
struct About {
    p: Page,
}

/// The accessibility statement, the data attribution and the privacy summary.
async fn about(State(state): State<AppState>, v: Viewer) -> Response {
    let page = About {
        p: Page::new(&v, &state, "about-title", "about"),
    };
    render(&v, &state, StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// The language switch: a plain link that remembers the choice and goes back.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let locale = Locale::from_tag(&code).unwrap_or(Locale::ZhTw);
    let back = safe_back(q.back.as_deref().map(decode).as_deref());
    let (name, value) = set_cookie_header(
        LANG_COOKIE,
        locale.tag(),
        60 * 60 * 24 * 365,
        state.web.secure_cookies,
    );
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(name, v);
    }
    response
}
