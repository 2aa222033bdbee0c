//! The identity module: accounts of staff and citizens (sign-up, sign-in, sessions, the second
//! factor, password reset, access tokens), API clients and staff administration, as the
//! [`IdentityApp`] handle over a [`platform::Platform`]. Its permissions and the roles that get
//! them are its own ([`permissions`]); the actors it builds from sessions and tokens carry the
//! platform's assembled permission table.

pub mod accounts;
pub mod api;
pub mod api_keys;
pub mod domain;
pub mod doors;
mod jobs;
mod module;
pub mod my_data_files;
pub mod pages;
mod passwords;
pub mod permissions;
pub mod purposes;
pub(crate) mod store;
#[cfg(feature = "testkit")]
pub mod testkit;

// The platform's pieces this module's files name as `crate::…`.
pub(crate) use platform::{
    Result, ServiceConfig, ServiceError, audit, authz, notify, rate_limit, secrets,
};

pub use module::{MIGRATIONS, MODULE};

use platform::{Db, Platform};

/// Accounts: sign-in, sessions, the second factor, access tokens, API clients and staff
/// administration. Cheap to clone.
#[derive(Clone)]
pub struct IdentityApp {
    pub(crate) platform: Platform,
    pub(crate) db: Db,
    session_policy: accounts::SessionPolicy,
}

impl IdentityApp {
    /// The platform this module runs over (doors read its settings and signing key).
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    pub fn new(platform: Platform) -> IdentityApp {
        IdentityApp {
            db: platform.db.clone(),
            platform,
            session_policy: accounts::SessionPolicy::default(),
        }
    }

    /// Replaces the session lifetimes (tests use short ones).
    pub fn with_session_policy(mut self, policy: accounts::SessionPolicy) -> IdentityApp {
        self.session_policy = policy;
        self
    }

    pub fn session_policy(&self) -> accounts::SessionPolicy {
        self.session_policy
    }

    pub(crate) fn now(&self) -> i64 {
        self.platform.now()
    }

    pub(crate) fn config(&self) -> &ServiceConfig {
        self.platform.config()
    }

    /// The roles that need a second factor where a jurisdiction's policy says nothing of them.
    pub(crate) fn second_factor_by_default(&self) -> Vec<&'static str> {
        self.config()
            .second_factor_roles
            .iter()
            .map(|r| r.as_str())
            .collect()
    }
}
