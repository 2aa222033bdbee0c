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

/// What every module shares: the database, the settings, the clock, the instance secret and the
/// catalogue cache; and the shared services over them (catalogue, audit trail, job queue,
/// notifications, webhooks, rate limits, reference data). Cheap to clone.
#[derive(Clone)]
pub struct Platform {
    pub db: Db,
    config: Arc<ServiceConfig>,
    /// The instance secret: signs form tokens and device cookies, keys case passwords.
    secret_key: Arc<Vec<u8>>,
    catalog: Arc<catalog_cache::CatalogCache>,
    /// What time it is (`domain::clock`); the system clock unless a test fixes it.
    clock: Arc<dyn domain::clock::Clock>,
}

impl Platform {
    /// Opens the platform over a migrated database.
    pub async fn new(db: Db, config: ServiceConfig) -> Result<Platform> {
        let key = store::settings::get_or_init(&db, "case_password_key", || {
            hex::encode(secrets::random_bytes::<32>())
        })
        .await?;
        let key =
            hex::decode(key).map_err(|_| ServiceError::Internal("case_password_key".into()))?;
        Ok(Platform {
            db,
            config: Arc::new(config),
            secret_key: Arc::new(key),
            catalog: Arc::default(),
            clock: Arc::new(domain::clock::SystemClock),
        })
    }

    /// Replaces the clock (tests fix it and move it on).
    pub fn with_clock(mut self, clock: Arc<dyn domain::clock::Clock>) -> Platform {
        self.clock = clock;
        self
    }

    /// The current time, in unix seconds, from the platform's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    pub(crate) fn secret_key(&self) -> &[u8] {
        &self.secret_key
    }
}

/// Accounts: sign-in, sessions, the second factor, access tokens, API clients and staff
/// administration. Cheap to clone.
#[derive(Clone)]
pub struct IdentityApp {
    pub(crate) platform: Platform,
    pub(crate) db: Db,
    session_policy: accounts::SessionPolicy,
}

impl IdentityApp {
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
}

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
            filings: Arc::default(),
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.platform.now()
    }

    pub(crate) fn config(&self) -> &ServiceConfig {
        self.platform.config()
    }
}

/// The modules of this build over one platform, as the composition root assembles them.
#[derive(Clone)]
pub struct Modules {
    pub platform: Platform,
    pub identity: IdentityApp,
    pub cases: CasesApp,
}

impl Modules {
    /// Opens the platform over a migrated database and the modules over it.
    pub async fn open(db: Db, config: ServiceConfig) -> Result<Modules> {
        Ok(Modules::over(Platform::new(db, config).await?))
    }

    /// The modules over `platform`, with default settings.
    pub fn over(platform: Platform) -> Modules {
        let identity = IdentityApp::new(platform.clone());
        let cases = CasesApp::new(platform.clone(), identity.clone());
        Modules {
            platform,
            identity,
            cases,
        }
    }

    /// Replaces the clock everywhere (tests fix it and move it on).
    pub fn with_clock(self, clock: Arc<dyn domain::clock::Clock>) -> Modules {
        let identity = self.identity.session_policy();
        let mut modules = Modules::over(self.platform.with_clock(clock));
        modules.identity = modules.identity.with_session_policy(identity);
        modules.cases.identity = modules.identity.clone();
        modules
    }

    /// Replaces the session lifetimes (tests use short ones).
    pub fn with_session_policy(mut self, policy: accounts::SessionPolicy) -> Modules {
        self.identity = self.identity.with_session_policy(policy);
        self.cases.identity = self.identity.clone();
        self
    }
}
