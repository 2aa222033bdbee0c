//! The request as the network delivered it: cookies, cross-site writes, and the client's
//! address as seen through trusted proxies only.

use crate::{ApiError, DoorState, Lang};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use domain::Message;
use std::net::{IpAddr, SocketAddr};

/// A cookie's value among the request's `Cookie` headers.
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

/// The request id the middleware set (`x-request-id`), for the audit trail.
pub fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Whether a method writes (anything but GET, HEAD and OPTIONS).
pub fn is_write(method: &Method) -> bool {
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
    pub fn of<B>(state: &impl DoorState, req: &axum::http::Request<B>) -> String {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = state.trusted_proxies().client(peer, req.headers());
        ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
    }
}

impl<S: DoorState> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = state.trusted_proxies().client(peer, &parts.headers);
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
        assert_eq!(cookie(&h, "civicdesk_session"), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
