//! A page that could not be shown, and the HTML answers every page gives.

use super::Page;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use platform::ServiceError;

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
            status: crate::status_of(r.status),
            // A page shows one reason: the last one found.
            message: r
                .messages
                .pop()
                .unwrap_or_else(|| Message::new("error-invalid")),
            locale,
            retry_after: r.retry_after,
        }
    }

    /// The status code it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
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

/// An HTML answer, never stored by a cache; a template that failed is a plain `500`.
pub fn html(status: StatusCode, body: askama::Result<String>) -> Response {
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

/// A redirect after a successful form (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}
