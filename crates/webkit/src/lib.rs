//! What every module's doors share: the message catalogue (`i18n`), one error table and
//! `application/problem+json` answers (`error`), the extractors for the caller's language and
//! for JSON, query and path input (`extract`), and the request as the network delivered it:
//! cookies, cross-site writes, client addresses behind trusted proxies (`client`). Nothing here
//! knows a module; a door state lends what the extractors need through [`DoorState`]. The page
//! frame every module's pages share is [`page`]; how a module's doors plug into the composition
//! root is [`module`].

mod client;
mod error;
mod extract;
pub mod i18n;
pub mod map;
pub mod module;
pub mod openapi;
pub mod page;

pub use client::{ClientAddr, TrustedProxies, check_same_site, cookie, is_write, request_id};
pub use error::{ApiError, Problem, ProblemItem, status_of};
pub use extract::{ApiPath, ApiQuery, InLang, JsonBody, Lang, MAX_JSON_BYTES, page_limit, reply};

use std::sync::Arc;

/// The HTTP settings every door reads, and the navigation of the modules that run. The
/// composition root makes one and lends it to every module's door state.
#[derive(Clone, Default)]
pub struct Doors {
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// Whether cookies are marked `Secure` (the public URL is HTTPS).
    pub secure_cookies: bool,
    /// Map tiles for the pages (`None`: no map).
    pub map_tiles: Option<String>,
    /// The menus of the modules that run.
    pub navigation: Arc<page::Navigation>,
}

/// What a door's state lends the shared extractors and the page frame.
pub trait DoorState: Send + Sync {
    fn doors(&self) -> &Doors;

    /// Proxies whose `X-Forwarded-For` is believed.
    fn trusted_proxies(&self) -> &TrustedProxies {
        &self.doors().trusted_proxies
    }

    /// Whether cookies are marked `Secure` (the public URL is HTTPS).
    fn secure_cookies(&self) -> bool {
        self.doors().secure_cookies
    }
}

/// A door state behind one `Arc`: axum clones a router's state for every request, so a state
/// that holds module handles by value (each a few reference counts) is shared instead. It lends
/// what the state it holds lends ([`DoorState`]; identity's `SignInState` likewise), and reads
/// as it through `Deref`.
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(state: T) -> Shared<T> {
        Shared(Arc::new(state))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DoorState> DoorState for Shared<T> {
    fn doors(&self) -> &Doors {
        self.0.doors()
    }
}
