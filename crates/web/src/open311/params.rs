//! Open311 parameters from query strings and POST bodies (form-urlencoded, multipart, JSON).
//! Empty values count as absent. Invalid UTF-8 is an error, never silently replaced.

use super::ApiError;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use domain::Message;
use services::media::{MAX_MEDIA_BYTES, MediaUpload};

/// Largest form-urlencoded or JSON body.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// Largest multipart body: five photos of 10 MB and the form fields.
pub const MAX_MULTIPART_BYTES: usize = 52 * 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
    pub uploads: Vec<MediaUpload>,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(part: &str) -> Result<String, ApiError> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::bad_request(Message::new("error-not-utf8")))
}

impl Params {
    /// Parses `a=1&b=2` strictly.
    pub fn from_urlencoded(text: &str) -> Result<Params, ApiError> {
        let mut pairs = Vec::new();
        for part in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Params {
            pairs,
            uploads: Vec::new(),
        })
    }

    /// Reads a POST body of any accepted content type.
    pub async fn from_body(req: Request) -> Result<Params, ApiError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let query = req.uri().query().map(Params::from_urlencoded).transpose()?;
        let mut params = if content_type.starts_with("application/x-www-form-urlencoded") {
            let bytes = read_body(req.into_body(), MAX_FORM_BYTES).await?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| ApiError::bad_request(Message::new("error-not-utf8")))?;
            Params::from_urlencoded(text)?
        } else if content_type.starts_with("multipart/form-data") {
            Params::from_multipart(req).await?
        } else if content_type.starts_with("application/json") {
            let bytes = read_body(req.into_body(), MAX_FORM_BYTES).await?;
            Params::from_json(&bytes)?
        } else {
            return Err(ApiError::unsupported_media_type());
        };
        // Query-string parameters (some clients put api_key there) count when the body lacks them.
        if let Some(query) = query {
            for (k, v) in query.pairs {
                if params.get(&k).is_none() {
                    params.pairs.push((k, v));
                }
            }
        }
        Ok(params)
    }

    async fn from_multipart(req: Request) -> Result<Params, ApiError> {
        let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
            ApiError::bad_request(Message::new("error-body-malformed").arg("detail", e.body_text()))
        })?;
        let mut params = Params::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(e)),
            };
            let name = field.name().unwrap_or_default().to_string();
            let is_file = field.file_name().is_some()
                || field
                    .content_type()
                    .is_some_and(|t| !t.starts_with("text/"));
            if is_file {
                let filename = field.file_name().map(str::to_string);
                let mut field = field;
                let mut bytes = Vec::new();
                // Read chunk by chunk so an oversized photo is refused without buffering it.
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if bytes.len() + chunk.len() > MAX_MEDIA_BYTES {
                        return Err(ApiError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            Message::new("error-media-too-large")
                                .arg("name", filename.unwrap_or_else(|| name.clone()))
                                .arg("max", (MAX_MEDIA_BYTES / 1024 / 1024).to_string()),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if !bytes.is_empty() {
                    params.uploads.push(MediaUpload { filename, bytes });
                }
            } else {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                let value = String::from_utf8(bytes.to_vec())
                    .map_err(|_| ApiError::bad_request(Message::new("error-not-utf8")))?;
                params.pairs.push((name, value));
            }
        }
        Ok(params)
    }

    /// A flat JSON object; arrays become repeated values; `attribute` may be an object.
    fn from_json(bytes: &[u8]) -> Result<Params, ApiError> {
        let malformed = |detail: String| {
            ApiError::bad_request(Message::new("error-body-malformed").arg("detail", detail))
        };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
        let serde_json::Value::Object(map) = value else {
            return Err(malformed("expected a JSON object".into()));
        };
        fn scalar(v: &serde_json::Value) -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        let mut params = Params::default();
        let push = |k: String, v: &serde_json::Value, params: &mut Params| match v {
            serde_json::Value::Array(items) => {
                for item in items {
                    if let Some(s) = scalar(item) {
                        params.pairs.push((k.clone(), s));
                    }
                }
            }
            other => {
                if let Some(s) = scalar(other) {
                    params.pairs.push((k, s));
                }
            }
        };
        for (k, v) in &map {
            if let (true, serde_json::Value::Object(attrs)) =
                (k == "attribute" || k == "attributes", v)
            {
                for (code, value) in attrs {
                    push(format!("attribute[{code}]"), value, &mut params);
                }
            } else {
                push(k.clone(), v, &mut params);
            }
        }
        Ok(params)
    }

    /// The first non-empty value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub fn owned(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    /// Every non-empty value of `key` (repeated keys, e.g. `media_url`).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A comma-separated list parameter, trimmed, without empty items.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        let items: Vec<String> = self
            .all(key)
            .iter()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        (!items.is_empty()).then_some(items)
    }

    /// Attribute answers: `attribute[CODE]=v`, repeated or as `attribute[CODE][]=v`.
    pub fn attributes(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in &self.pairs {
            let Some(rest) = k.strip_prefix("attribute[") else {
                continue;
            };
            let code = rest.strip_suffix("][]").or_else(|| rest.strip_suffix(']'));
            let Some(code) = code.filter(|c| !c.is_empty() && !c.contains(['[', ']'])) else {
                continue;
            };
            match out.iter_mut().find(|(c, _)| c == code) {
                Some((_, values)) => values.push(v.clone()),
                None => out.push((code.to_string(), vec![v.clone()])),
            }
        }
        out
    }
}

async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large(limit))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(MAX_MULTIPART_BYTES)
    } else {
        ApiError::bad_request(Message::new("error-body-malformed").arg("detail", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_multivaluelist_encodings_and_empty_values() {
        let p = Params::from_urlencoded(
            "attribute%5Bfault%5D%5B%5D=dark&attribute[fault][]=pole&attribute[lamps]=3&attribute[x]=&jurisdiction_id=",
        )
        .unwrap();
        assert_eq!(
            p.attributes(),
            vec![
                (
                    "fault".to_string(),
                    vec!["dark".to_string(), "pole".to_string()]
                ),
                ("lamps".to_string(), vec!["3".to_string()]),
                ("x".to_string(), vec![String::new()]),
            ]
        );
        assert_eq!(p.get("jurisdiction_id"), None);
        let repeated =
            Params::from_urlencoded("attribute[fault]=dark&attribute[fault]=pole").unwrap();
        assert_eq!(repeated.attributes()[0].1, vec!["dark", "pole"]);
    }

    #[test]
    fn decodes_utf8_and_rejects_invalid_bytes() {
        let p =
            Params::from_urlencoded("description=%E8%B7%AF%E7%87%88+%E4%B8%8D%E4%BA%AE").unwrap();
        assert_eq!(p.get("description"), Some("路燈 不亮"));
        assert!(Params::from_urlencoded("description=%FF%FE").is_err());
    }

    #[test]
    fn json_bodies_with_attribute_objects() {
        let p = Params::from_json(br#"{"service_code":"1999-L01","lat":25.03,"attribute":{"fault":["dark","pole"],"lamps_out":2}}"#).unwrap();
        assert_eq!(p.get("lat"), Some("25.03"));
        assert_eq!(
            p.attributes(),
            vec![
                (
                    "fault".to_string(),
                    vec!["dark".to_string(), "pole".to_string()]
                ),
                ("lamps_out".to_string(), vec!["2".to_string()]),
            ]
        );
    }
}
