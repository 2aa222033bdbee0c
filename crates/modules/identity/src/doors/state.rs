//! Identity's doors as the composition root plugs them in ([`IdentityDoors`], a
//! `webkit::module::ModuleDoors`), and the state of its routes ([`IdentityState`]).

use super::SignInState;
use crate::IdentityApp;
use platform::jobs::JobKind;
use platform::{ModuleDef, ModuleHandle, Platform, ServiceError};
use std::sync::Arc;
use webkit::module::{ModuleDoors, ModuleRoutes};
use webkit::page::nav::NavPart;
use webkit::{DoorState, Doors};

/// Identity's doors: its REST API and its pages.
#[derive(Clone)]
pub struct IdentityDoors {
    pub identity: IdentityApp,
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
        let state = IdentityState::new(self.identity.clone(), doors.clone());
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

/// The state of identity's routes. axum clones it for every request, so it is one reference
/// count ([`IdentityStateInner`] behind an `Arc`).
#[derive(Clone)]
pub struct IdentityState(Arc<IdentityStateInner>);

/// What identity's doors hold: the module, the platform and the HTTP settings.
pub struct IdentityStateInner {
    pub platform: Platform,
    pub identity: IdentityApp,
    /// HTTP settings and the navigation.
    pub web: Doors,
}

impl IdentityState {
    pub fn new(identity: IdentityApp, web: Doors) -> IdentityState {
        IdentityState(Arc::new(IdentityStateInner {
            platform: identity.platform().clone(),
            identity,
            web,
        }))
    }
}

impl std::ops::Deref for IdentityState {
    type Target = IdentityStateInner;

    fn deref(&self) -> &IdentityStateInner {
        &self.0
    }
}

impl DoorState for IdentityState {
    fn doors(&self) -> &Doors {
        &self.web
    }
}

impl SignInState for IdentityState {
    fn identity(&self) -> &IdentityApp {
        &self.identity
    }
}

/// The state of a module's routes when they need only the module's handle, identity (who is
/// calling) and the shared doors: what a new module's door state starts as. One reference
/// count per clone, as axum clones it for every request.
pub struct ModuleState<M>(Arc<(M, IdentityApp, Doors)>);

impl<M> ModuleState<M> {
    pub fn new(module: M, identity: IdentityApp, web: Doors) -> ModuleState<M> {
        ModuleState(Arc::new((module, identity, web)))
    }

    /// The module's handle.
    pub fn module(&self) -> &M {
        &self.0.0
    }
}

impl<M> Clone for ModuleState<M> {
    fn clone(&self) -> ModuleState<M> {
        ModuleState(Arc::clone(&self.0))
    }
}

impl<M: Send + Sync> DoorState for ModuleState<M> {
    fn doors(&self) -> &Doors {
        &self.0.2
    }
}

impl<M: Send + Sync> SignInState for ModuleState<M> {
    fn identity(&self) -> &IdentityApp {
        &self.0.1
    }
}
