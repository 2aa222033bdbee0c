//! What every module of civicdesk shares: the [`Platform`] handle (database, settings, clock,
//! instance secret, catalogue cache) and the services over it that two or more modules use:
//! authorisation (`authz`, with the registry the modules' permissions are assembled in, and
//! the platform's own permissions in `permissions`), the audit trail, the catalogue, one job queue (`jobs`),
//! notifications, webhooks, signing, rate limits and reference data. Nothing here knows a
//! module; modules (`crates/modules/*`) hold a `Platform` and add their use cases, and each
//! describes itself to the composition root with a [`ModuleDef`] (`module`).

pub mod audit;
pub mod authz;
pub mod catalog;
pub mod catalog_admin;
pub mod catalog_cache;
mod error;
pub mod group_commit;
pub mod http_client;
pub mod jobs;
pub mod login;
pub mod maps;
pub mod module;
pub mod notify;
pub mod payment_providers;
pub mod permissions;
pub mod personal_data;
pub mod rate_limit;
pub mod reference;
pub mod secrets;
pub mod signing;
pub mod submissions;
pub mod webhooks;
pub mod zip;

pub use error::ServiceError;
pub use jobs::JobKindDef;
pub use module::{LocaleSource, MODULE, ModuleDef, ModuleHandle};
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
    /// Which modules this instance runs.
    pub modules: ModulesConfig,
    /// The boundaries maps are drawn on and points located in, per jurisdiction.
    pub maps: maps::MapsConfig,
    /// The staff roles that need a second factor unless a jurisdiction's policy says
    /// otherwise ([`ServiceConfig::SECOND_FACTOR_ROLES`]: administrators and supervisors).
    pub second_factor_roles: Vec<authz::Role>,
    /// The city identity providers people may sign in through, per jurisdiction.
    pub login_providers: Vec<login::LoginProvider>,
    /// Retention periods a city set, in days by key (`personal_data::Retention::key`);
    /// the modules' defaults otherwise.
    pub retention: std::collections::BTreeMap<String, u32>,
    /// Hours to report a personal-data breach to the authority and tell the people affected
    /// (the draft rules of 2026 say 72; one report said 24).
    pub breach_report_hours: u32,
    /// The city's registration at the national MyData platform, if it has one.
    pub mydata: Option<login::MyDataService>,
    /// The payment services the city takes payments through (`[payments]`).
    pub payments: payment_providers::PaymentProviders,
    /// How long an issued document waits at a Smart Desk, then at the counter (`[smart_desk]`).
    pub pickup: PickupTimes,
}

/// How long an issued document waits for its holder: in a Smart Desk locker (i郵箱's practice:
/// 3 days), then at the counter before it goes back to the issuing office (14 days, an
/// assumption).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickupTimes {
    pub locker_seconds: i64,
    pub counter_seconds: i64,
}

impl Default for PickupTimes {
    fn default() -> Self {
        PickupTimes {
            locker_seconds: 3 * 86_400,
            counter_seconds: 14 * 86_400,
        }
    }
}

/// Which modules an instance runs: every module of the build except those switched off in
/// `[modules]`. Only a module whose definition says so ([`ModuleDef::switchable`]) may be
/// switched off; the platform and identity (sign-in, staff) always run. A module switched off
/// serves no route, shows no menu entry and runs no background work, while its tables stay
/// (switching it on again finds them as they were).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModulesConfig {
    /// The keys of the modules switched off.
    off: std::collections::BTreeSet<String>,
}

/// A module's name: the key of its migration set, its switch in `[modules]` and what its
/// menus and job kinds are filed under. Each module crate declares its own
/// (`module::PLATFORM`, `identity::MODULE.module`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Module(&'static str);

impl Module {
    /// A module named `key`: lower-case ASCII letters, as `[modules]` spells it.
    pub const fn new(key: &'static str) -> Module {
        Module(key)
    }

    /// The module's key: the key of its migration set and its name in `[modules]`.
    pub const fn key(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl ModulesConfig {
    /// Whether `module` runs on this instance.
    pub fn runs(&self, module: Module) -> bool {
        !self.off.contains(module.key())
    }

    /// Switches `module` on or off (whether it may be switched off is checked where the
    /// settings are read, against the build's modules).
    pub fn set(&mut self, module: &str, on: bool) {
        if on {
            self.off.remove(module);
        } else {
            self.off.insert(module.to_string());
        }
    }

    /// The keys of the modules switched off, in order.
    pub fn switched_off(&self) -> impl Iterator<Item = &str> {
        self.off.iter().map(String::as_str)
    }
}

impl ServiceConfig {
    /// The roles that hold the most power over other people's data and the platform: they
    /// sign in with a second factor unless their jurisdiction's policy turns it off.
    pub const SECOND_FACTOR_ROLES: [authz::Role; 2] =
        [authz::Role::JurisdictionAdmin, authz::Role::Supervisor];

    /// The public base URL without a trailing slash, ready for `{base}/path`.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
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
    /// The modules of the build this platform serves: the actors built over it read their
    /// grants against their permission table, and the job queue's admin view reads who
    /// administers each kind of job from their job kinds. The platform's own until the
    /// composition root names the build ([`Platform::with_modules`]).
    build: &'static [&'static ModuleDef],
}

/// The platform's own build, until the composition root names its modules.
const ALONE: &[&ModuleDef] = &[&MODULE];

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
            build: ALONE,
        })
    }

    /// Replaces the clock (tests fix it and move it on).
    pub fn with_clock(mut self, clock: Arc<dyn domain::clock::Clock>) -> Platform {
        self.clock = clock;
        self
    }

    /// Names the modules of the build (`web::COMPILED`): their permission table and their
    /// job kinds are what this platform's actors and job queue read.
    pub fn with_modules(mut self, build: &'static [&'static ModuleDef]) -> Platform {
        self.build = build;
        self
    }

    /// The modules of the build, in the order they migrate.
    pub fn build(&self) -> &'static [&'static ModuleDef] {
        self.build
    }

    /// The permission table: what an actor's grants are read against when it is built.
    pub fn permissions(&self) -> authz::Permissions {
        authz::Permissions::of_modules(self.build)
    }

    /// The declaration of the job kind stored as `name`, if a module of the build has it.
    pub fn job_kind(&self, name: &str) -> Option<&'static JobKindDef> {
        self.build
            .iter()
            .flat_map(|m| m.job_kinds.iter())
            .find(|k| k.name == name)
    }

    /// Every purpose the modules of the build use personal data for, in build order.
    pub fn purposes(&self) -> impl Iterator<Item = &'static personal_data::Purpose> {
        self.build.iter().flat_map(|m| m.purposes.iter())
    }

    /// The purpose declared as `code`, if a module of the build has it.
    pub fn purpose(&self, code: &str) -> Option<&'static personal_data::Purpose> {
        self.purposes().find(|p| p.code == code)
    }

    /// How many days the data `rule` covers is kept: the city's period, or the module's.
    pub fn retention_days(&self, rule: &personal_data::Retention) -> u32 {
        self.config()
            .retention
            .get(rule.key)
            .copied()
            .unwrap_or(rule.default_days)
    }

    /// The current time, in unix seconds, from the platform's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// The instance secret (keys case passwords; signs form tokens and device cookies).
    pub fn secret_key(&self) -> &[u8] {
        &self.secret_key
    }
}
