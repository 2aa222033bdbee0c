//! What the cases module's doors (its REST API, Open311, its pages and media) hold: the
//! module and the handles it works with, the HTTP settings every door reads, the Open311
//! micro-cache and the upload slots. The composition root builds one [`CasesState`] and gives
//! it to this module's routers.

pub mod media;

use crate::CasesApp;
use crate::open311::microcache::MicroCache;
use crate::uploads::Uploads;
use identity::IdentityApp;
use identity::doors::SignInState;
use platform::Platform;
use std::sync::Arc;
use webkit::{DoorState, Doors};

/// The state of the cases module's routes.
#[derive(Clone)]
pub struct CasesState {
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

impl DoorState for CasesState {
    fn doors(&self) -> &Doors {
        &self.web
    }
}

impl SignInState for CasesState {
    fn identity(&self) -> &IdentityApp {
        &self.identity
    }
}
