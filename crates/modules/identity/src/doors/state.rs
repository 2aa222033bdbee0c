//! Identity's doors as the composition root plugs them in ([`IdentityDoors`], a
//! `webkit::module::ModuleDoors`), and the state of its routes ([`IdentityState`]).

use super::SignInState;
use crate::IdentityApp;
use platform::jobs::JobKind;
use platform::{ModuleDef, ModuleHandle, Platform, ServiceError};

use platform::personal_data::DataHolder;
use std::sync::Arc;
use webkit::module::{ModuleDoors, ModuleRoutes};
use webkit::page::nav::NavPart;
use webkit::{DoorState, Doors, Shared};

/// Identity's doors: its REST API and its pages.
#[derive(Clone)]
pub struct IdentityDoors {
    pub identity: IdentityApp,
    /// Every running module's holder of personal data (identity's own is always asked), for
    /// the citizen's "my data".
    pub holders: Vec<Arc<dyn DataHolder>>,
}

impl ModuleHandle for IdentityDoors {
    fn def(&self) -> &'static ModuleDef {
        self.identity.def()
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        self.identity.job_kinds()
    }
}

impl ModuleDoors for IdentityDoors {
    fn navigation(&self) -> NavPart {
        crate::pages::NAV
    }

    fn routes(&self, doors: &Doors) -> ModuleRoutes {
        let state = IdentityStateInner::with_holders(
            self.identity.clone(),
            doors.clone(),
            self.holders.clone(),
        );
        let (api, _) = crate::api::routes().split_for_parts();
        ModuleRoutes {
            api: api.with_state(state.clone()),
            pages: crate::pages::routes().with_state(state),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        crate::api::openapi()
    }
}

/// The state of identity's routes, shared (one reference count per request).
pub type IdentityState = Shared<IdentityStateInner>;

/// What identity's doors hold: the module, the platform, the HTTP settings and the other
/// modules' holders of personal data.
pub struct IdentityStateInner {
    pub platform: Platform,
    pub identity: IdentityApp,
    /// HTTP settings and the navigation.
    pub web: Doors,
    pub holders: Vec<Arc<dyn DataHolder>>,
}

impl IdentityStateInner {
    /// The state of routes that never gather a citizen's data (identity's own holder is
    /// always asked, so "my data" still shows what identity holds).
    pub fn shared(identity: IdentityApp, web: Doors) -> IdentityState {
        Self::with_holders(identity, web, Vec::new())
    }

    pub fn with_holders(
        identity: IdentityApp,
        web: Doors,
        holders: Vec<Arc<dyn DataHolder>>,
    ) -> IdentityState {
        Shared::new(IdentityStateInner {
            platform: identity.platform().clone(),
            identity,
            web,
            holders,
        })
    }
}

impl DoorState for IdentityStateInner {
    fn doors(&self) -> &Doors {
        &self.web
    }
}

impl SignInState for IdentityStateInner {
    fn identity(&self) -> &IdentityApp {
        &self.identity
    }
}

/// What a module's routes hold when they need only the module's handle, identity (who is
/// calling) and the shared doors: what a new module's door state starts as
/// ([`ModuleState`]).
pub struct ModuleStateInner<M> {
    pub module: M,
    pub identity: IdentityApp,
    pub web: Doors,
}

/// A module's door state, shared (one reference count per request).
pub type ModuleState<M> = Shared<ModuleStateInner<M>>;

impl<M> ModuleStateInner<M> {
    pub fn shared(module: M, identity: IdentityApp, web: Doors) -> ModuleState<M> {
        Shared::new(ModuleStateInner {
            module,
            identity,
            web,
        })
    }
}

impl<M: Send + Sync> DoorState for ModuleStateInner<M> {
    fn doors(&self) -> &Doors {
        &self.web
    }
}

impl<M: Send + Sync> SignInState for ModuleStateInner<M> {
    fn identity(&self) -> &IdentityApp {
        &self.identity
    }
}
