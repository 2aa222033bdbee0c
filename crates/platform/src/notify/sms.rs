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
use serde::Deserialize;
use std::time::Duration;

pub use crate::signing::{
    MAX_SKEW_SECS, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, sign, verify,
};

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
        public_base: &str,
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
            callback_url: format!("{public_base}/hooks/sms/receipt"),
            timeout,
        })
    }

    /// Hands one message to the gateway, signed with `now` (the services' clock) as its
    /// timestamp. Returns the gateway's id for it, if it gave one.
    pub async fn send(
        &self,
        message_id: &str,
        to: &str,
        body: &str,
        now: i64,
    ) -> Result<Option<String>, SendError> {
        let payload = serde_json::json!({
            "message_id": message_id,
            "to": to,
            "body": body,
            "callback_url": self.callback_url,
        })
        .to_string();
        let signature = sign(self.secret.as_bytes(), now, payload.as_bytes());
        let request = hyper::Request::post(self.url.clone())
            .header("content-type", "application/json")
            .header("user-agent", "civicdesk")
            .header(TIMESTAMP_HEADER, now.to_string())
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
