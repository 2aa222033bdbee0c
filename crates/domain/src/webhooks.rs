//! Rules for webhook target URLs: what a subscription URL may look like, and which network
//! addresses count as public. Used when a subscription is saved and again, for every resolved
//! address, when a delivery is sent (so a name that later resolves to an internal address is
//! still refused).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest subscription URL accepted.
pub const MAX_URL_LEN: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// The host of a target URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Ip(IpAddr),
    /// A DNS name, lower-cased.
    Name(String),
}

/// A checked subscription URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    pub scheme: Scheme,
    pub host: Host,
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// Not an absolute http(s) URL with a host, or it has a fragment, spaces or non-ASCII.
    Invalid,
    /// It carries a user name or password (`https://user:pass@host/`).
    Credentials,
}

/// Checks a subscription URL: `http://` or `https://`, a host (a DNS name or an IP address),
/// an optional port, any path and query; no credentials, fragment, whitespace or non-ASCII
/// characters (international names must be given in their `xn--` form).
pub fn parse_target_url(url: &str) -> Result<TargetUrl, UrlError> {
    if url.is_empty()
        || url.len() > MAX_URL_LEN
        || !url.bytes().all(|b| b.is_ascii_graphic())
        || url.contains('#')
    {
        return Err(UrlError::Invalid);
    }
    let (scheme, rest) = match url.split_once("://") {
        Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
        Some((s, rest)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
        _ => return Err(UrlError::Invalid),
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or(UrlError::Invalid)?;
        let ip: Ipv6Addr = addr.parse().map_err(|_| UrlError::Invalid)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlError::Invalid)?),
        };
        (Host::Ip(IpAddr::V6(ip)), port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        (parse_host(host)?, port)
    };
    let port = match port {
        None => None,
        Some(p) => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UrlError::Invalid);
            }
            match p.parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err(UrlError::Invalid),
            }
        }
    };
    Ok(TargetUrl { scheme, host, port })
}

fn parse_host(host: &str) -> Result<Host, UrlError> {
    if host.is_empty() || host.len() > 253 {
        return Err(UrlError::Invalid);
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !labels.iter().all(label_ok) {
        return Err(UrlError::Invalid);
    }
    // A numeric last label is never a real name: resolvers read `2130706433` or `0x7f.1` as
    // an IPv4 address, so such hosts are refused rather than classified.
    let last = labels.last().copied().unwrap_or_default();
    if last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x") {
        return Err(UrlError::Invalid);
    }
    Ok(Host::Name(name))
}

impl TargetUrl {
    /// Whether the URL names an internal target: a non-public IP address, `localhost`, a
    /// name under `.localhost`, `.local`, `.internal`, `.localdomain` or `.home.arpa`, or a
    /// single-label name (which resolvers complete with local search domains). Public names
    /// can still resolve to internal addresses; the sender checks every resolved address
    /// with [`is_public_ip`] as well.
    pub fn is_private(&self) -> bool {
        match &self.host {
            Host::Ip(ip) => !is_public_ip(*ip),
            Host::Name(name) => {
                const LOCAL: [&str; 5] = [
                    ".localhost",
                    ".local",
                    ".internal",
                    ".localdomain",
                    ".home.arpa",
                ];
                !name.contains('.')
                    || name == "localhost"
                    || LOCAL.iter().any(|suffix| name.ends_with(suffix))
            }
        }
    }
}

/// Whether an address is on the public internet: not loopback, private (RFC 1918, unique
/// local), link-local (which includes cloud metadata services at 169.254.169.254), shared
/// (100.64/10), unspecified, multicast, broadcast, documentation, benchmarking or reserved,
/// nor an IPv4-mapped or translated form of one of those.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return is_public_v4(Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                ));
            }
            // Global unicast is 2000::/3, less the IETF protocol block (2001::/23: Teredo,
            // benchmarking, ORCHID), documentation (2001:db8::/32, 3fff::/20) and 6to4
            // (2002::/16, which tunnels to arbitrary IPv4 addresses).
            let global_unicast = (s[0] & 0xe000) == 0x2000;
            let ietf_protocols = s[0] == 0x2001 && s[1] < 0x0200;
            let documentation = (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] & 0xfff0) == 0x3ff0;
            let six_to_four = s[0] == 0x2002;
            global_unicast && !ietf_protocols && !documentation && !six_to_four
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 0 && c == 2)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(url: &str) -> bool {
        parse_target_url(url).expect(url).is_private()
    }

    #[test]
    fn urls_need_a_scheme_and_a_host_and_no_credentials() {
        let t = parse_target_url("https://hooks.pwd.gov.taipei:8443/civicdesk?x=1").unwrap();
        assert_eq!(t.scheme, Scheme::Https);
        assert_eq!(t.host, Host::Name("hooks.pwd.gov.taipei".into()));
        assert_eq!(t.port, Some(8443));
        assert_eq!(
            parse_target_url("http://[2001:4860::1]:80/x").unwrap().host,
            Host::Ip("2001:4860::1".parse().unwrap())
        );
        for bad in [
            "",
            "ftp://example.com/",
            "example.com/hook",
            "https://",
            "https:///path",
            "https://exa mple.com/",
            "https://example.com/#frag",
            "https://例子.tw/",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https://example.com:/",
            "https://-bad-.example.com/",
            "https://[::1/",
            "https://[fe80::1%25eth0]/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://10.0.0.01.5/",
        ] {
            assert_eq!(parse_target_url(bad), Err(UrlError::Invalid), "{bad}");
        }
        assert_eq!(
            parse_target_url("https://user:pass@example.com/"),
            Err(UrlError::Credentials)
        );
        assert_eq!(
            parse_target_url("https://token@example.com/"),
            Err(UrlError::Credentials)
        );
    }

    #[test]
    fn internal_targets_are_recognised() {
        for url in [
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://api.localhost/",
            "http://printer.local/",
            "http://metadata.google.internal/",
            "http://intranet/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a00:1]/",
            "http://[2002:7f00:1::]/",
            "http://[2001:db8::1]/",
        ] {
            assert!(private(url), "{url}");
        }
        for url in [
            "https://hooks.example.gov.tw/x",
            "http://8.8.8.8/",
            "http://[2001:4860:4860::8888]/",
            "http://[64:ff9b::808:808]/",
            "http://[::ffff:8.8.8.8]/",
            "https://1999.gov.taipei./",
        ] {
            assert!(!private(url), "{url}");
        }
    }
}
