//! A short-lived cache of public Open311 read responses ("microcaching").
//!
//! The lists (`services`, `requests`, `servicerequestupdates`, discovery and service
//! definitions) are public, identical for every caller who sends the same query, and are what
//! apps, dashboards and scrapers poll. Answering them from memory for a second costs a
//! hash lookup instead of a query and the rendering of up to 1,000 cases, and a burst of
//! identical requests reaches the database once. What a reader may see is bounded by time, on
//! every node alike: a list is at most `ttl` old, or `2 × ttl` while one request refreshes it
//! and the others are answered from the previous copy. Single requests (`requests/{id}`,
//! `tokens/{id}`) and everything written are never cached.
//!
//! A request carrying `Cache-Control: no-cache` (or `no-store`) skips the cache, as HTTP
//! intends; the benchmark uses it to measure the uncached cost.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many distinct queries are kept; past it, expired ones are dropped, and if
/// none has expired, all of them (a scraper enumerating queries cannot grow memory).
const MAX_ENTRIES: usize = 2048;

struct Entry {
    stored: Instant,
    content_type: &'static str,
    body: Bytes,
    /// One request is already computing a newer copy.
    refreshing: bool,
}

pub struct MicroCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

/// What to do with a request.
pub enum Lookup<'a> {
    /// Answer with this.
    Hit(Response),
    /// Compute the answer and [`Refresh::store`] it.
    Miss(Refresh<'a>),
    /// Compute the answer and do not keep it.
    Bypass,
}

/// The duty to compute a missing or stale answer. Dropped without [`Refresh::store`] (the
/// computation failed, or the client went away and its request was cancelled), it hands the
/// duty to the next request at once: otherwise the others would be served the stale copy until
/// it is twice the lifetime old, and then all miss together.
pub struct Refresh<'a> {
    cache: &'a MicroCache,
    key: Option<String>,
}

impl Refresh<'_> {
    /// Keeps a successful answer.
    pub fn store(mut self, content_type: &'static str, body: Bytes) {
        if let Some(key) = self.key.take() {
            self.cache.store(key, content_type, body);
        }
    }
}

impl Drop for Refresh<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.cache.abandon(&key);
        }
    }
}

impl MicroCache {
    pub fn new(ttl: Duration) -> MicroCache {
        MicroCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Looks a request up by its key (path, query and language).
    pub fn lookup(&self, headers: &HeaderMap, key: String) -> Lookup<'_> {
        if self.ttl.is_zero() || wants_fresh(headers) {
            return Lookup::Bypass;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = entries.get_mut(&key) else {
            return Lookup::Miss(self.refresh(key));
        };
        let age = entry.stored.elapsed();
        if age < self.ttl || (entry.refreshing && age < self.ttl * 2) {
            return Lookup::Hit(response(entry.content_type, entry.body.clone(), age));
        }
        // Stale: this request refreshes it; others meanwhile get the previous copy.
        entry.refreshing = true;
        drop(entries);
        Lookup::Miss(self.refresh(key))
    }

    fn refresh(&self, key: String) -> Refresh<'_> {
        Refresh {
            cache: self,
            key: Some(key),
        }
    }

    fn store(&self, key: String, content_type: &'static str, body: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            let ttl = self.ttl;
            entries.retain(|_, e| e.stored.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                stored: Instant::now(),
                content_type,
                body,
                refreshing: false,
            },
        );
    }

    /// Lets another request refresh a key whose computation did not finish.
    fn abandon(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = entries.get_mut(key) {
            e.refreshing = false;
        }
    }
}

fn wants_fresh(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|d| {
            let d = d.trim();
            d.eq_ignore_ascii_case("no-cache") || d.eq_ignore_ascii_case("no-store")
        })
}

/// A cached answer: 200 with its body, and its age in whole seconds (RFC 9111 `Age`).
pub fn response(content_type: &'static str, body: Bytes, age: Duration) -> Response {
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    r.headers_mut()
        .insert(header::AGE, HeaderValue::from(age.as_secs()));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: Response) -> Option<u64> {
        r.headers()
            .get(header::AGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn a_stored_answer_is_served_until_it_expires_and_then_refreshed_once() {
        let cache = MicroCache::new(Duration::from_millis(200));
        let h = HeaderMap::new();
        let Lookup::Miss(refresh) = cache.lookup(&h, "k".into()) else {
            panic!("empty cache");
        };
        refresh.store("application/json", Bytes::from_static(b"[]"));
        let Lookup::Hit(r) = cache.lookup(&h, "k".into()) else {
            panic!("fresh entry");
        };
        assert_eq!(body(r), Some(0));
        std::thread::sleep(Duration::from_millis(220));
        // The first request after expiry refreshes; the next ones get the previous copy.
        let refresh = cache.lookup(&h, "k".into());
        assert!(matches!(refresh, Lookup::Miss(_)));
        assert!(matches!(cache.lookup(&h, "k".into()), Lookup::Hit(_)));
        // A refresh that never finishes (its client went away) passes the duty on at once.
        drop(refresh);
        let refresh = cache.lookup(&h, "k".into());
        assert!(matches!(refresh, Lookup::Miss(_)));
        assert!(matches!(cache.lookup(&h, "k".into()), Lookup::Hit(_)));
        // Past twice the lifetime nobody is served the old copy any more.
        std::thread::sleep(Duration::from_millis(200));
        assert!(matches!(cache.lookup(&h, "k".into()), Lookup::Miss(_)));
        drop(refresh);
    }

    #[test]
    fn no_cache_and_a_zero_lifetime_bypass_it() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=0, no-cache"),
        );
        let cache = MicroCache::new(Duration::from_secs(1));
        assert!(matches!(cache.lookup(&h, "k".into()), Lookup::Bypass));
        let off = MicroCache::new(Duration::ZERO);
        assert!(matches!(
            off.lookup(&HeaderMap::new(), "k".into()),
            Lookup::Bypass
        ));
    }

    #[test]
    fn it_never_holds_more_than_its_bound() {
        let cache = MicroCache::new(Duration::from_secs(60));
        for i in 0..(MAX_ENTRIES + 10) {
            cache.store(format!("k{i}"), "text/xml", Bytes::new());
        }
        let n = cache.entries.lock().unwrap().len();
        assert!(n <= MAX_ENTRIES, "{n}");
    }
}
