//! What every module's doors share: the message catalogue (`i18n`), one error table and
//! `application/problem+json` answers (`error`), the extractors for the caller's language and
//! for JSON, query and path input (`extract`), and the request as the network delivered it:
//! cookies, cross-site writes, client addresses behind trusted proxies (`client`). Nothing here
//! knows a module; a door state lends what the extractors need through [`DoorState`].

mod client;
mod error;
mod extract;
pub mod i18n;

pub use client::{ClientAddr, TrustedProxies, check_same_site, cookie, is_write, request_id};
pub use error::{ApiError, Problem, ProblemItem, status_of};
pub use extract::{ApiPath, ApiQuery, InLang, JsonBody, Lang, MAX_JSON_BYTES, reply};

/// What a door's state lends the shared extractors: the HTTP settings they read.
pub trait DoorState: Send + Sync {
    /// Proxies whose `X-Forwarded-For` is believed.
    fn trusted_proxies(&self) -> &TrustedProxies;
    /// Whether cookies are marked `Secure` (the public URL is HTTPS).
    fn secure_cookies(&self) -> bool;
}
