//! Shared helpers of the counter benchmarks: sizes, latencies, actors, browsers.

pub(crate) use counter::app::bookings::BookingAsk;
pub(crate) use counter::app::issue::IssueTo;
pub(crate) use counter::app::review::QueueQuery;
pub(crate) use counter::domain::device::{canonical, sign};
pub(crate) use counter::domain::reservations::Purpose;
pub(crate) use identity::accounts::{NewStaff, SignUp};
pub(crate) use platform::authz::{Actor, ActorKind, Permissions};
pub(crate) use serde_json::{Value, json};
pub(crate) use std::collections::BTreeMap;
pub(crate) use std::sync::Arc;
pub(crate) use std::time::{Duration, Instant};

pub(crate) const TAIPEI: &str = "taipei.gov.tw";
/// The catalogue's office with a Smart Desk.
pub(crate) const OFFICE: &str = "taitung-csc";
/// A free service that may be picked up at the Smart Desk: issue activates its code at once.
pub(crate) const FREE_SERVICE: &str = "welfare-low-income-certificate";
/// A transcript: the commonest service, for the queue's service filter.
pub(crate) const TRANSCRIPT: &str = "hr-transcript-current-full";
pub(crate) const PASSWORD: &str = "lantern-kite-harbour-7";
pub(crate) const STAFF_PASSWORD: &str = "quiet-harbour-lantern-42";

pub(crate) fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Latencies, summarised as percentiles.
#[derive(Default)]
pub(crate) struct Lat(pub(crate) Vec<Duration>);

impl Lat {
    pub(crate) fn add(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub(crate) fn merge(&mut self, other: &Lat) {
        self.0.extend_from_slice(&other.0);
    }

    pub(crate) fn pct(sorted: &[Duration], p: f64) -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1].as_secs_f64() * 1e3
    }

    pub(crate) fn summary(&self) -> String {
        let mut s = self.0.clone();
        s.sort_unstable();
        format!(
            "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            Lat::pct(&s, 0.50),
            Lat::pct(&s, 0.95),
            Lat::pct(&s, 0.99),
            Lat::pct(&s, 1.0)
        )
    }
}

pub(crate) fn citizen_actor(id: &str) -> Actor {
    Actor {
        account_id: Some(id.to_string()),
        jurisdiction_id: TAIPEI.into(),
        kind: ActorKind::Citizen,
        label: "陳美玲".into(),
        grants: Vec::new(),
        permissions: Permissions::NONE,
        request_id: None,
    }
}

pub(crate) fn system() -> Actor {
    Actor::system(TAIPEI, "bench")
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

/// A client that does not follow redirects (the pages answer a form with 303).
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A small xorshift generator (reproducible shuffles and wrong codes).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % n.max(1) as u64) as usize
    }

    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}
