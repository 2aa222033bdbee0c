//! Errors as every door answers them: one table from a use case's refusal to an HTTP status
//! (`platform::ServiceError::refusal`, [`status_of`]), and `application/problem+json` bodies in
//! the caller's language.

use crate::{Lang, i18n};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use platform::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// The status of a refusal (`platform::ServiceError::status`), as every door sends it.
pub fn status_of(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An error answer (RFC 9457), in the caller's language (`Content-Language`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "請填寫 login。",
    "errors": [{"code": "error-field-required", "message": "請填寫 login。"}]
}))]
pub struct Problem {
    /// Every message joined, in the caller's language.
    pub detail: String,
    /// Each problem found; all of them are reported at once.
    pub errors: Vec<ProblemItem>,
    /// The HTTP status code.
    pub status: u16,
    /// The status's reason phrase.
    pub title: String,
    /// Always `about:blank`: the `errors[].code` identify the problems.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: &'static str,
}

/// One problem: a stable message id and its text in the caller's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemItem {
    /// The message id (e.g. `error-field-required`), stable across releases and languages.
    pub code: String,
    /// The message in the caller's language.
    pub message: String,
}

/// An API error: a status and the messages explaining it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub messages: Vec<Message>,
    pub retry_after: Option<i64>,
    pub locale: Locale,
}

impl ApiError {
    pub fn new(status: StatusCode, message: Message) -> Self {
        ApiError {
            status,
            messages: vec![message],
            retry_after: None,
            locale: Locale::ZhTw,
        }
    }

    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.locale = lang.0;
        self
    }

    pub fn into_response_in(mut self, locale: Locale) -> Response {
        self.locale = locale;
        self.into_response()
    }

    pub fn from_service(e: ServiceError, lang: Lang) -> Self {
        let r = e.refusal("API request");
        ApiError {
            status: status_of(r.status),
            messages: r.messages,
            retry_after: r.retry_after,
            locale: lang.0,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let texts: Vec<String> = self
            .messages
            .iter()
            .map(|m| i18n::message(self.locale, m))
            .collect();
        let body = Problem {
            kind: "about:blank",
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: texts.join(" "),
            errors: self
                .messages
                .iter()
                .zip(texts)
                .map(|(m, t)| ProblemItem {
                    code: m.id.to_string(),
                    message: t,
                })
                .collect(),
        };
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_string(&body).unwrap_or_default(),
        )
            .into_response();
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.locale.tag()),
        );
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
