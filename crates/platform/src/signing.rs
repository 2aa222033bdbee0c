//! The HMAC signature of requests civicdesk sends (webhook deliveries, SMS gateway calls) and
//! receives (SMS delivery receipts). It has its own home because both job kinds and the
//! receipt endpoint use it; see docs/WEBHOOKS.md for the receiver's side.
//!
//! `X-Civicdesk-Timestamp` holds unix seconds and `X-Civicdesk-Signature` is `sha256=` + the
//! lowercase hex HMAC-SHA256, keyed with the shared secret, of `<timestamp>.<raw body bytes>`.
//! A receiver rejects a signature that does not match and a timestamp more than
//! [`MAX_SKEW_SECS`] away from its clock.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const TIMESTAMP_HEADER: &str = "X-Civicdesk-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Civicdesk-Signature";
/// How far a signed request's timestamp may be from the receiver's clock.
pub const MAX_SKEW_SECS: i64 = 300;

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The value of the signature header for `body` sent at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Why a signed request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Stale,
    Mismatch,
}

/// Checks the headers of a signed request in constant time.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Missing)?;
    if (now - timestamp).abs() > MAX_SKEW_SECS {
        return Err(SignatureError::Stale);
    }
    let given = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SignatureError::Mismatch)?;
    mac(secret, timestamp, body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_round_trip_and_reject_tampering() {
        let body = br#"{"message_id":"x","status":"delivered"}"#;
        let sig = sign(b"secret", 1_000, body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert_eq!(
            verify(b"secret", Some("1000"), Some(&sig), body, 1_100),
            Ok(())
        );
        assert_eq!(
            verify(b"other", Some("1000"), Some(&sig), body, 1_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"secret", Some("1001"), Some(&sig), body, 1_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"secret", Some("1000"), Some(&sig), b"{}", 1_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                b"secret",
                Some("1000"),
                Some(&sig),
                body,
                1_000 + MAX_SKEW_SECS + 1
            ),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"secret", None, Some(&sig), body, 1_000),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn known_vector() {
        // The documented example in docs/NOTIFICATIONS.md.
        assert_eq!(
            sign(
                b"s3cret",
                1795000000,
                br#"{"message_id":"m1","status":"delivered"}"#
            ),
            "sha256=71803d69fe67976762171284927ef49064bbb7af959eec277fee581fc50ee47c"
        );
    }
}
