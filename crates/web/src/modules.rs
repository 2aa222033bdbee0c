//! The modules this build serves, as the composition root assembles them over one platform.

use platform::authz::Permissions;
use platform::{Db, Platform, ServiceConfig};
use std::sync::Arc;

use cases::CasesApp;
use identity::IdentityApp;

/// The permission table of this build: each compiled module's part (its permissions and the
/// roles that get them), assembled here once. It is constant data, not global state: the
/// platform carries it ([`Platform::with_permissions`]) and every actor built over the
/// platform reads its grants against it. A module added to the build adds its part here.
pub const PERMISSIONS: Permissions = Permissions::new(&[
    &platform::permissions::SET,
    &identity::permissions::SET,
    &cases::permissions::SET,
]);

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

    /// The modules over `platform`, with default settings and this build's permission table.
    pub fn over(platform: Platform) -> Modules {
        let platform = platform.with_permissions(PERMISSIONS);
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

#[cfg(test)]
mod tests {
    use super::PERMISSIONS;
    use platform::authz::Role;

    #[test]
    fn each_permission_is_declared_once_and_every_grant_names_a_declared_one() {
        assert_eq!(PERMISSIONS.check(), Ok(()));
    }

    #[test]
    fn every_role_and_permission_appears_in_the_table() {
        for role in Role::ALL {
            assert!(
                PERMISSIONS
                    .parts()
                    .iter()
                    .any(|part| part.grants.iter().any(|(r, _)| r == role)),
                "{role} is in no module's grants (list it, even with nothing, to say so)"
            );
        }
        for p in PERMISSIONS.all() {
            assert!(
                Role::ALL.iter().any(|r| PERMISSIONS.role_has(*r, p)),
                "{p} is granted to nobody"
            );
            assert_eq!(PERMISSIONS.parse(p.as_str()), Some(p));
        }
        // The codes are stored and shown: the table keeps every one it had.
        let codes: Vec<&str> = PERMISSIONS.all().map(|p| p.as_str()).collect();
        for code in [
            "view_staff",
            "manage_staff",
            "manage_security_policy",
            "manage_api_clients",
            "view_audit",
            "read_personal_data",
            "manage_notifications",
            "view_notification_log",
            "view_cases",
            "file_cases",
            "handle_calls",
            "dispatch_cases",
            "work_cases",
            "manage_case_rules",
            "manage_webhooks",
            "view_reports",
            "manage_knowledge",
        ] {
            assert!(codes.contains(&code), "{code} is no longer declared");
        }
        assert_eq!(codes.len(), 17);
    }
}
