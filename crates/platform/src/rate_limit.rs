//! Limits on sign-in, one-time codes, sign-up and password reset, per account and per client
//! address, counted in the database so every node enforces the same limit.

use crate::{Platform, Result, ServiceError};
use domain::Message;

/// A limit: at most `max` attempts for one key in `window` seconds from its first attempt.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub max: i64,
    pub window: i64,
}

pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    name: "login-account",
    max: 10,
    window: 15 * 60,
};
/// Failures of one browser that signed in to the account before (it holds the account's
/// device cookie): its own budget, untouched by strangers' guesses.
pub const LOGIN_PER_DEVICE: Limit = Limit {
    name: "login-device",
    max: 10,
    window: 15 * 60,
};
pub const LOGIN_PER_ADDRESS: Limit = Limit {
    name: "login-address",
    max: 100,
    window: 15 * 60,
};
pub const CODE_PER_ACCOUNT: Limit = Limit {
    name: "code-account",
    max: 10,
    window: 60 * 60,
};
/// Sign-ins started at a city identity provider from one address: each keeps a login attempt
/// for ten minutes, so a loop of starts is stopped here.
pub const CITY_LOGIN_PER_ADDRESS: Limit = Limit {
    name: "city-login-address",
    max: 60,
    window: 15 * 60,
};
/// Mandates a citizen may give in an hour (each names someone's sign-in name).
pub const MANDATES_PER_ACCOUNT: Limit = Limit {
    name: "mandates-account",
    max: 20,
    window: 60 * 60,
};
/// Downloads of "my data" a citizen may make in an hour (each reads everything held about
/// them).
pub const MY_DATA_DOWNLOADS: Limit = Limit {
    name: "my-data-downloads",
    max: 10,
    window: 60 * 60,
};
/// Requests about their personal data a citizen may file in a day.
pub const DATA_REQUESTS_PER_ACCOUNT: Limit = Limit {
    name: "data-requests-account",
    max: 10,
    window: 24 * 60 * 60,
};
pub const SIGNUP_PER_ADDRESS: Limit = Limit {
    name: "signup-address",
    max: 20,
    window: 60 * 60,
};
pub const RESET_PER_ACCOUNT: Limit = Limit {
    name: "reset-account",
    max: 5,
    window: 60 * 60,
};
pub const RESET_PER_ADDRESS: Limit = Limit {
    name: "reset-address",
    max: 30,
    window: 60 * 60,
};

fn bucket(limit: Limit, key: &str) -> String {
    // Keys can be logins (emails, phone numbers): keep only a hash in the table.
    format!("{}:{}", limit.name, crate::secrets::sha256_hex(key))
}

/// Refused until the window that began at `started_at` ends.
fn limited(limit: Limit, started_at: i64, now: i64) -> ServiceError {
    let retry_after = (started_at + limit.window - now).max(1);
    ServiceError::RateLimited {
        message: Message::new("error-rate-limited")
            .arg("minutes", ((retry_after + 59) / 60).to_string()),
        retry_after,
    }
}

impl Platform {
    /// Counts an attempt; refuses it once the limit is passed. Counting and reading the count
    /// are one statement, so concurrent attempts cannot all slip under the limit: count
    /// before the (slow) check, and [`Platform::refund_attempt`] one that proves allowed.
    pub async fn count_attempt(&self, limit: Limit, key: &str) -> Result<()> {
        let now = self.now();
        let w = store::rate_limits::hit(&self.db, &bucket(limit, key), now, limit.window).await?;
        if w.hits > limit.max {
            return Err(limited(limit, w.started_at, now));
        }
        Ok(())
    }

    /// [`Platform::count_attempt`], counted in a transaction the caller holds: the count is
    /// written with the caller's other writes (and kept when the limit refuses).
    pub async fn count_attempt_in(
        &self,
        tx: &mut store::Tx,
        limit: Limit,
        key: &str,
    ) -> Result<()> {
        self.count_attempts_in(tx, limit, &[key])
            .await?
            .pop()
            .ok_or_else(|| ServiceError::Internal("an attempt counted without an answer".into()))?
    }

    /// [`Platform::count_attempt_in`] for several keys at once, in one statement when they
    /// are distinct: each key's answer, in order.
    pub async fn count_attempts_in(
        &self,
        tx: &mut store::Tx,
        limit: Limit,
        keys: &[&str],
    ) -> Result<Vec<Result<()>>> {
        let now = self.now();
        let buckets: Vec<String> = keys.iter().map(|k| bucket(limit, k)).collect();
        let buckets: Vec<&str> = buckets.iter().map(String::as_str).collect();
        let windows = store::rate_limits::hit_many_in(tx, &buckets, now, limit.window).await?;
        Ok(windows
            .into_iter()
            .map(|w| {
                if w.hits > limit.max {
                    Err(limited(limit, w.started_at, now))
                } else {
                    Ok(())
                }
            })
            .collect())
    }

    /// Gives back one attempt counted with [`Platform::count_attempt`].
    pub async fn refund_attempt(&self, limit: Limit, key: &str) -> Result<()> {
        Ok(store::rate_limits::refund(&self.db, &bucket(limit, key)).await?)
    }

    pub async fn clear_attempts(&self, limit: Limit, key: &str) -> Result<()> {
        Ok(store::rate_limits::clear(&self.db, &bucket(limit, key)).await?)
    }
}

/// How many cases one API client may file through Open311 per hour, per key and per client
/// address; 0 means no limit. A FixMyStreet-style client files hundreds an hour; without a
/// limit, one key (extractable from any phone app that ships it) filed thousands a second and
/// could use up a day's case numbers in a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilingLimits {
    pub per_key: i64,
    pub per_address: i64,
}

impl Default for FilingLimits {
    fn default() -> FilingLimits {
        FilingLimits {
            per_key: 1000,
            per_address: 300,
        }
    }
}

/// The window of [`FilingLimits`].
pub const FILING_WINDOW: i64 = 60 * 60;

impl Platform {
    /// Counts a filing by API client `client_id` from `address`; refuses it (429 with the
    /// time to wait) past either of the configured [`FilingLimits`]. One upsert per limit,
    /// in the shared database, so every node counts together.
    pub async fn count_client_filing(&self, client_id: &str, address: &str) -> Result<()> {
        let limits = self.config().filing_limits;
        // The address first: a flood from one address that it stops does not use up the
        // budget of the key that everyone else's copy of the app shares.
        let checks = [
            ("filing-address", limits.per_address, address),
            ("filing-key", limits.per_key, client_id),
        ];
        for (name, max, key) in checks {
            if max <= 0 {
                continue;
            }
            let limit = Limit {
                name,
                max,
                window: FILING_WINDOW,
            };
            match self.count_attempt(limit, key).await {
                Err(ServiceError::RateLimited { retry_after, .. }) => {
                    return Err(ServiceError::RateLimited {
                        message: Message::new("error-filing-rate-limited")
                            .arg("max", max.to_string())
                            .arg("minutes", ((retry_after + 59) / 60).to_string()),
                        retry_after,
                    });
                }
                other => other?,
            }
        }
        Ok(())
    }
}
