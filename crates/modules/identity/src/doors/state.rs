//! The state of identity's own routes (its REST API and pages).

use super::SignInState;
use crate::IdentityApp;
use platform::Platform;
use webkit::{DoorState, Doors};

/// What identity's doors hold: the module, the platform and the HTTP settings.
#[derive(Clone)]
pub struct IdentityState {
    pub platform: Platform,
    pub identity: IdentityApp,
    /// HTTP settings and the navigation.
    pub web: Doors,
}

impl IdentityState {
    pub fn new(identity: IdentityApp, web: Doors) -> IdentityState {
        IdentityState {
            platform: identity.platform().clone(),
            identity,
            web,
        }
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
