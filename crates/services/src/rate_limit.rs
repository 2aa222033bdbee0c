//! Limits on sign-in, one-time codes, sign-up and password reset, per account and per client
//! address, counted in the database so every node enforces the same limit.

use crate::{Result, ServiceError, Services};
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

impl Services {
    /// Counts an attempt; refuses it once the limit is passed. Counting and reading the count
    /// are one statement, so concurrent attempts cannot all slip under the limit: count
    /// before the (slow) check, and [`Services::refund_attempt`] one that proves allowed.
    pub async fn count_attempt(&self, limit: Limit, key: &str) -> Result<()> {
        let now = store::now_unix();
        let w = store::rate_limits::hit(&self.db, &bucket(limit, key), now, limit.window).await?;
        if w.hits > limit.max {
            return Err(limited(limit, w.started_at, now));
        }
        Ok(())
    }

    /// Gives back one attempt counted with [`Services::count_attempt`].
    pub async fn refund_attempt(&self, limit: Limit, key: &str) -> Result<()> {
        Ok(store::rate_limits::refund(&self.db, &bucket(limit, key)).await?)
    }

    pub async fn clear_attempts(&self, limit: Limit, key: &str) -> Result<()> {
        Ok(store::rate_limits::clear(&self.db, &bucket(limit, key)).await?)
    }
}
