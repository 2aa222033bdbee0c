//! HTTP: the Open311 GeoReport v2 interface, media, health checks, and the middleware every
//! request passes through. Handlers parse and render; decisions are made in `services`.

pub mod api;
pub mod apidocs;
pub mod bench;
pub use webkit::i18n;
mod modules;
pub mod notify_hooks;
pub mod server;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use identity::IdentityApp;
pub use modules::{AddModule, BUILD, Build, COMPILED, Modules};
use platform::Platform;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The state of the platform's routes, shared (one reference count per request).
pub type AppState = webkit::Shared<AppStateInner>;

/// What the platform's routes hold.
pub struct AppStateInner {
    pub platform: Platform,
    pub identity: IdentityApp,
    pub web: WebConfig,
    /// What every door reads: HTTP settings and the navigation of the modules that run.
    pub doors: webkit::Doors,
    /// The doors of the modules that run (`Modules::running_doors`): their parts of the
    /// OpenAPI document.
    pub modules: Vec<Arc<dyn webkit::module::ModuleDoors>>,
    /// The OpenAPI document of the modules that run, rendered at its first request.
    pub openapi: std::sync::OnceLock<axum::body::Bytes>,
}

impl webkit::DoorState for AppStateInner {
    fn doors(&self) -> &webkit::Doors {
        &self.doors
    }
}

impl identity::doors::SignInState for AppStateInner {
    fn identity(&self) -> &IdentityApp {
        &self.identity
    }
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Proxies whose `X-Forwarded-For` is believed (see [`api::TrustedProxies`]).
    pub trusted_proxies: api::TrustedProxies,
    /// Mark cookies `Secure` and send HSTS: the public URL is HTTPS.
    pub secure_cookies: bool,
    /// Serve `/bench/ceiling/…` (see [`bench`]); only for benchmarks.
    pub bench_ceiling: bool,
    /// Map tiles for the web pages, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`.
    /// `None`: no map; locations are given by district and address.
    pub map_tiles: Option<String>,
    /// How long a public Open311 list may be answered from memory (see
    /// `cases::open311::microcache`); zero turns the cache off.
    pub open311_cache: Duration,
    /// The most bytes of answers that cache keeps.
    pub open311_cache_bytes: usize,
    /// Requests that may stream photos to disk at once, and that may have them in memory
    /// at once (see `cases::uploads`).
    pub upload_slots: (usize, usize),
    /// A request not answered in this time is answered `408`.
    pub request_timeout: Duration,
}

impl WebConfig {
    /// Defaults for a public URL: cookies are `Secure` when it is HTTPS.
    pub fn for_public_url(public_url: &str) -> WebConfig {
        WebConfig {
            trusted_proxies: api::TrustedProxies::default(),
            secure_cookies: public_url.starts_with("https://"),
            bench_ceiling: false,
            map_tiles: None,
            open311_cache: DEFAULT_OPEN311_CACHE,
            open311_cache_bytes: DEFAULT_OPEN311_CACHE_BYTES,
            upload_slots: (
                cases::uploads::DEFAULT_RECEIVING,
                cases::uploads::DEFAULT_PROCESSING,
            ),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// The default lifetime of cached public Open311 lists.
pub const DEFAULT_OPEN311_CACHE: Duration = Duration::from_secs(1);
/// The default memory budget of that cache.
pub const DEFAULT_OPEN311_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// The default time a request may take, its body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the application with the default HTTP settings for the services' public URL.
pub fn router(modules: Modules) -> Router {
    let web = WebConfig::for_public_url(&modules.platform.config().public_url);
    router_with(modules, web)
}

/// Builds the application without web pages (the API, Open311 and health only).
pub fn router_with(modules: Modules, web: WebConfig) -> Router {
    router_with_pages(modules, web, Pages::default())
}

/// The web pages merged into the application, what answers a path nothing else serves, and
/// the menus of the modules whose pages they are.
pub struct Pages {
    pub routes: Router<AppState>,
    pub not_found: axum::routing::MethodRouter<AppState>,
    pub navigation: Vec<webkit::page::nav::NavPart>,
}

impl Default for Pages {
    fn default() -> Pages {
        Pages {
            routes: Router::new(),
            not_found: any(not_found),
            navigation: Vec::new(),
        }
    }
}

pub use webkit::status_of;

/// The origin (`scheme://host[:port]`) of a tile URL template, for the CSP's `img-src`.
pub fn tile_origin(template: &str) -> Option<&str> {
    let rest = template
        .strip_prefix("https://")
        .or_else(|| template.strip_prefix("http://"))?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = &rest[..host_end];
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '{' | '}'));
    ok.then(|| &template[..template.len() - rest.len() + host_end])
}

/// Builds the application with the web pages (`crates/ui`) merged in, under the same
/// middleware as every other route.
pub fn router_with_pages(modules: Modules, web: WebConfig, pages: Pages) -> Router {
    // Already done when `modules` came from `Build::over`; the messages must be in before
    // any request however the modules were put together.
    if let Err(e) = modules.build().install_locales() {
        tracing::error!(error = %e, "a module's messages are not installed");
    }
    let hsts = web.secure_cookies;
    let img_src = match web.map_tiles.as_deref().and_then(tile_origin) {
        // `{s}` subdomains: allow any subdomain of the host.
        Some(origin) => format!(" {}", origin.replace("{s}", "*")),
        None => String::new(),
    };
    // A form may lead to a city's login (linking it, stepping up): browsers apply
    // `form-action` to the redirect that follows the post, so the providers' origins are in it.
    let mut form_action = String::new();
    for p in &modules.platform.config().login_providers {
        for url in [p.issuer.as_deref(), p.authorize_url.as_deref()] {
            if let Some(origin) = url.and_then(tile_origin)
                && !form_action.split(' ').any(|o| o == origin)
            {
                form_action.push(' ');
                form_action.push_str(origin);
            }
        }
    }
    // And to MyData, where a citizen is sent to consent to an import.
    if let Some(origin) = modules
        .platform
        .config()
        .mydata
        .as_ref()
        .and_then(|m| tile_origin(&m.base_url))
        && !form_action.split(' ').any(|o| o == origin)
    {
        form_action.push(' ');
        form_action.push_str(origin);
    }
    // And to the payment gateway's cashier, where the payer's browser posts the checkout.
    if let Some(origin) = modules
        .platform
        .config()
        .payments
        .ecpay
        .as_ref()
        .and_then(|e| tile_origin(&e.base_url))
        && !form_action.split(' ').any(|o| o == origin)
    {
        form_action.push(' ');
        form_action.push_str(origin);
    }
    let csp = HeaderValue::from_str(&format!(
        "default-src 'self'; img-src 'self' data:{img_src}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'{form_action}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let request_timeout = web.request_timeout;
    let running = modules.platform.config().modules.clone();
    // The doors of every module that runs, and the navigation of all of them.
    let module_doors = modules.running_doors(&web);
    let mut navigation = pages.navigation;
    navigation.extend(module_doors.iter().map(|m| m.navigation()));
    let doors = webkit::Doors {
        trusted_proxies: web.trusted_proxies.clone(),
        secure_cookies: web.secure_cookies,
        map_tiles: web.map_tiles.clone(),
        navigation: Arc::new(webkit::page::Navigation::new(
            &navigation,
            &modules.platform.job_administrators(),
        )),
    };
    // Each module's routes over its own state.
    let module_routes: Vec<webkit::module::ModuleRoutes> =
        module_doors.iter().map(|m| m.routes(&doors)).collect();
    // What the request log leaves out of paths.
    let private_paths: Arc<[webkit::module::PrivatePath]> = module_doors
        .iter()
        .flat_map(|m| m.private_paths().iter().copied())
        .collect();
    // When no running module has a home page, `/` is where an account starts.
    let start = (!module_doors.iter().any(|m| m.serves_home())).then(|| {
        Router::new()
            .route("/", get(identity::pages::start))
            .with_state(identity::doors::IdentityStateInner::shared(
                modules.identity.clone(),
                doors.clone(),
            ))
    });
    let state = webkit::Shared::new(AppStateInner {
        platform: modules.platform,
        identity: modules.identity,
        web,
        doors,
        modules: module_doors,
        openapi: std::sync::OnceLock::new(),
    });
    let ceiling = state.web.bench_ceiling;
    let routes = Router::new()
        .merge(api::routes(&running))
        .merge(notify_hooks::router())
        .merge(apidocs::router())
        .merge(pages.routes)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .fallback({
            // API paths answer in problem+json; everything else gets the pages' answer.
            let pages_not_found = pages.not_found.with_state(state.clone());
            move |lang: api::Lang, req: axum::extract::Request| async move {
                if req.uri().path().starts_with("/api/") {
                    api::ApiError::new(
                        StatusCode::NOT_FOUND,
                        domain::Message::new("error-not-found"),
                    )
                    .into_response_in(lang.0)
                } else {
                    match tower::ServiceExt::oneshot(pages_not_found, req).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    }
                }
            }
        })
        .with_state(state)
        .merge(start.unwrap_or_default());
    // The modules' routes; their API, as the platform's, under the API's body limit and
    // `no-store`.
    let routes = module_routes.into_iter().fold(routes, |routes, part| {
        routes.merge(api::limits(part.api)).merge(part.pages)
    });
    // The benchmark ceiling sits inside the same middleware as every other route.
    let routes = if ceiling {
        bench::with_ceiling(routes)
    } else {
        routes
    };
    // Timeouts and panics are answered inside the layers below, so that their 408 and 500
    // carry the same security headers as every other answer.
    let app = routes
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(CatchPanicLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(self), payment=()"),
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(move |req: &axum::extract::Request| {
            // Only method, path and request id: query strings can carry personal data, and so
            // can the paths the modules name.
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            let path = webkit::module::loggable_path(req.uri().path(), &private_paths);
            tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    if hsts {
        app.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ))
    } else {
        app
    }
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.platform.db.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "404 找不到這個頁面 / Not Found",
    )
}
