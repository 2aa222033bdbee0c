//! The use cases of civicdesk. Each operation takes who is acting and validated input, checks
//! the domain rules, and writes everything it changes (case row, events) in one transaction.
//! The Open311 layer, the REST API and the web UI all call these functions, so a case filed by
//! phone, web or Open311 is the same case.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod authz;
pub mod casework;
pub mod catalog;
pub mod catalog_admin;
pub mod catalog_cache;
pub mod demo;
pub mod desk;
mod error;
mod http_client;
pub mod import;
pub mod intake;
pub mod jobs;
pub mod knowledge;
pub mod media;
pub mod notify;
mod passwords;
pub mod public;
pub mod queries;
pub mod rate_limit;
pub mod reference;
pub mod reports;
pub mod secrets;
pub mod signing;
pub mod updates;
pub mod webhooks;

pub use error::ServiceError;
pub use store::{Backend, Db};

use std::path::PathBuf;
use std::sync::Arc;

pub type Result<T> = std::result::Result<T, ServiceError>;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The public base URL, e.g. `https://1999.example.gov.tw`, used in media links and discovery.
    pub public_url: String,
    /// Where uploaded media are stored.
    pub media_dir: PathBuf,
    /// The jurisdiction that answers a bare `/open311/v2/` when a request names none.
    pub default_jurisdiction: Option<String>,
    /// The size in metres of the grid cells whose centre is published instead of a case's
    /// own point ([`domain::geo::PublicGrid`]).
    pub public_grid_m: f64,
    /// Notification delivery: transports, caps, retries.
    pub notify: notify::NotifyConfig,
    /// Webhook delivery: retries, which targets are allowed.
    pub webhooks: webhooks::WebhookConfig,
    /// The job workers of this node (every kind: notifications, webhooks).
    pub jobs: jobs::JobsConfig,
    /// How many cases an Open311 client may file per hour.
    pub filing_limits: rate_limit::FilingLimits,
}

/// The handle every interface uses. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    config: Arc<ServiceConfig>,
    case_password_key: Arc<Vec<u8>>,
    session_policy: accounts::SessionPolicy,
    catalog: Arc<catalog_cache::CatalogCache>,
    /// Filings waiting to be written together (`intake::writer`).
    filings: Arc<intake::writer::FilingQueue>,
    /// What time it is (`domain::clock`); the system clock unless a test fixes it.
    clock: Arc<dyn domain::clock::Clock>,
}

impl Services {
    /// Opens the services over a migrated database.
    pub async fn new(db: Db, config: ServiceConfig) -> Result<Services> {
        let key = store::settings::get_or_init(&db, "case_password_key", || {
            hex::encode(secrets::random_bytes::<32>())
        })
        .await?;
        let key =
            hex::decode(key).map_err(|_| ServiceError::Internal("case_password_key".into()))?;
        Ok(Services {
            db,
            config: Arc::new(config),
            case_password_key: Arc::new(key),
            session_policy: accounts::SessionPolicy::default(),
            catalog: Arc::default(),
            filings: Arc::default(),
            clock: Arc::new(domain::clock::SystemClock),
        })
    }

    /// Replaces the clock (tests fix it and move it on).
    pub fn with_clock(mut self, clock: Arc<dyn domain::clock::Clock>) -> Services {
        self.clock = clock;
        self
    }

    /// The current time, in unix seconds, from the services' clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Replaces the session lifetimes (tests use short ones).
    pub fn with_session_policy(mut self, policy: accounts::SessionPolicy) -> Services {
        self.session_policy = policy;
        self
    }

    pub fn session_policy(&self) -> accounts::SessionPolicy {
        self.session_policy
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }
}
