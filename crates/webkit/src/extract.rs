//! Extractors every door uses: the caller's language, JSON bodies, query strings and paths
//! that answer a malformed request with a clear problem in that language, and the mapping of a
//! use case's result to a response.

use crate::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest JSON body the API accepts.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// The language of the response: `?locale=`, then `Accept-Language`, then zh-TW.
#[derive(Debug, Clone, Copy)]
pub struct Lang(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let from_query = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "locale")
                .and_then(|(_, v)| Locale::from_tag(v))
        });
        let from_header = || {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        };
        Ok(Lang(
            from_query.or_else(from_header).unwrap_or(Locale::ZhTw),
        ))
    }
}

/// A JSON request body: `application/json`, at most [`MAX_JSON_BYTES`], valid UTF-8 and
/// matching the expected shape, or a clear 415/413/400.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(lang) = Lang::from_request_parts(&mut parts, state).await;
        let is_json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                mime.eq_ignore_ascii_case("application/json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Message::new("error-content-type-json"),
            )
            .in_lang(lang));
        }
        let bytes: Bytes = axum::body::to_bytes(body, MAX_JSON_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Message::new("error-body-too-large-kb")
                        .arg("max", (MAX_JSON_BYTES / 1024).to_string()),
                )
                .in_lang(lang)
            })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            // The detail names the line and column and what was expected, never the input.
            let detail = format!(
                "line {}, column {}: {:?}",
                e.line(),
                e.column(),
                e.classify()
            );
            let detail = match e.classify() {
                serde_json::error::Category::Data => e
                    .to_string()
                    .split(" at line")
                    .next()
                    .unwrap_or("")
                    .to_string(),
                _ => detail,
            };
            ApiError::new(
                StatusCode::BAD_REQUEST,
                Message::new("error-body-malformed").arg("detail", detail),
            )
            .in_lang(lang)
        })
    }
}

/// Query parameters, or a `400` problem naming what is wrong (axum's own rejection is plain
/// text).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => {
                let detail = e.body_text();
                let detail = detail
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&detail)
                    .to_string();
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    Message::new("error-query-malformed").arg("detail", detail),
                )
                .in_lang(lang))
            }
        }
    }
}

/// Path parameters, or a `400` problem (axum's own rejection, e.g. for a segment that is not
/// UTF-8, is plain text). Handlers import it as `Path`.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                Message::new("error-path-malformed").arg("detail", e.body_text()),
            )
            .in_lang(lang)),
        }
    }
}

/// Maps a service result to a JSON response or a localised problem.
/// A service's answer as a handler's: `?` then refuses in the caller's language.
pub trait InLang<T> {
    fn in_lang(self, lang: Lang) -> Result<T, ApiError>;
}

impl<T> InLang<T> for platform::Result<T> {
    fn in_lang(self, lang: Lang) -> Result<T, ApiError> {
        self.map_err(|e| ApiError::from_service(e, lang))
    }
}

pub fn reply<T, B: Serialize>(
    lang: Lang,
    status: StatusCode,
    result: platform::Result<T>,
    render: impl FnOnce(T) -> B,
) -> Response {
    match result {
        Ok(v) => (status, axum::Json(render(v))).into_response(),
        Err(e) => ApiError::from_service(e, lang).into_response(),
    }
}

/// How many rows a page of a cursor-paged list shows: 50 unless the client asks, 1–200.
pub fn page_limit(asked: Option<u64>) -> u64 {
    asked.unwrap_or(50).clamp(1, 200)
}
