//! The module's use cases, its only public API. The catalogue and its forms ([`catalogue`]),
//! a citizen's applications ([`apply`]), the clerk's review ([`review`]), fees through the
//! payments module ([`fees`]). Every change to an application goes through
//! [`CounterApp::step`]: the lifecycle decides, and the row (guarded by the version read) and
//! its hash-chained event are written in one transaction.

pub mod apply;
pub mod bookings;
pub mod catalogue;
mod change;
pub mod device;
mod device_events;
pub mod fees;
pub mod issue;
pub mod jobs;
pub mod lockers;
pub mod pickup;
pub mod reconcile;
pub mod review;
pub mod verify;

use crate::domain::application::State;
use crate::domain::catalogue::{Catalogue, Office, Service};
use crate::domain::forms::Form;
use crate::domain::reservations::Rules;
use crate::store;
use domain::Message;
use domain::catalog::Jurisdiction;
use identity::IdentityApp;
use payments::PaymentsApp;
use platform::{Platform, ServiceError};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use store::documents::Document;
pub use store::events::Event as ApplicationEvent;

pub type Result<T> = std::result::Result<T, ServiceError>;

/// The longest correction request or rejection reason, in characters.
pub const MAX_NOTE: usize = 1_000;
/// The largest uploaded document.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;
/// The most documents one application may hold.
pub const MAX_DOCUMENTS: usize = 10;

/// An application, as its row holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: String,
    pub jurisdiction_id: String,
    pub number: String,
    pub service_code: String,
    pub office_code: String,
    pub applicant_id: String,
    pub form_key: String,
    pub form_version: i64,
    pub answers: BTreeMap<String, String>,
    pub consent_version: Option<i64>,
    pub consented_at: Option<i64>,
    pub state: State,
    pub version: i64,
    pub pickup: String,
    pub copies: i64,
    pub fee: i64,
    pub payment_id: Option<String>,
    pub paid_at: Option<i64>,
    pub due_at: Option<i64>,
    pub correction: Option<String>,
    pub reason: Option<String>,
    pub place: Option<String>,
    pub door_id: Option<String>,
    pub picked_up_by: Option<String>,
    pub picked_up_how: Option<String>,
    pub picked_up_where: Option<String>,
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub issued_at: Option<i64>,
    pub picked_up_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Application {
    /// Whether the fee is settled (nothing to pay, or paid).
    pub fn fee_settled(&self) -> bool {
        self.fee == 0 || self.paid_at.is_some()
    }
}

/// A jurisdiction's catalogue in force: the counter's part of its catalogue snapshot, read
/// once per snapshot (an edit calls `Platform::catalog_changed`).
#[derive(Debug, Clone)]
pub struct CatalogueInForce {
    pub offices: Vec<(Office, Rules)>,
    pub services: Vec<Service>,
    /// The latest version of every form.
    pub forms: Vec<(Form, i64)>,
}

impl CatalogueInForce {
    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    pub fn office(&self, code: &str) -> Option<&(Office, Rules)> {
        self.offices.iter().find(|(o, _)| o.code == code)
    }

    /// A form's latest version and its number.
    pub fn form(&self, key: &str) -> Option<&(Form, i64)> {
        self.forms.iter().find(|(f, _)| f.key == key)
    }
}

/// The module's use cases. Cheap to clone (one shared [`CounterState`]).
#[derive(Clone)]
pub struct CounterApp(Arc<CounterState>);

impl std::ops::Deref for CounterApp {
    type Target = CounterState;

    fn deref(&self) -> &CounterState {
        &self.0
    }
}

/// What every clone of a [`CounterApp`] shares. The payments module's listener holds it weakly
/// ([`fees::FeeListener`]): the counter holds payments, so a strong hold back would keep both,
/// and their database pool, alive for ever.
pub struct CounterState {
    pub(crate) platform: Platform,
    pub(crate) identity: IdentityApp,
    pub(crate) payments: PaymentsApp,
    /// The catalogue and calendar in force per jurisdiction, kept here so that code holding a
    /// transaction never waits on the database to read them (see [`CounterApp::catalogue`]).
    kept: Arc<std::sync::Mutex<std::collections::HashMap<String, Kept>>>,
    /// Kiosks' verifications waiting to be written together (SQLite; see [`verify`]).
    verifications: Arc<verify::VerifyQueue>,
    /// Devices that signed lately, with their sites ([`verify::KEEP_DEVICE`]).
    devices: std::sync::Mutex<KeptDevices>,
}

/// Devices by id, each with its site and when they were read.
type KeptDevices = std::collections::HashMap<
    String,
    (
        store::lockers::Device,
        store::lockers::Site,
        std::time::Instant,
    ),
>;

/// What [`CounterApp::catalogue`] keeps of a jurisdiction.
#[derive(Clone)]
struct Kept {
    catalogue: Arc<CatalogueInForce>,
    calendar: Arc<domain::calendar::BusinessCalendar>,
    read_at: std::time::Instant,
    refreshing: bool,
}

/// How long a kept catalogue is used before it is read again (in the background).
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(30);

pub(crate) fn not_found() -> ServiceError {
    ServiceError::NotFound(Message::new("counter-error-application-unknown"))
}

pub(crate) fn unknown_service() -> ServiceError {
    ServiceError::NotFound(Message::new("counter-error-service-unknown"))
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl CounterApp {
    pub fn new(platform: Platform, identity: IdentityApp, payments: PaymentsApp) -> CounterApp {
        CounterApp(Arc::new(CounterState {
            platform,
            identity,
            payments,
            kept: Arc::default(),
            verifications: Arc::new(verify::verify_queue()),
            devices: Default::default(),
        }))
    }

    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    pub(crate) fn now(&self) -> i64 {
        self.platform.now()
    }

    pub(crate) async fn jurisdiction(&self, id: &str) -> Result<Jurisdiction> {
        self.platform.jurisdiction(id).await
    }

    /// The catalogue in force in a jurisdiction. A jurisdiction without one is given the
    /// shipped catalogue (Taitung County's) the first time it is read, so a new instance
    /// offers real services; administrators change it from there.
    ///
    /// It is kept per jurisdiction and, once older than [`KEEP_FOR`], read again in the
    /// background while the kept one is still answered: code holding a transaction reads the
    /// catalogue (names, processing days) and must never wait for a pooled connection, which on
    /// PostgreSQL may all be held by transactions doing the same.
    pub async fn catalogue(&self, jurisdiction_id: &str) -> Result<Arc<CatalogueInForce>> {
        Ok(self.kept(jurisdiction_id).await?.catalogue)
    }

    async fn kept(&self, jurisdiction_id: &str) -> Result<Kept> {
        let found = self.kept_lock().get(jurisdiction_id).cloned();
        if let Some(k) = found {
            if k.read_at.elapsed() > KEEP_FOR && !k.refreshing {
                self.refresh_in_background(jurisdiction_id);
            }
            return Ok(k);
        }
        let k = self.read_kept(jurisdiction_id).await?;
        self.kept_lock()
            .insert(jurisdiction_id.to_string(), k.clone());
        Ok(k)
    }

    fn kept_lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Kept>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refresh_in_background(&self, jurisdiction_id: &str) {
        if let Some(k) = self.kept_lock().get_mut(jurisdiction_id) {
            k.refreshing = true;
        }
        let me = self.clone();
        let j = jurisdiction_id.to_string();
        tokio::spawn(async move {
            match me.read_kept(&j).await {
                Ok(k) => {
                    me.kept_lock().insert(j, k);
                }
                Err(e) => {
                    tracing::warn!(error = %e, jurisdiction = %j, "the counter's catalogue could not be read again");
                    if let Some(k) = me.kept_lock().get_mut(&j) {
                        k.refreshing = false;
                    }
                }
            }
        });
    }

    async fn read_kept(&self, jurisdiction_id: &str) -> Result<Kept> {
        let j = self.jurisdiction(jurisdiction_id).await?;
        let snapshot = self.platform.snapshot_of(&j).await?;
        let catalogue = snapshot
            .part(|| self.load_catalogue(jurisdiction_id))
            .await?;
        Ok(Kept {
            catalogue,
            calendar: Arc::new(snapshot.calendar.clone()),
            read_at: std::time::Instant::now(),
            refreshing: false,
        })
    }

    /// Whether nothing is kept yet (a node just started).
    pub(crate) fn nothing_kept(&self) -> bool {
        self.kept_lock().is_empty()
    }

    /// Forgets what is kept (after an administrator's change, once committed).
    pub(crate) fn catalogue_changed(&self) {
        self.kept_lock().clear();
        self.platform.catalog_changed();
    }

    async fn load_catalogue(&self, jurisdiction_id: &str) -> Result<CatalogueInForce> {
        let db = &self.platform.db;
        if store::catalogue::service_count(db, jurisdiction_id).await? == 0 {
            let shipped = Catalogue::taitung()
                .map_err(|e| ServiceError::Internal(format!("the shipped catalogue: {e}")))?;
            self.install(jurisdiction_id, &shipped, "civicdesk").await?;
        }
        Ok(CatalogueInForce {
            offices: store::catalogue::offices(db, jurisdiction_id).await?,
            services: store::catalogue::services(db, jurisdiction_id).await?,
            forms: store::catalogue::latest_forms(db, jurisdiction_id).await?,
        })
    }

    /// The business calendar of a jurisdiction (the hotline's, with its closures).
    pub(crate) async fn calendar(
        &self,
        jurisdiction_id: &str,
    ) -> Result<domain::calendar::BusinessCalendar> {
        Ok((*self.kept(jurisdiction_id).await?.calendar).clone())
    }

    /// The business calendar of a jurisdiction, for pages that show dates and slots.
    pub async fn calendar_of(
        &self,
        jurisdiction_id: &str,
    ) -> Result<domain::calendar::BusinessCalendar> {
        self.calendar(jurisdiction_id).await
    }

    /// Recomputes the application event chain of a jurisdiction.
    pub async fn verify_event_chain(
        &self,
        jurisdiction_id: &str,
    ) -> Result<store::events::ChainReport> {
        Ok(store::events::verify_chain(&self.platform.db, jurisdiction_id).await?)
    }
}
