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
//! At most one request per query computes it at a time. Requests that find no copy they may
//! be given (none yet, or one past `2 × ttl`) wait for the request already computing it
//! instead of computing it too: otherwise the first moments of a burst on a cold or long-idle
//! query run it once per waiting client, and that storm of identical queries slows every
//! other request on the node (measured in `bench/README.md`: p99 of 37–106 ms against 4 ms).
//!
//! A request carrying `Cache-Control: no-cache` (or `no-store`) skips the cache, as HTTP
//! intends; the benchmark uses it to measure the uncached cost.
//!
//! Memory is bounded in bytes (`max_bytes`, the answers and their keys) and in entries
//! ([`MAX_ENTRIES`]). Each store first drops the copies no request may be given any more (past
//! the lifetime, with nobody refreshing them), then, while the budget is still exceeded, the
//! oldest copies; an answer larger than the whole budget is not kept. Keys hold only the
//! parameters the resources read (see `resources::READ_PARAMS`), so a scraper adding
//! `&x=1`, `&x=2`, … to one query finds one entry, not thousands.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// At most this many distinct queries are kept, whatever their size.
const MAX_ENTRIES: usize = 2048;

struct Copy {
    stored: Instant,
    content_type: &'static str,
    body: Bytes,
}

#[derive(Default)]
struct Entry {
    /// The last answer computed, if any.
    copy: Option<Copy>,
    /// Set while one request computes a newer copy: waiters watch it, and it closes when that
    /// request stores its answer or gives up.
    refreshing: Option<watch::Receiver<()>>,
}

pub struct MicroCache {
    ttl: Duration,
    max_bytes: usize,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    entries: HashMap<String, Entry>,
    /// Bytes of the stored copies and their keys.
    bytes: usize,
}

fn size_of(key: &str, copy: &Copy) -> usize {
    key.len() + copy.body.len()
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
/// duty to the next request at once, and wakes the requests waiting for it so that one of
/// them takes it over.
pub struct Refresh<'a> {
    cache: &'a MicroCache,
    key: Option<String>,
    /// Dropped (after the entry is updated) to wake the waiters.
    done: Option<watch::Sender<()>>,
    started: Instant,
}

impl Refresh<'_> {
    /// Keeps a successful answer.
    pub fn store(mut self, content_type: &'static str, body: Bytes) {
        if let Some(key) = self.key.take() {
            let elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            tracing::debug!(key, elapsed_ms, "microcache refreshed");
            self.cache.store(key, content_type, body);
        }
        self.done.take();
    }
}

impl Drop for Refresh<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.cache.abandon(&key);
        }
        self.done.take();
    }
}

/// What one look at the table decided.
enum Step<'a> {
    Answer(Lookup<'a>),
    Wait(watch::Receiver<()>),
}

impl MicroCache {
    /// A cache keeping answers for `ttl`, at most `max_bytes` of them.
    pub fn new(ttl: Duration, max_bytes: usize) -> MicroCache {
        MicroCache {
            ttl,
            max_bytes,
            table: Mutex::new(Table::default()),
        }
    }

    /// Looks a request up by its key (path, query and language). Waits only when no copy may
    /// be served and another request is computing one.
    pub async fn lookup(&self, headers: &HeaderMap, key: String) -> Lookup<'_> {
        if self.ttl.is_zero() || wants_fresh(headers) {
            return Lookup::Bypass;
        }
        loop {
            match self.step(&key) {
                Step::Answer(lookup) => return lookup,
                // Woken when the refresh stores or gives up (the sender is dropped either way).
                Step::Wait(mut done) => {
                    let _ = done.changed().await;
                }
            }
        }
    }

    fn step(&self, key: &str) -> Step<'_> {
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let entries = &mut table.entries;
        let entry = match entries.get_mut(key) {
            Some(e) => e,
            None => entries.entry(key.to_string()).or_default(),
        };
        if let Some(copy) = &entry.copy {
            let age = copy.stored.elapsed();
            if age < self.ttl || (entry.refreshing.is_some() && age < self.ttl * 2) {
                return Step::Answer(Lookup::Hit(response(
                    copy.content_type,
                    copy.body.clone(),
                    age,
                )));
            }
        }
        if let Some(done) = &entry.refreshing {
            return Step::Wait(done.clone());
        }
        // Missing or stale: this request computes it; others get the previous copy while it
        // is young enough, or wait for this one.
        let (done, watched) = watch::channel(());
        entry.refreshing = Some(watched);
        Step::Answer(Lookup::Miss(Refresh {
            cache: self,
            key: Some(key.to_string()),
            done: Some(done),
            started: Instant::now(),
        }))
    }

    fn store(&self, key: String, content_type: &'static str, body: Bytes) {
        let mut guard = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let table = &mut *guard;
        let copy = Copy {
            stored: Instant::now(),
            content_type,
            body,
        };
        let size = size_of(&key, &copy);
        // The previous copy of this key goes in any case.
        if let Some(old) = table.entries.get_mut(&key).and_then(|e| e.copy.take()) {
            table.bytes -= size_of(&key, &old);
        }
        if size > self.max_bytes {
            if table
                .entries
                .get(&key)
                .is_some_and(|e| e.refreshing.is_none())
            {
                table.entries.remove(&key);
            }
            return;
        }
        let full = |t: &Table| {
            t.bytes + size > self.max_bytes
                || (t.entries.len() >= MAX_ENTRIES && !t.entries.contains_key(&key))
        };
        if full(table) {
            self.drop_expired(table);
        }
        while full(table) {
            // The oldest copy goes first; entries being computed (no copy) are kept.
            let oldest = table
                .entries
                .iter()
                .filter(|(k, _)| **k != key)
                .filter_map(|(k, e)| e.copy.as_ref().map(|c| (c.stored, k)))
                .min()
                .map(|(_, k)| k.clone());
            let Some(oldest) = oldest else { break };
            if let Some(entry) = table.entries.get_mut(&oldest)
                && let Some(old) = entry.copy.take()
            {
                table.bytes -= size_of(&oldest, &old);
                if entry.refreshing.is_none() {
                    table.entries.remove(&oldest);
                }
            }
        }
        table.bytes += size;
        table.entries.insert(
            key,
            Entry {
                copy: Some(copy),
                refreshing: None,
            },
        );
    }

    /// Drops the copies no request may be given any more.
    fn drop_expired(&self, table: &mut Table) {
        let ttl = self.ttl;
        let mut freed = 0;
        table.entries.retain(|k, e| {
            let keep =
                e.refreshing.is_some() || e.copy.as_ref().is_some_and(|c| c.stored.elapsed() < ttl);
            if !keep && let Some(c) = &e.copy {
                freed += size_of(k, c);
            }
            keep
        });
        table.bytes -= freed;
    }

    /// Lets another request refresh a key whose computation did not finish.
    fn abandon(&self, key: &str) {
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = table.entries.get_mut(key) {
            e.refreshing = None;
            if e.copy.is_none() {
                table.entries.remove(key);
            }
        }
    }

    /// Bytes held, for tests and metrics.
    pub fn bytes(&self) -> usize {
        self.table.lock().unwrap_or_else(|e| e.into_inner()).bytes
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

    fn age(r: Response) -> Option<u64> {
        r.headers()
            .get(header::AGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// Whether a lookup that has to wait is still waiting after a while.
    async fn still_waiting(task: &tokio::task::JoinHandle<bool>) -> bool {
        tokio::time::sleep(Duration::from_millis(50)).await;
        !task.is_finished()
    }

    #[tokio::test]
    async fn a_stored_answer_is_served_until_it_expires_and_then_refreshed_once() {
        // A lifetime of 1 s: the sleep below must end before twice the lifetime, past which
        // the next lookup would wait for the refresh this task holds (on a loaded machine a
        // 220 ms sleep with a 200 ms lifetime overshot, and the test hung).
        let cache = MicroCache::new(Duration::from_secs(1), 1 << 20);
        let h = HeaderMap::new();
        let Lookup::Miss(refresh) = cache.lookup(&h, "k".into()).await else {
            panic!("empty cache");
        };
        refresh.store("application/json", Bytes::from_static(b"[]"));
        let Lookup::Hit(r) = cache.lookup(&h, "k".into()).await else {
            panic!("fresh entry");
        };
        assert_eq!(age(r), Some(0));
        let slept = std::time::Instant::now();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(
            slept.elapsed() < Duration::from_millis(1900),
            "the machine overslept: {:?}",
            slept.elapsed()
        );
        // The first request after expiry refreshes; the next ones get the previous copy.
        let refresh = cache.lookup(&h, "k".into()).await;
        assert!(matches!(refresh, Lookup::Miss(_)));
        assert!(matches!(cache.lookup(&h, "k".into()).await, Lookup::Hit(_)));
        // A refresh that never finishes (its client went away) passes the duty on at once.
        drop(refresh);
        let refresh = cache.lookup(&h, "k".into()).await;
        assert!(matches!(refresh, Lookup::Miss(_)));
        assert!(matches!(cache.lookup(&h, "k".into()).await, Lookup::Hit(_)));
        drop(refresh);
    }

    #[tokio::test]
    async fn requests_for_a_missing_answer_wait_for_the_one_computing_it() {
        let cache = std::sync::Arc::new(MicroCache::new(Duration::from_secs(60), 1 << 20));
        let h = HeaderMap::new();
        let Lookup::Miss(refresh) = cache.lookup(&h, "k".into()).await else {
            panic!("empty cache");
        };
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move {
                    matches!(
                        cache.lookup(&HeaderMap::new(), "k".into()).await,
                        Lookup::Hit(_)
                    )
                })
            })
            .collect();
        for w in &waiters {
            assert!(still_waiting(w).await, "computed the answer a second time");
        }
        // Another query is not held up.
        assert!(matches!(
            cache.lookup(&h, "other".into()).await,
            Lookup::Miss(_)
        ));
        refresh.store("application/json", Bytes::from_static(b"[]"));
        for w in waiters {
            assert!(w.await.unwrap(), "a waiter was not given the stored answer");
        }
    }

    #[tokio::test]
    async fn past_twice_the_lifetime_requests_wait_for_the_refresh_and_one_takes_over_a_failed_one()
    {
        let cache = std::sync::Arc::new(MicroCache::new(Duration::from_millis(100), 1 << 20));
        let h = HeaderMap::new();
        let Lookup::Miss(refresh) = cache.lookup(&h, "k".into()).await else {
            panic!("empty cache");
        };
        refresh.store("application/json", Bytes::from_static(b"[]"));
        tokio::time::sleep(Duration::from_millis(120)).await;
        let Lookup::Miss(refresh) = cache.lookup(&h, "k".into()).await else {
            panic!("stale entry");
        };
        // Between one and two lifetimes: the previous copy.
        assert!(matches!(cache.lookup(&h, "k".into()).await, Lookup::Hit(_)));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Past two: nobody is given the old copy; they wait, and nobody computes it twice.
        let waiter = {
            let cache = cache.clone();
            tokio::spawn(async move {
                let lookup = cache.lookup(&HeaderMap::new(), "k".into()).await;
                matches!(lookup, Lookup::Miss(_))
            })
        };
        assert!(still_waiting(&waiter).await);
        // The refresh fails: the waiter is woken and computes it itself.
        drop(refresh);
        assert!(
            waiter.await.unwrap(),
            "the waiter did not take the refresh over"
        );
    }

    #[tokio::test]
    async fn no_cache_and_a_zero_lifetime_bypass_it() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=0, no-cache"),
        );
        let cache = MicroCache::new(Duration::from_secs(1), 1 << 20);
        assert!(matches!(cache.lookup(&h, "k".into()).await, Lookup::Bypass));
        let off = MicroCache::new(Duration::ZERO, 1 << 20);
        assert!(matches!(
            off.lookup(&HeaderMap::new(), "k".into()).await,
            Lookup::Bypass
        ));
    }

    #[test]
    fn it_never_holds_more_than_its_bound() {
        let cache = MicroCache::new(Duration::from_secs(60), 1 << 20);
        for i in 0..(MAX_ENTRIES + 10) {
            cache.store(format!("k{i}"), "text/xml", Bytes::new());
        }
        let n = cache.table.lock().unwrap().entries.len();
        assert!(n <= MAX_ENTRIES, "{n}");
    }

    /// F9: the cache holds at most its budget in bytes, whatever the number of queries, and
    /// the newest answers are the ones kept.
    #[test]
    fn it_never_holds_more_bytes_than_its_budget() {
        let budget = 100_000;
        let cache = MicroCache::new(Duration::from_secs(60), budget);
        for i in 0..300 {
            cache.store(format!("k{i}"), "text/xml", Bytes::from(vec![b'x'; 8_000]));
            assert!(cache.bytes() <= budget, "{} after {i}", cache.bytes());
        }
        let table = cache.table.lock().unwrap();
        assert!(table.entries.contains_key("k299"));
        assert!(!table.entries.contains_key("k0"));
        let counted: usize = table
            .entries
            .iter()
            .filter_map(|(k, e)| e.copy.as_ref().map(|c| size_of(k, c)))
            .sum();
        assert_eq!(counted, table.bytes);
        drop(table);
        // Larger than the whole budget: answered, never kept.
        cache.store(
            "huge".into(),
            "text/xml",
            Bytes::from(vec![b'x'; budget + 1]),
        );
        assert!(!cache.table.lock().unwrap().entries.contains_key("huge"));
    }

    /// F9: copies past their lifetime are dropped when something new is stored.
    #[tokio::test]
    async fn expired_copies_are_dropped_on_store() {
        let cache = MicroCache::new(Duration::from_millis(50), 20_000);
        for i in 0..2 {
            cache.store(format!("k{i}"), "text/xml", Bytes::from(vec![b'x'; 9_000]));
        }
        tokio::time::sleep(Duration::from_millis(80)).await;
        cache.store("new".into(), "text/xml", Bytes::from(vec![b'x'; 9_000]));
        let table = cache.table.lock().unwrap();
        assert_eq!(table.entries.len(), 1);
        assert_eq!(table.bytes, 9_000 + 3);
    }
}
