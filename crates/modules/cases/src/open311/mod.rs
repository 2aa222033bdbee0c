//! Open311 GeoReport v2 at `/open311/v2/`, also at `/open311/v2/{jurisdiction_id}/` for clients
//! written for a single city. Every resource in `.xml` and `.json`.

pub mod microcache;
mod params;
pub use params::MAX_MULTIPART_BYTES;
pub mod parse;
mod resources;
mod tree;

pub use tree::{Format, Node, render};

use crate::doors::CasesState;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use microcache::Lookup;
use params::Params;
use platform::ServiceError;
use webkit::i18n;

/// An Open311 error: a status and a list of messages, rendered as `<errors>`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    messages: Vec<Message>,
    /// Seconds to wait (`Retry-After`), for 429 and 503.
    retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: Message) -> Self {
        ApiError {
            status,
            messages: vec![message],
            retry_after: None,
        }
    }

    pub fn bad_request(message: Message) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Message::new("error-body-too-large")
                .arg("max", (limit / 1024 / 1024).max(1).to_string()),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Message::new("error-content-type"),
        )
    }

    fn render(&self, format: Format, locale: Locale) -> Response {
        let errors = Node::List(
            "error",
            self.messages
                .iter()
                .map(|m| {
                    Node::Obj(vec![
                        ("code", Node::Int(i64::from(self.status.as_u16()))),
                        ("description", Node::Str(i18n::message(locale, m))),
                    ])
                })
                .collect(),
        );
        let mut response = document(self.status, format, "errors", &errors);
        if let Some(v) = self
            .retry_after
            .and_then(|secs| header::HeaderValue::from_str(&secs.to_string()).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let r = e.refusal("open311 request");
        ApiError {
            status: webkit::status_of(r.status),
            messages: r.messages,
            retry_after: r.retry_after,
        }
    }
}

impl From<crate::uploads::UploadError> for ApiError {
    fn from(e: crate::uploads::UploadError) -> Self {
        ApiError {
            status: e.status(),
            messages: vec![e.message()],
            retry_after: e.retry_after(),
        }
    }
}

fn document(status: StatusCode, format: Format, root: &'static str, node: &Node) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, format.content_type())],
        render(format, root, node),
    )
        .into_response()
}

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resource {
    Discovery,
    Services,
    ServiceDefinition(String),
    Requests,
    Request(String),
    Token(String),
    Updates,
}

#[derive(Debug, PartialEq, Eq)]
struct Target {
    jurisdiction: Option<String>,
    resource: Resource,
    format: Format,
}

/// Parses the path after `/open311/v2/`. `Err(true)` means a known resource with a bad or
/// missing extension; `Err(false)` an unknown path.
fn parse_path(rest: &str) -> Result<Target, bool> {
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let (jurisdiction, segments) = match segments.as_slice() {
        [first, tail @ ..]
            if !tail.is_empty() && !matches!(*first, "services" | "requests" | "tokens") =>
        {
            (Some(first.to_string()), tail)
        }
        all => (None, all),
    };
    let split = |file: &str| -> Result<(String, Format), bool> {
        let (stem, ext) = file.rsplit_once('.').ok_or(true)?;
        let format = Format::from_extension(ext).ok_or(true)?;
        if stem.is_empty() {
            return Err(false);
        }
        Ok((stem.to_string(), format))
    };
    let (resource, format) = match segments {
        [file] => {
            let stem = file.rsplit_once('.').map_or(*file, |(s, _)| s);
            let resource = match stem {
                "discovery" => Resource::Discovery,
                "services" => Resource::Services,
                "requests" => Resource::Requests,
                "servicerequestupdates" => Resource::Updates,
                _ => return Err(false),
            };
            (resource, split(file)?.1)
        }
        [kind, file] => {
            let (stem, format) = split(file)?;
            let resource = match *kind {
                "services" => Resource::ServiceDefinition(stem),
                "requests" => Resource::Request(stem),
                "tokens" => Resource::Token(stem),
                _ => return Err(false),
            };
            (resource, format)
        }
        _ => return Err(false),
    };
    Ok(Target {
        jurisdiction,
        resource,
        format,
    })
}

/// The request's language: `locale=` wins, then `Accept-Language`, then zh-TW.
fn locale(params: &Params, headers: &HeaderMap) -> Locale {
    params
        .get("locale")
        .and_then(Locale::from_tag)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or_default()
}

/// The Open311 GeoReport v2 routes (`/open311/v2/…`), photos included in the body limit.
pub fn router() -> axum::Router<CasesState> {
    axum::Router::new()
        .route("/open311/v2/{*rest}", axum::routing::any(handle))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_MULTIPART_BYTES))
}

/// The single entry point for every Open311 path and method.
pub async fn handle(State(state): State<CasesState>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let rest = path.strip_prefix("/open311/v2").unwrap_or(&path);
    let headers = req.headers().clone();
    let query = Params::from_urlencoded(req.uri().query().unwrap_or(""));
    let target = match parse_path(rest) {
        Ok(t) => t,
        Err(bad_extension) => {
            let locale = query
                .as_ref()
                .map(|q| locale(q, &headers))
                .unwrap_or_default();
            let id = if bad_extension {
                "error-bad-extension"
            } else {
                "error-not-found"
            };
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                i18n::tr(locale, id, &[]),
            )
                .into_response();
        }
    };
    let format = target.format;
    let query = match query {
        Ok(q) => q,
        Err(e) => return e.render(format, locale(&Params::default(), &headers)),
    };
    let method = req.method().clone();
    let client_addr = crate::api::ClientAddr::of(&state, &req);
    let params = if method == Method::POST {
        post_params(&state, req, query).await
    } else {
        Ok(query)
    };
    let params = match params {
        Ok(p) => p,
        Err(e) => return e.render(format, locale(&Params::default(), &headers)),
    };
    let locale = locale(&params, &headers);
    let cacheable = matches!(method, Method::GET | Method::HEAD)
        && matches!(
            target.resource,
            Resource::Discovery
                | Resource::Services
                | Resource::ServiceDefinition(_)
                | Resource::Requests
                | Resource::Updates
        );
    let lookup = if cacheable {
        // Only what the answer depends on: `x=1`, `x=2`, … are one entry, not thousands.
        let key = format!(
            "{path}?{}#{}",
            params.canonical(resources::READ_PARAMS),
            locale.tag()
        );
        state.open311_cache.lookup(&headers, key).await
    } else {
        Lookup::Bypass
    };
    let lookup = match lookup {
        Lookup::Hit(response) => return response,
        other => other,
    };
    let ctx = resources::Ctx {
        state: &state,
        params: &params,
        locale,
        client_addr: &client_addr,
    };
    let result = match (&method, &target.resource) {
        (&Method::GET | &Method::HEAD, Resource::Discovery) => {
            ctx.discovery(target.jurisdiction.as_deref()).await
        }
        (&Method::GET | &Method::HEAD, Resource::Services) => {
            ctx.services(target.jurisdiction.as_deref()).await
        }
        (&Method::GET | &Method::HEAD, Resource::ServiceDefinition(code)) => {
            ctx.definition(target.jurisdiction.as_deref(), code).await
        }
        (&Method::GET | &Method::HEAD, Resource::Requests) => {
            ctx.requests(target.jurisdiction.as_deref()).await
        }
        (&Method::POST, Resource::Requests) => ctx.create(target.jurisdiction.as_deref()).await,
        (&Method::GET | &Method::HEAD, Resource::Request(id)) => {
            ctx.request(target.jurisdiction.as_deref(), id).await
        }
        (&Method::GET | &Method::HEAD, Resource::Token(token)) => {
            ctx.token(target.jurisdiction.as_deref(), token).await
        }
        (&Method::GET | &Method::HEAD, Resource::Updates) => {
            ctx.updates(target.jurisdiction.as_deref()).await
        }
        (&Method::POST, Resource::Updates) => ctx.post_update(target.jurisdiction.as_deref()).await,
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            Message::new("error-method"),
        )),
    };
    match (result, lookup) {
        (Ok((root, node)), Lookup::Miss(refresh)) => {
            let body = Bytes::from(render(format, root, &node));
            refresh.store(format.content_type(), body.clone());
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, format.content_type())],
                body,
            )
                .into_response()
        }
        (Ok((root, node)), _) => document(StatusCode::OK, format, root, &node),
        // A refresh that failed is handed on when `lookup` drops.
        (Err(e), _) => e.render(format, locale),
    }
}

/// The parameters of a POST. An `api_key` in the query string is checked before the body is
/// read, so a caller without a valid key costs no more than the look-up; one in the body is
/// checked before any photo is read (see [`params::Files`]).
async fn post_params(state: &CasesState, req: Request, query: Params) -> Result<Params, ApiError> {
    let key_checked = match query.get("api_key") {
        Some(key) => {
            state.identity.authenticate_api_key(Some(key)).await?;
            true
        }
        None => false,
    };
    let files = params::Files::Receive {
        identity: &state.identity,
        uploads: &state.uploads,
        key_checked,
    };
    Params::from_body(req, query, files).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(j: Option<&str>, resource: Resource, format: Format) -> Result<Target, bool> {
        Ok(Target {
            jurisdiction: j.map(str::to_string),
            resource,
            format,
        })
    }

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("/services.xml"),
            t(None, Resource::Services, Format::Xml)
        );
        assert_eq!(
            parse_path("/taipei.gov.tw/services/1999-L01.json"),
            t(
                Some("taipei.gov.tw"),
                Resource::ServiceDefinition("1999-L01".into()),
                Format::Json
            )
        );
        assert_eq!(
            parse_path("/requests/2026112400001.xml"),
            t(None, Resource::Request("2026112400001".into()), Format::Xml)
        );
        assert_eq!(
            parse_path("/kcg.gov.tw/servicerequestupdates.json"),
            t(Some("kcg.gov.tw"), Resource::Updates, Format::Json)
        );
        assert_eq!(parse_path("/services"), Err(true));
        assert_eq!(parse_path("/services.html"), Err(true));
        assert_eq!(parse_path("/unknown.xml"), Err(false));
        assert_eq!(parse_path("/a/b/c/d.xml"), Err(false));
    }
}
