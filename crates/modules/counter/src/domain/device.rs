//! The locker device API's request signature (docs/COUNTER.md, "Device API"). Every request a
//! Smart Desk device makes is signed with its own secret: HMAC-SHA256 over a canonical string
//! of the method, the path with its query, the timestamp, a nonce and the SHA-256 of the body.
//! A request outside [`MAX_SKEW_SECONDS`] of the server's clock is refused with the server's
//! time (the device corrects its clock and signs again); a nonce seen within the window is a
//! replay. The offline list a device syncs is signed with the same secret.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// How far a device's clock may be from the server's.
pub const MAX_SKEW_SECONDS: i64 = 300;
/// The header naming the device.
pub const DEVICE_HEADER: &str = "x-civicdesk-device";
/// The header with the request's time, unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-civicdesk-timestamp";
/// The header with the request's nonce: 16 to 64 of `A-Z a-z 0-9 - _`.
pub const NONCE_HEADER: &str = "x-civicdesk-nonce";
/// The header with the signature: `v1=` and 64 hex digits.
pub const SIGNATURE_HEADER: &str = "x-civicdesk-signature";

/// The string a request's signature covers.
pub fn canonical(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> String {
    format!(
        "CDDEV1\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp,
        nonce,
        hex::encode(Sha256::digest(body))
    )
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"))
}

/// The `v1=` signature of a canonical string.
pub fn sign(secret: &[u8], canonical: &str) -> String {
    let mut m = mac(secret);
    m.update(canonical.as_bytes());
    format!("v1={}", hex::encode(m.finalize().into_bytes()))
}

/// Why a device request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A header is missing or malformed.
    Unsigned,
    /// No such device, or it is retired.
    UnknownDevice,
    /// The signature does not match.
    BadSignature,
    /// The timestamp is too far from the server's clock.
    ClockSkew,
    /// The nonce was used within the window.
    Replayed,
}

impl Refusal {
    /// The wire code (`error` in the answer).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Unsigned => "unsigned",
            Refusal::UnknownDevice => "unknown_device",
            Refusal::BadSignature => "bad_signature",
            Refusal::ClockSkew => "clock_skew",
            Refusal::Replayed => "replayed",
        }
    }
}

/// Whether a nonce has the allowed shape.
pub fn valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A device's request as signed.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub timestamp: i64,
    pub nonce: &'a str,
    pub body: &'a [u8],
    pub signature: &'a str,
}

/// Checks a signature (in constant time) and the clock; the nonce's novelty is the store's.
pub fn check(secret: &[u8], r: Signed<'_>, now: i64) -> Result<(), Refusal> {
    let Signed {
        method,
        path_and_query,
        timestamp,
        nonce,
        body,
        signature,
    } = r;
    if !valid_nonce(nonce) {
        return Err(Refusal::Unsigned);
    }
    let Some(hex_sig) = signature.strip_prefix("v1=") else {
        return Err(Refusal::Unsigned);
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return Err(Refusal::Unsigned);
    };
    let mut m = mac(secret);
    m.update(canonical(method, path_and_query, timestamp, nonce, body).as_bytes());
    // `verify_slice` compares in constant time.
    m.verify_slice(&given).map_err(|_| Refusal::BadSignature)?;
    // The clock after the signature: an unsigned request learns nothing of the server's time.
    if (now - timestamp).abs() > MAX_SKEW_SECONDS {
        return Err(Refusal::ClockSkew);
    }
    Ok(())
}

/// The signature of an offline list: over its canonical JSON text as sent (`list`).
pub fn sign_list(secret: &[u8], list: &str) -> String {
    sign(secret, &format!("CDLIST1\n{list}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"device secret";
    const NONCE: &str = "0123456789abcdef";
    const PATH: &str = "/device/v1/verify";

    fn signed(ts: i64, body: &[u8]) -> String {
        sign(SECRET, &canonical("POST", PATH, ts, NONCE, body))
    }

    fn req<'a>(path: &'a str, ts: i64, body: &'a [u8], signature: &'a str) -> Signed<'a> {
        Signed {
            method: "POST",
            path_and_query: path,
            timestamp: ts,
            nonce: NONCE,
            body,
            signature,
        }
    }

    #[test]
    fn a_signed_request_in_time_passes() {
        let s = signed(1_000, b"{}");
        let mut r = req(PATH, 1_000, b"{}", &s);
        r.method = "post";
        assert_eq!(check(SECRET, r, 1_100), Ok(()));
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let s = signed(1_000, b"{}");
        let bad = Err(Refusal::BadSignature);
        assert_eq!(check(SECRET, req(PATH, 1_000, b"{ }", &s), 1_000), bad);
        assert_eq!(
            check(SECRET, req("/device/v1/open", 1_000, b"{}", &s), 1_000),
            bad
        );
        assert_eq!(check(SECRET, req(PATH, 1_001, b"{}", &s), 1_000), bad);
        assert_eq!(check(b"other", req(PATH, 1_000, b"{}", &s), 1_000), bad);
    }

    #[test]
    fn a_clock_hours_off_is_refused_after_the_signature() {
        let s = signed(1_000, b"{}");
        let later = 1_000 + 3 * 3600;
        assert_eq!(
            check(SECRET, req(PATH, 1_000, b"{}", &s), later),
            Err(Refusal::ClockSkew)
        );
        assert_eq!(
            check(SECRET, req(PATH, 1_000, b"{}", "v1=00"), later),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn malformed_headers_are_unsigned() {
        let mut short = req("/x", 1, b"", "v1=00");
        short.nonce = "short";
        assert_eq!(check(SECRET, short, 1), Err(Refusal::Unsigned));
        assert_eq!(
            check(SECRET, req("/x", 1, b"", "00"), 1),
            Err(Refusal::Unsigned)
        );
        assert_eq!(
            check(SECRET, req("/x", 1, b"", "v1=zz"), 1),
            Err(Refusal::Unsigned)
        );
    }
}
