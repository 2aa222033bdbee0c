//! The cases module: the 1999 hotline. Intake from every channel, case work, SLA, the agent's
//! desk, knowledge answers, reports, import of published data, media and the public projection
//! of cases, as the [`CasesApp`] handle over a [`platform::Platform`] and an
//! [`identity::IdentityApp`]. Other modules reach cases through this handle only. The
//! hotline's rules, pure and without I/O, are in [`domain`]; its permissions and the roles
//! that get them are its own ([`permissions`]).

pub mod api;
pub mod casework;
pub mod demo;
pub mod desk;
pub mod domain;
pub mod doors;
pub mod import;
pub mod intake;
pub mod knowledge;
pub mod media;
mod module;
pub mod open311;
pub mod pages;
pub mod permissions;
mod personal_data;
pub mod public;
pub mod queries;
pub mod reports;
pub mod retention;
pub(crate) mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod updates;
pub mod uploads;

// The platform's and identity's pieces this module's files name as `crate::…`.
pub(crate) use identity::{IdentityApp, accounts, api_keys};
pub(crate) use platform::{
    Platform, Result, ServiceConfig, ServiceError, audit, authz, catalog_cache, notify, rate_limit,
    reference, secrets, webhooks,
};

pub use module::{MIGRATIONS, MODULE};

use platform::Db;
use std::sync::Arc;

/// The 1999 hotline: intake, case work, SLA, the agent's desk, knowledge answers, reports,
/// import and the public projection of cases. Cheap to clone.
#[derive(Clone)]
pub struct CasesApp {
    pub(crate) platform: Platform,
    pub(crate) identity: IdentityApp,
    pub(crate) db: Db,
    /// Filings waiting to be written together (`intake::writer`).
    filings: Arc<intake::writer::FilingQueue>,
}

impl CasesApp {
    pub fn new(platform: Platform, identity: IdentityApp) -> CasesApp {
        CasesApp {
            db: platform.db.clone(),
            platform,
            identity,
            filings: Arc::new(intake::writer::filing_queue()),
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.platform.now()
    }

    pub(crate) fn config(&self) -> &ServiceConfig {
        self.platform.config()
    }

    /// The jurisdiction's chain of case events, checked from its first record
    /// (`civicdesk verify-audit`).
    pub async fn verify_event_chain(&self, jurisdiction_id: &str) -> Result<store::ChainReport> {
        Ok(store::events::verify_chain(&self.db, jurisdiction_id).await?)
    }
}
