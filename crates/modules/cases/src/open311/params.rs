//! Open311 parameters from query strings and POST bodies (form-urlencoded, multipart, JSON).
//! Empty values count as absent. Invalid UTF-8 is an error, never silently replaced.
//!
//! Parameters are kept in a hash map (every look-up is O(1)) and a request may carry at most
//! [`MAX_PARAMS`] of them, so reading a body is linear in its size and cheap. Photos in a
//! multipart body are read only once the API key has been checked: from the query string
//! before the body is touched, else from the fields before the first file part (see
//! [`Files`]); they go to temporary files on disk, not to memory ([`crate::uploads`]).

use super::ApiError;
use crate::domain::lifecycle::Open311Status;
use crate::queries::CaseQuery;
use crate::uploads::{self, Incoming, UploadError, Uploads};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use domain::Message;
use domain::datetime::parse;
use domain::geo::Point;
use identity::IdentityApp;
use std::collections::HashMap;
use tokio::sync::OwnedSemaphorePermit;

/// Largest form-urlencoded or JSON body.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// Largest multipart body: five photos of 10 MB and the form fields.
pub const MAX_MULTIPART_BYTES: usize = 52 * 1024 * 1024;
/// Most parameters (name-value pairs) one request may carry, query string and body together.
/// A service definition has a few dozen attributes; a multivaluelist repeats its name per value.
pub const MAX_PARAMS: usize = 500;

#[derive(Debug, Default)]
pub struct Params {
    /// Values by name, in the order given.
    values: HashMap<String, Vec<String>>,
    /// Names in the order of their first appearance (attribute answers keep it).
    order: Vec<String>,
    count: usize,
    /// Photos received to disk (multipart only).
    pub files: Vec<Incoming>,
    /// The upload slot the files were received in, held until the request is answered.
    receiving: Option<OwnedSemaphorePermit>,
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

fn upload_error(e: UploadError) -> ApiError {
    e.into()
}

/// What to do with the file parts of a multipart body.
pub enum Files<'a> {
    /// Read them (with the same caps) and keep nothing: for the fuzz targets and for bodies
    /// that may carry no files.
    Discard,
    /// Check the API key (unless `key_checked`), then receive them to disk.
    Receive {
        identity: &'a IdentityApp,
        uploads: &'a Uploads,
        key_checked: bool,
    },
}

impl Params {
    /// Adds one pair, refusing the request past [`MAX_PARAMS`].
    fn push(&mut self, key: String, value: String) -> Result<(), ApiError> {
        self.count += 1;
        if self.count > MAX_PARAMS {
            return Err(ApiError::bad_request(
                Message::new("error-too-many-params").arg("max", MAX_PARAMS.to_string()),
            ));
        }
        match self.values.get_mut(&key) {
            Some(values) => values.push(value),
            None => {
                self.order.push(key.clone());
                self.values.insert(key, vec![value]);
            }
        }
        Ok(())
    }

    /// Parses `a=1&b=2` strictly.
    pub fn from_urlencoded(text: &str) -> Result<Params, ApiError> {
        let mut params = Params::default();
        for part in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            params.push(decode(k)?, decode(v)?)?;
        }
        Ok(params)
    }

    /// Reads a POST body of any accepted content type; `query` is the request's query string,
    /// already parsed.
    pub async fn from_body(
        req: Request,
        query: Params,
        files: Files<'_>,
    ) -> Result<Params, ApiError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut params = if content_type.starts_with("application/x-www-form-urlencoded") {
            let bytes = read_body(req.into_body(), MAX_FORM_BYTES).await?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| ApiError::bad_request(Message::new("error-not-utf8")))?;
            Params::from_urlencoded(text)?
        } else if content_type.starts_with("multipart/form-data") {
            Params::from_multipart(req, &query, files).await?
        } else if content_type.starts_with("application/json") {
            let bytes = read_body(req.into_body(), MAX_FORM_BYTES).await?;
            Params::from_json(&bytes)?
        } else {
            return Err(ApiError::unsupported_media_type());
        };
        // Query-string parameters (some clients put api_key there) count when the body lacks them.
        for key in query.order {
            if params.get(&key).is_none()
                && let Some(values) = query.values.get(&key)
            {
                for value in values {
                    params.push(key.clone(), value.clone())?;
                }
            }
        }
        Ok(params)
    }

    async fn from_multipart(
        req: Request,
        query: &Params,
        mut files: Files<'_>,
    ) -> Result<Params, ApiError> {
        let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
            ApiError::bad_request(Message::new("error-body-malformed").arg("detail", e.body_text()))
        })?;
        let mut params = Params::default();
        let mut text_budget = uploads::MAX_FIELD_BYTES;
        let mut discarded = 0;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(e)),
            };
            if !uploads::is_file(&field) {
                let name = field.name().unwrap_or_default().to_string();
                let value = uploads::read_text(field, &mut text_budget, MAX_MULTIPART_BYTES)
                    .await
                    .map_err(upload_error)?;
                params.push(name, value)?;
                continue;
            }
            match &mut files {
                Files::Discard => {
                    discarded += 1;
                    if discarded > crate::media::MAX_MEDIA_FILES {
                        return Err(upload_error(UploadError::TooManyFiles));
                    }
                    let mut field = field;
                    let mut size = 0;
                    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                        size += chunk.len();
                        if size > crate::media::MAX_MEDIA_BYTES {
                            return Err(upload_error(UploadError::FileTooLarge("file".into())));
                        }
                    }
                }
                Files::Receive {
                    identity,
                    uploads,
                    key_checked,
                } => {
                    if !*key_checked {
                        // Nothing of a file is read for a caller without a valid key.
                        let key = params.get("api_key").or_else(|| query.get("api_key"));
                        identity.authenticate_api_key(key).await?;
                        *key_checked = true;
                    }
                    if params.receiving.is_none() {
                        params.receiving =
                            Some(uploads.receiving_slot().await.map_err(upload_error)?);
                    }
                    let incoming = uploads
                        .receive(field, params.files.len(), MAX_MULTIPART_BYTES)
                        .await
                        .map_err(upload_error)?;
                    params.files.push(incoming);
                }
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
                        params.push(k.clone(), s)?;
                    }
                }
                Ok::<(), ApiError>(())
            }
            other => {
                if let Some(s) = scalar(other) {
                    params.push(k, s)?;
                }
                Ok(())
            }
        };
        for (k, v) in &map {
            if let (true, serde_json::Value::Object(attrs)) =
                (k == "attribute" || k == "attributes", v)
            {
                for (code, value) in attrs {
                    push(format!("attribute[{code}]"), value, &mut params)?;
                }
            } else {
                push(k.clone(), v, &mut params)?;
            }
        }
        Ok(params)
    }

    /// The first non-empty value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)?
            .iter()
            .find(|v| !v.trim().is_empty())
            .map(String::as_str)
    }

    pub fn owned(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    /// Every non-empty value of `key` (repeated keys, e.g. `media_url`).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.values
            .get(key)
            .map(|values| {
                values
                    .iter()
                    .filter(|v| !v.trim().is_empty())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
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

    /// The pairs whose name is one of `names`, in a canonical order (by name, then as given):
    /// what a cached answer depends on.
    pub fn canonical(&self, names: &[&str]) -> String {
        let mut out = String::new();
        for name in names {
            for value in self.values.get(*name).into_iter().flatten() {
                out.push_str(name);
                out.push('=');
                out.push_str(value);
                out.push('\u{1f}');
            }
        }
        out
    }

    /// Attribute answers: `attribute[CODE]=v`, repeated or as `attribute[CODE][]=v`, by code
    /// in the order the codes first appear.
    pub fn attributes(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for k in &self.order {
            let Some(rest) = k.strip_prefix("attribute[") else {
                continue;
            };
            let code = rest.strip_suffix("][]").or_else(|| rest.strip_suffix(']'));
            let Some(code) = code.filter(|c| !c.is_empty() && !c.contains(['[', ']'])) else {
                continue;
            };
            let values = self.values.get(k).into_iter().flatten().cloned();
            match index.get(code) {
                Some(&i) => out[i].1.extend(values),
                None => {
                    index.insert(code, out.len());
                    out.push((code.to_string(), values.collect()));
                }
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
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(MAX_MULTIPART_BYTES)
    } else {
        ApiError::bad_request(Message::new("error-body-malformed").arg("detail", e.body_text()))
    }
}

// What the read resources ask for: the search of `GET requests`, the window of updates.

pub const MAX_PAGE_SIZE: u64 = 1000;
/// The last page a list may ask for: ten million cases in (`page × page_size` stays far from
/// any integer limit).
pub const MAX_PAGE: u64 = 10_000;
pub const MAX_RANGE_DAYS: i64 = 90;
pub const DEFAULT_RADIUS_M: f64 = 1000.0;
pub const MAX_RADIUS_M: f64 = 50_000.0;
const DAY: i64 = 24 * 3600;

fn date(p: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    p.get(key)
        .map(|v| parse(v).map_err(|e| ApiError::bad_request(e.message())))
        .transpose()
}

fn number<T: std::str::FromStr>(
    p: &Params,
    key: &str,
    message: Message,
) -> Result<Option<T>, ApiError> {
    p.get(key)
        .map(|v| {
            v.trim()
                .parse::<T>()
                .map_err(|_| ApiError::bad_request(message.clone()))
        })
        .transpose()
}

/// The search of `GET requests`, from the spec's filters and the widely used extensions.
/// Without dates it covers the `MAX_RANGE_DAYS` before `now`.
pub fn search(p: &Params, now: i64) -> Result<CaseQuery, ApiError> {
    let page_size_message = Message::new("error-page-size").arg("max", MAX_PAGE_SIZE.to_string());
    let page_message = Message::new("error-page").arg("max", MAX_PAGE.to_string());
    let page: u64 = number(p, "page", page_message.clone())?.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(ApiError::bad_request(page_message));
    }
    let page_size: u64 =
        number(p, "page_size", page_size_message.clone())?.unwrap_or(MAX_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ApiError::bad_request(page_size_message));
    }
    let with_events = p
        .get("extensions")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut q = CaseQuery {
        limit: page_size,
        offset: (page - 1)
            .checked_mul(page_size)
            .ok_or_else(|| ApiError::bad_request(page_message))?,
        with_events,
        ..CaseQuery::default()
    };
    if let Some(ids) = p.list("service_request_id") {
        // The spec: service_request_id overrides every other filter.
        q.case_numbers = Some(ids);
        return Ok(q);
    }
    q.service_codes = p.list("service_code");
    if let Some(statuses) = p.list("status") {
        let parsed: Result<Vec<Open311Status>, ApiError> = statuses
            .iter()
            .map(|s| {
                Open311Status::parse(s).ok_or_else(|| {
                    ApiError::bad_request(
                        Message::new("error-status-filter").arg("value", s.as_str()),
                    )
                })
            })
            .collect();
        q.statuses = Some(parsed?);
    }
    let (start, end) = (date(p, "start_date")?, date(p, "end_date")?);
    let (after, before) = (date(p, "updated_after")?, date(p, "updated_before")?);
    let range = MAX_RANGE_DAYS * DAY;
    let too_long = || {
        ApiError::bad_request(
            Message::new("error-date-range").arg("days", MAX_RANGE_DAYS.to_string()),
        )
    };
    let order = || ApiError::bad_request(Message::new("error-date-order"));
    match (start, end) {
        (Some(s), Some(e)) if s > e => return Err(order()),
        (Some(s), Some(e)) if e - s > range => return Err(too_long()),
        (Some(s), Some(e)) => (q.requested_from, q.requested_to) = (Some(s), Some(e)),
        (Some(s), None) => (q.requested_from, q.requested_to) = (Some(s), Some(s + range)),
        (None, Some(e)) => (q.requested_from, q.requested_to) = (Some(e - range), Some(e)),
        (None, None) if after.is_none() && before.is_none() => {
            q.requested_from = Some(now - range);
        }
        (None, None) => {}
    }
    if let (Some(a), Some(b)) = (after, before)
        && a > b
    {
        return Err(order());
    }
    (q.updated_from, q.updated_to) = (after, before);
    if let Some(point) = Point::parse_pair(p.get("lat"), p.get("long"))
        .map_err(|e| ApiError::bad_request(e.message()))?
    {
        let radius_message = Message::new("error-radius").arg("max", MAX_RADIUS_M.to_string());
        let radius: f64 = number(p, "radius", radius_message.clone())?.unwrap_or(DEFAULT_RADIUS_M);
        if !(1.0..=MAX_RADIUS_M).contains(&radius) {
            return Err(ApiError::bad_request(radius_message));
        }
        q.near = Some(point.radius_filter(radius));
    }
    Ok(q)
}

/// The window of `GET servicerequestupdates`: `start_date`/`end_date`, else the
/// `MAX_RANGE_DAYS` before `now` (or before `end_date`).
pub fn updates_window(p: &Params, now: i64) -> Result<(i64, i64), ApiError> {
    let (start, end) = (date(p, "start_date")?, date(p, "end_date")?);
    let range = MAX_RANGE_DAYS * DAY;
    Ok(match (start, end) {
        (Some(s), Some(e)) if s > e => {
            return Err(ApiError::bad_request(Message::new("error-date-order")));
        }
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, now),
        (None, Some(e)) => (e - range, e),
        (None, None) => (now - range, now),
    })
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

    /// F7: at most `MAX_PARAMS` pairs, query and body together; reading 100k pairs stops at
    /// the cap instead of merging them quadratically.
    #[tokio::test]
    async fn parameters_are_capped_query_and_body_together() {
        let pairs = |n: usize, p: &str| {
            (0..n)
                .map(|i| format!("{p}{i}=1"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert!(Params::from_urlencoded(&pairs(MAX_PARAMS, "a")).is_ok());
        assert!(Params::from_urlencoded(&pairs(MAX_PARAMS + 1, "a")).is_err());
        let post = |query: String, body: String| {
            let request = Request::builder()
                .method("POST")
                .uri(format!("/open311/v2/requests.json?{query}"))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap();
            let query = Params::from_urlencoded(&query).unwrap();
            Params::from_body(request, query, Files::Discard)
        };
        assert!(post(pairs(250, "q"), pairs(250, "b")).await.is_ok());
        assert!(post(pairs(250, "q"), pairs(251, "b")).await.is_err());
        let started = std::time::Instant::now();
        assert!(post(pairs(400, "q"), pairs(100_000, "b")).await.is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
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
