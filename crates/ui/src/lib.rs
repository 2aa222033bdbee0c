//! The web pages: server-rendered HTML (askama) for citizens and staff, in zh-TW and English.
//! Every journey is a plain form or link, so it works without JavaScript; a small script adds
//! conveniences (category search, the map pin). Pages call `services` exactly as the REST API
//! does, so permissions, validation and audit are the same.

mod admin;
mod assets;
mod category_form;
mod citizen;
mod dates;
mod forms;
mod nav;
mod page;
mod paths;
mod staff;
mod supervise;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::{Locale, Message};
use platform::ServiceError;
use web::AppState;

pub use page::{Page, Viewer};

/// The pages of the modules that run, with an HTML "not found" page in the visitor's language
/// for every other path.
pub fn pages(modules: platform::ModulesConfig) -> web::Pages {
    web::Pages {
        routes: routes(modules),
        not_found: axum::routing::any(not_found),
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
    if !modules.cases {
        return router.route("/", get(citizen::account::start));
    }
    router
        .merge(citizen::case_routes())
        .merge(supervise::routes())
        .merge(staff::case_routes())
        .merge(admin::case_routes())
}

/// A page that could not be shown: rendered as an HTML page with the reason in the viewer's
/// language and the matching status code.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: Message,
    locale: Locale,
    retry_after: Option<i64>,
}

impl PageError {
    pub fn new(status: StatusCode, id: &'static str, locale: Locale) -> PageError {
        PageError {
            status,
            message: Message::new(id),
            locale,
            retry_after: None,
        }
    }

    pub fn service(e: ServiceError, locale: Locale) -> PageError {
        let mut r = e.refusal("page");
        PageError {
            status: webkit::status_of(r.status),
            // A page shows one reason: the last one found.
            message: r
                .messages
                .pop()
                .unwrap_or_else(|| Message::new("error-invalid")),
            locale,
            retry_after: r.retry_after,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    p: Page,
    message: String,
    sign_in: bool,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let p = Page::bare(self.locale, &format!("http-{}", self.status.as_u16()));
        let page = ErrorPage {
            message: p.msg(&self.message),
            sign_in: self.status == StatusCode::UNAUTHORIZED,
            p,
        };
        let mut response = html(self.status, page.render());
        if let Some(after) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

fn html(status: StatusCode, body: askama::Result<String>) -> Response {
    match body {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "500 系統錯誤 / Internal error",
            )
                .into_response()
        }
    }
}

/// Renders a page for `v` with `status`, setting the visitor's form cookie when it is new.
pub fn render<T: Template>(v: &Viewer, state: &AppState, status: StatusCode, page: &T) -> Response {
    let mut response = html(status, page.render());
    if let Some(cookie) = &v.new_form_cookie {
        let (name, value) = page::set_cookie_header(
            page::form_cookie_name(state.web.secure_cookies),
            cookie,
            60 * 60 * 24 * 30,
            state.web.secure_cookies,
        );
        if let Ok(value) = HeaderValue::from_str(&format!("{value}; HttpOnly")) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// A redirect after a successful form (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}
