//! SMS through an HTTP gateway, and the gateway's delivery receipts.
//!
//! Both directions use the same signature: `X-Civicdesk-Timestamp` holds unix seconds and
//! `X-Civicdesk-Signature` is `sha256=` + the lowercase hex HMAC-SHA256, keyed with the shared
//! secret, of `<timestamp>.<raw body bytes>`. A receiver rejects a signature that does not
//! match and a timestamp more than [`MAX_SKEW_SECS`] away from its clock.
//!
//! Outbound: `POST <sms.url>` with the JSON body
//! `{"message_id": "…", "to": "+886…", "body": "…", "callback_url": "…/hooks/sms/receipt"}`.
//! Any 2xx accepts the message (a JSON body `{"id": "…"}` is kept as the provider's id);
//! 408, 429 and 5xx are retried; other 4xx are permanent failures.
//!
//! Receipts: `POST /hooks/sms/receipt` with
//! `{"message_id": "…", "status": "delivered" | "failed", "detail": "…"?, "provider_message_id": "…"?}`.

use super::SendError;
use crate::http_client::Failure;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::time::Duration;

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

/// A delivery receipt from the gateway.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Receipt {
    pub message_id: String,
    pub status: String,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub provider_message_id: Option<String>,
}

pub struct Gateway {
    client: crate::http_client::Client,
    url: hyper::Uri,
    secret: String,
    callback_url: String,
    timeout: Duration,
}

#[derive(Deserialize)]
struct Accepted {
    #[serde(default)]
    id: Option<serde_json::Value>,
}

/// Largest gateway answer read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

impl Gateway {
    pub fn new(
        url: &str,
        secret: &str,
        public_url: &str,
        timeout: Duration,
    ) -> Result<Gateway, String> {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|_| "the SMS gateway URL is invalid".to_string())?;
        let client = crate::http_client::client(
            hyper_util::client::legacy::connect::HttpConnector::new(),
            "SMS gateway",
        )?;
        Ok(Gateway {
            client,
            url: uri,
            secret: secret.to_string(),
            callback_url: format!("{}/hooks/sms/receipt", public_url.trim_end_matches('/')),
            timeout,
        })
    }

    /// Hands one message to the gateway. Returns the gateway's id for it, if it gave one.
    pub async fn send(
        &self,
        message_id: &str,
        to: &str,
        body: &str,
    ) -> Result<Option<String>, SendError> {
        let payload = serde_json::json!({
            "message_id": message_id,
            "to": to,
            "body": body,
            "callback_url": self.callback_url,
        })
        .to_string();
        let timestamp = store::now_unix();
        let signature = sign(self.secret.as_bytes(), timestamp, payload.as_bytes());
        let request = hyper::Request::post(self.url.clone())
            .header("content-type", "application/json")
            .header("user-agent", "civicdesk")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(http_body_util::Full::new(hyper::body::Bytes::from(payload)))
            .map_err(|_| SendError::permanent("SMS gateway: could not build the request"))?;
        let (status, bytes) =
            crate::http_client::exchange(&self.client, request, self.timeout, MAX_ANSWER_BYTES)
                .await
                .map_err(|e| match e {
                    // The error text can carry the URL; keep only its kind.
                    Failure::Connect(_) => SendError::transient("SMS gateway: could not connect"),
                    Failure::Request => SendError::transient("SMS gateway: request failed"),
                    Failure::Timeout => SendError::transient("SMS gateway: timed out"),
                })?;
        if status.is_success() {
            let id = serde_json::from_slice::<Accepted>(&bytes)
                .ok()
                .and_then(|a| a.id)
                .map(|v| match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .map(|s| s.chars().take(200).collect());
            return Ok(id);
        }
        let detail = format!("SMS gateway answered {}", status.as_u16());
        if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
            Err(SendError::transient(detail))
        } else {
            Err(SendError::permanent(detail))
        }
    }
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
