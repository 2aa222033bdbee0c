//! The modules this build serves, as the composition root assembles them over one platform:
//! from the values each module exports ([`platform::ModuleDef`], listed in [`COMPILED`], and
//! its handle, a [`ModuleHandle`]) it migrates the database, installs the messages and builds
//! the job kinds, and assembles the permission table ([`PERMISSIONS`]). A new module adds its
//! definition to [`COMPILED`], its permissions to [`PERMISSIONS`] and its handle to
//! [`Modules`]; nothing in the base changes.

use platform::authz::Permissions;
use platform::jobs::JobKind;
use platform::{Db, ModuleDef, ModuleHandle, Platform, ServiceConfig, ServiceError};
use std::sync::Arc;
use store::StoreError;
use store::migrate::{MigrationReport, MigrationSet};
use tokio::sync::watch;

use cases::CasesApp;
use identity::IdentityApp;

/// Every module of this build, in the order their migrations run (a module's tables may refer
/// to those of the modules before it) and their messages are installed. Each is migrated and
/// its messages installed whether it runs or not (`[modules]`): a module switched off keeps
/// its tables.
pub const COMPILED: &[&ModuleDef] = &[&platform::MODULE, &identity::MODULE, &cases::MODULE];

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
    /// Every migration set of the modules of this build ([`COMPILED`]), in order.
    pub fn migration_sets() -> Vec<MigrationSet> {
        platform::module::migration_sets(COMPILED)
    }

    /// Applies every migration of every module of this build not yet applied; what
    /// `civicdesk migrate` does.
    pub async fn migrate(db: &Db) -> Result<MigrationReport, StoreError> {
        store::migrate::migrate_sets(db, &Modules::migration_sets()).await
    }

    /// Connects and applies every module's migrations; what a server does before it serves
    /// (see [`store::migrate::connect_and_migrate_sets`]).
    pub async fn connect_and_migrate(
        url: &str,
        max_connections: u32,
    ) -> Result<(Db, MigrationReport), StoreError> {
        store::migrate::connect_and_migrate_sets(url, max_connections, &Modules::migration_sets())
            .await
    }

    /// Adds the messages of every module of this build to the catalogue (`webkit::i18n`);
    /// installing them again changes nothing. [`Modules::over`] and the router builders do it,
    /// so it has happened before any request is served.
    pub fn install_locales() -> Result<(), webkit::i18n::CatalogueError> {
        webkit::i18n::install(&platform::module::locale_sources(COMPILED))
    }

    /// Opens the platform over a migrated database and the modules over it.
    pub async fn open(db: Db, config: ServiceConfig) -> platform::Result<Modules> {
        Ok(Modules::over(Platform::new(db, config).await?))
    }

    /// The modules over `platform`, with default settings and this build's permission table.
    pub fn over(platform: Platform) -> Modules {
        if let Err(e) = Modules::install_locales() {
            // The files are embedded and checked by the tests: a broken one is a build's bug,
            // and its messages show as their ids rather than stop the server.
            tracing::error!(error = %e, "a module's messages are not installed");
        }
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

    /// The handle of every module of this build, in [`COMPILED`]'s order.
    fn handles(&self) -> [&dyn ModuleHandle; 3] {
        [&self.platform, &self.identity, &self.cases]
    }

    /// The handles of the modules this instance runs (`[modules]`).
    pub fn running(&self) -> Vec<&dyn ModuleHandle> {
        let config = self.platform.config().modules;
        self.handles()
            .into_iter()
            .filter(|h| config.runs(h.def().module))
            .collect()
    }

    /// The job kinds of every module this instance runs, as this node's configuration
    /// builds them: what a worker loop serves. A module switched off runs no jobs.
    pub fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        let mut kinds = Vec::new();
        for module in self.running() {
            kinds.extend(module.job_kinds()?);
        }
        Ok(kinds)
    }

    /// Runs one job worker loop over every running module's kinds until `shutdown` turns
    /// true; a server spawns `jobs.workers` of them.
    pub async fn run_jobs(self, shutdown: watch::Receiver<bool>) {
        let kinds = self.job_kinds();
        platform::jobs::run_all(self.platform, kinds, shutdown).await
    }

    /// Runs every job of every running module's kinds that is due now (see
    /// [`platform::jobs::run_due`]); for tests and one-off runs.
    pub async fn run_due_jobs(&self) -> Result<usize, ServiceError> {
        platform::jobs::run_due(&self.platform, &self.job_kinds()?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Locale;
    use std::path::{Path, PathBuf};

    #[test]
    fn each_module_is_compiled_once_and_keys_its_own_migration_set() {
        let keys: Vec<&str> = COMPILED.iter().map(|m| m.module.key()).collect();
        assert_eq!(keys, ["platform", "identity", "cases"]);
        let sets = Modules::migration_sets();
        assert_eq!(sets[0].0, store::migrate::CORE, "the baseline runs first");
        for module in &COMPILED[1..] {
            assert!(
                module
                    .migrations
                    .iter()
                    .all(|(key, _)| *key == module.module.key()),
                "{:?} numbers its migrations under its own key",
                module.module
            );
        }
        let mut seen: Vec<&str> = sets.iter().map(|(k, _)| *k).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), sets.len(), "a set key is one module's");
        // A module's migration files exist in both backends (the sets list them).
        for (key, set) in &sets {
            for m in *set {
                assert!(
                    !m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty(),
                    "{key} {}",
                    m.version
                );
            }
        }
    }

    /// The module crates' job kind names are distinct, so the queue can tell them apart.
    #[test]
    fn job_kind_names_are_distinct() {
        let mut names: Vec<&str> = COMPILED
            .iter()
            .flat_map(|m| m.job_kinds.iter().copied())
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    fn ftl_files(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                ftl_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "ftl") {
                found.push(path);
            }
        }
    }

    /// Every message file in the workspace is installed (webkit's base or a module's part), and
    /// after installing every id of every part is found in its language.
    #[test]
    fn every_message_file_is_installed() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut on_disk = Vec::new();
        ftl_files(&crates, &mut on_disk);
        let installed: Vec<_> = webkit::i18n::BASE
            .iter()
            .copied()
            .chain(platform::module::locale_sources(COMPILED))
            .collect();
        let mut named: Vec<PathBuf> = installed
            .iter()
            .map(|p| crates.join(p.path.trim_start_matches("crates/")))
            .collect();
        named.sort();
        on_disk.sort();
        assert_eq!(named, on_disk, "the parts name every message file once");
        Modules::install_locales().expect("the parts merge");
        for part in &installed {
            assert_eq!(
                std::fs::read_to_string(crates.join(part.path.trim_start_matches("crates/")))
                    .unwrap(),
                part.ftl,
                "{} is the file it names",
                part.path
            );
            for id in webkit::i18n::ids(part.ftl) {
                assert!(webkit::i18n::has(part.locale, id), "{id} of {}", part.path);
            }
        }
        // A module's message, in both languages.
        assert_eq!(
            webkit::i18n::tr(Locale::En, "error-survey-used", &[]),
            "This survey was already answered. Thank you!"
        );
        assert!(webkit::i18n::has(Locale::ZhTw, "error-login-failed"));
    }
}

/// The permission table of the build.
#[cfg(test)]
mod permission_tests {
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
