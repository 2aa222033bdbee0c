//! The modules this build serves, as the composition root assembles them over one platform.

use platform::{Db, Platform, ServiceConfig};
use std::sync::Arc;

use cases::CasesApp;
use identity::IdentityApp;

/// The modules of this build over one platform, as the composition root assembles them.
#[derive(Clone)]
pub struct Modules {
    pub platform: Platform,
    pub identity: IdentityApp,
    pub cases: CasesApp,
}

impl Modules {
    /// Opens the platform over a migrated database and the modules over it.
    pub async fn open(db: Db, config: ServiceConfig) -> platform::Result<Modules> {
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
        let policy = self.identity.session_policy();
        Modules::over(self.platform.with_clock(clock)).with_session_policy(policy)
    }

    /// Replaces the session lifetimes (tests use short ones).
    pub fn with_session_policy(self, policy: identity::accounts::SessionPolicy) -> Modules {
        let identity = self.identity.with_session_policy(policy);
        let cases = CasesApp::new(self.platform.clone(), identity.clone());
        Modules {
            platform: self.platform,
            identity,
            cases,
        }
    }
}
