//! Who is calling: a session cookie (browsers) or a bearer token (API clients), the stage of
//! the session, CSRF protection for cookie-authenticated writes, and the client's address as
//! seen through trusted proxies only.

use super::{ApiError, Lang};
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use domain::Message;
use identity::accounts::SessionStage;
use platform::authz::Actor;
use std::net::{IpAddr, SocketAddr};
use store::sessions::Session;

pub const SESSION_COOKIE: &str = "civicdesk_session";
/// The device cookie a browser gets at a successful sign-in: with it, that browser keeps a
/// sign-in failure budget of its own (`identity::accounts::login`). `__Host-` prefixed on https.
pub const DEVICE_COOKIE: &str = "civicdesk_device";
const DEVICE_COOKIE_DAYS: i64 = 180;
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in caller whose session (if any) has passed every stage.
pub struct Caller {
    pub actor: Actor,
    pub session: Option<Session>,
    pub lang: Lang,
}

/// A caller whose session may still be at an intermediate stage (second factor pending, or
/// enrolment required). Only the routes that complete those stages take this.
pub struct PartialCaller {
    pub actor: Actor,
    pub session: Option<Session>,
    pub stage: SessionStage,
    pub lang: Lang,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn unauthenticated(id: &'static str, lang: Lang) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, Message::new(id)).in_lang(lang)
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a cross-site browser request outright (defence in depth beside the token).
pub fn check_same_site(parts: &Parts, lang: Lang) -> Result<(), ApiError> {
    let cross_site = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    if cross_site && is_write(&parts.method) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Message::new("error-csrf")).in_lang(lang));
    }
    Ok(())
}

async fn resolve(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Actor, Option<Session>, SessionStage, Lang), ApiError> {
    let Ok(lang) = Lang::from_request_parts(parts, state).await;
    let rid = request_id(parts);
    let internal = |e| ApiError::from_service(e, lang);
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| unauthenticated("error-token-invalid", lang))?;
        let actor = state
            .identity
            .authenticate_token(token, rid)
            .await
            .map_err(internal)?
            .ok_or_else(|| unauthenticated("error-token-invalid", lang))?;
        return Ok((actor, None, SessionStage::Full, lang));
    }
    let Some(raw) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Err(unauthenticated("error-sign-in-required", lang));
    };
    let (session, actor) = state
        .identity
        .authenticate_session(raw, rid)
        .await
        .map_err(internal)?
        .ok_or_else(|| unauthenticated("error-session-expired", lang))?;
    check_same_site(parts, lang)?;
    if is_write(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let expected = session.csrf_token.as_bytes();
        let matches = sent.len() == expected.len()
            && sent
                .bytes()
                .zip(expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !matches {
            return Err(
                ApiError::new(StatusCode::FORBIDDEN, Message::new("error-csrf")).in_lang(lang),
            );
        }
    }
    let stage = SessionStage::parse(&session.stage).unwrap_or(SessionStage::SecondFactor);
    Ok((actor, Some(session), stage, lang))
}

/// A browser's session from its cookie, at whatever stage, *without* the CSRF header check:
/// server-rendered forms carry their token in a form field, which the page layer checks.
/// `Ok(None)` when there is no cookie or the session has expired.
pub async fn browser_session(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<(Actor, Session, SessionStage)>, platform::ServiceError> {
    let Some(raw) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some((session, actor)) = state
        .identity
        .authenticate_session(raw, request_id(parts))
        .await?
    else {
        return Ok(None);
    };
    let stage = SessionStage::parse(&session.stage).unwrap_or(SessionStage::SecondFactor);
    Ok(Some((actor, session, stage)))
}

/// The `Set-Cookie` value that carries a new session.
pub fn session_cookie(state: &AppState, id: &str, expires_at: i64) -> String {
    let max_age = (expires_at - store::now_unix()).max(0);
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The device cookie's name: `__Host-civicdesk_device` when the public URL is https.
pub fn device_cookie_name(state: &AppState) -> String {
    if state.web.secure_cookies {
        format!("__Host-{DEVICE_COOKIE}")
    } else {
        DEVICE_COOKIE.to_string()
    }
}

/// The `Set-Cookie` value that carries a device cookie.
pub fn device_cookie(state: &AppState, value: &str) -> String {
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        device_cookie_name(state),
        DEVICE_COOKIE_DAYS * 24 * 3600
    )
}

/// What a browser's cookies bring to a sign-in: its device cookie and the session it holds.
pub fn sign_in_context<'a>(
    headers: &'a HeaderMap,
    state: &AppState,
    client: &'a str,
) -> identity::accounts::SignInContext<'a> {
    identity::accounts::SignInContext {
        client,
        device: cookie(headers, &device_cookie_name(state)),
        previous_session: cookie(headers, SESSION_COOKIE),
    }
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> String {
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (actor, session, stage, lang) = resolve(parts, state).await?;
        match stage {
            SessionStage::Full => Ok(Caller {
                actor,
                session,
                lang,
            }),
            SessionStage::SecondFactor => Err(unauthenticated("error-second-factor-pending", lang)),
            SessionStage::EnrolSecondFactor => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Message::new("error-second-factor-enrol"),
            )
            .in_lang(lang)),
        }
    }
}

/// `Option<Caller>`: `None` when the request carries no credentials at all; credentials that
/// are present but wrong are still refused.
impl axum::extract::OptionalFromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let has_credentials = parts.headers.contains_key(header::AUTHORIZATION)
            || cookie(&parts.headers, SESSION_COOKIE).is_some();
        if !has_credentials {
            let Ok(lang) = Lang::from_request_parts(parts, state).await;
            check_same_site(parts, lang)?;
            return Ok(None);
        }
        <Caller as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

impl FromRequestParts<AppState> for PartialCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (actor, session, stage, lang) = resolve(parts, state).await?;
        Ok(PartialCaller {
            actor,
            session,
            stage,
            lang,
        })
    }
}

/// Proxies whose `X-Forwarded-For` is believed. Anything else is the client itself.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses addresses and CIDR blocks such as `10.0.0.0/8`, `127.0.0.1`, `::1`.
    pub fn parse(items: &[String]) -> Result<TrustedProxies, String> {
        let mut out = Vec::new();
        for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("not an IP address: {item}"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("bad prefix length: {item}"))?,
                None => max,
            };
            out.push((ip, bits));
        }
        Ok(TrustedProxies(out))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => prefix_eq(&n.octets(), &i.octets(), *bits),
            (IpAddr::V6(n), IpAddr::V6(i)) => prefix_eq(&n.octets(), &i.octets(), *bits),
            _ => false,
        })
    }

    /// The client address: the peer, unless the peer is a trusted proxy, in which case the
    /// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.contains(peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !self.contains(*ip))
                .unwrap_or(peer),
        )
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || (a[full] ^ b[full]) >> (8 - rest) == 0
}

/// The caller's address, for per-address rate limits.
pub struct ClientAddr(pub String);

impl ClientAddr {
    /// The address of a request's client (the peer, or what a trusted proxy forwarded).
    pub fn of<B>(state: &AppState, req: &axum::http::Request<B>) -> String {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = state.web.trusted_proxies.client(peer, req.headers());
        ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = state.web.trusted_proxies.client(peer, &parts.headers);
        Ok(ClientAddr(ip.map_or_else(
            || "unknown".to_string(),
            |ip| ip.to_string(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let spoofed = headers("1.2.3.4");
        let direct: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(trusted.client(Some(direct), &spoofed), Some(direct));
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        // The client prepended a fake entry; the proxy appended the real one.
        let chain = headers("6.6.6.6, 198.51.100.7, 10.9.9.9");
        assert_eq!(
            trusted.client(Some(proxy), &chain),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(trusted.client(Some(proxy), &HeaderMap::new()), Some(proxy));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy".into()]).is_err());
        assert!(!TrustedProxies::default().contains(proxy));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; civicdesk_session=abc ; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
