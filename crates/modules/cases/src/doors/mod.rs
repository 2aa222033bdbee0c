//! The cases module's doors (its REST API, Open311, its pages and media) as the composition
//! root plugs them in ([`CasesDoors`], a `webkit::module::ModuleDoors`), and what they hold
//! ([`CasesState`]): the module and the handles it works with, the HTTP settings every door
//! reads, the Open311 micro-cache and the upload slots.

pub mod media;

use crate::CasesApp;
use crate::open311::microcache::MicroCache;
use crate::uploads::Uploads;
use axum::http::Method;
use identity::IdentityApp;
use identity::doors::SignInState;
use platform::jobs::JobKind;
use platform::{ModuleDef, ModuleHandle, Platform, ServiceError};
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{Any, CorsLayer};
use webkit::module::{ModuleDoors, ModuleRoutes};
use webkit::page::nav::NavPart;
use webkit::{DoorState, Doors, Shared};

/// The settings of the hotline's doors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorSettings {
    /// How long a public Open311 list may be answered from memory (`open311::microcache`);
    /// zero turns the cache off.
    pub open311_cache: Duration,
    /// The most bytes of answers that cache keeps.
    pub open311_cache_bytes: usize,
    /// Requests that may stream photos to disk at once, and that may have them in memory at
    /// once (`uploads`).
    pub upload_slots: (usize, usize),
}

/// The hotline's doors: the module and the settings of its doors.
#[derive(Clone)]
pub struct CasesDoors {
    pub cases: CasesApp,
    pub settings: DoorSettings,
}

impl ModuleHandle for CasesDoors {
    fn def(&self) -> &'static ModuleDef {
        self.cases.def()
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        self.cases.job_kinds()
    }
}

impl ModuleDoors for CasesDoors {
    fn navigation(&self) -> NavPart {
        crate::pages::NAV
    }

    /// The citizen's home page: report a problem, track a case.
    fn serves_home(&self) -> bool {
        true
    }

    /// The desk's paths that carry a caller's phone number.
    fn private_paths(&self) -> &'static [webkit::module::PrivatePath] {
        crate::api::desk::PRIVATE_PATHS
    }

    /// The case API; Open311 (readable from any origin), media and the pages.
    fn routes(&self, doors: &Doors) -> ModuleRoutes {
        let platform = self.cases.platform.clone();
        let settings = self.settings;
        let state = Shared::new(CasesStateInner {
            identity: self.cases.identity.clone(),
            cases: self.cases.clone(),
            web: doors.clone(),
            open311_cache: Arc::new(MicroCache::new(
                settings.open311_cache,
                settings.open311_cache_bytes,
            )),
            uploads: Uploads::new(
                platform.config().media_dir.clone(),
                settings.upload_slots.0,
                settings.upload_slots.1,
            ),
            platform,
        });
        let (api, _) = crate::api::routes().split_for_parts();
        let open311 = crate::open311::router().layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD])
                .max_age(Duration::from_secs(3600)),
        );
        ModuleRoutes {
            api: api.with_state(state.clone()),
            pages: open311
                .merge(media::router())
                .merge(crate::pages::routes())
                .with_state(state),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        crate::api::openapi()
    }
}

/// The state of the cases module's routes, shared (one reference count per request).
pub type CasesState = Shared<CasesStateInner>;

/// What the cases module's routes hold.
pub struct CasesStateInner {
    pub platform: Platform,
    pub identity: IdentityApp,
    pub cases: CasesApp,
    /// HTTP settings and the navigation.
    pub web: Doors,
    /// Public Open311 lists answered from memory (`open311::microcache`).
    pub open311_cache: Arc<MicroCache>,
    /// Slots for receiving and processing photo uploads (`uploads`).
    pub uploads: Uploads,
}

impl DoorState for CasesStateInner {
    fn doors(&self) -> &Doors {
        &self.web
    }
}

impl SignInState for CasesStateInner {
    fn identity(&self) -> &IdentityApp {
        &self.identity
    }
}
