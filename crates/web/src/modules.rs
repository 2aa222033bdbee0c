//! The modules this build serves, as the composition root assembles them over one platform.
//! A [`Build`] lists every module's definition ([`platform::ModuleDef`]) and how to make the
//! handles of the modules added through their doors alone ([`AddModule`]); from those values
//! it migrates the database, installs the messages and assembles the permission table, and
//! [`Modules`] builds the job kinds and (in `router_with_pages`) the routes. The binary's
//! build is [`BUILD`]; a new module is one more definition and one more adder in it, and
//! nothing in the base changes (see "How to add a module" in docs/ARCHITECTURE.md).

use platform::jobs::JobKind;
use platform::{Db, ModuleDef, ModuleHandle, Platform, ServiceConfig, ServiceError};
use std::sync::Arc;
use store::StoreError;
use store::migrate::{MigrationReport, MigrationSet};
use tokio::sync::watch;
use webkit::module::ModuleDoors;

use cases::CasesApp;
use counter::CounterApp;
use identity::IdentityApp;
use payments::PaymentsApp;

/// Every module of this build, in the order their migrations run (a module's tables may refer
/// to those of the modules before it) and their messages are installed. Each is migrated and
/// its messages installed whether it runs or not (`[modules]`): a module switched off keeps
/// its tables.
pub const COMPILED: &[&ModuleDef] = &[
    &platform::MODULE,
    &identity::MODULE,
    &cases::MODULE,
    &payments::MODULE,
    &counter::MODULE,
];

/// The binary's build.
pub const BUILD: Build = Build {
    modules: COMPILED,
    added: &[],
};

/// Makes the handle of a module added through its doors, over the modules before it (its
/// use cases may call theirs).
pub type AddModule = fn(&Modules) -> Arc<dyn ModuleDoors>;

/// What a binary compiles: every module's definition, and the adders of the modules that come
/// in through their doors alone (the platform, identity and the hotline are assembled by
/// name: [`Modules`] has a field for each).
#[derive(Clone, Copy)]
pub struct Build {
    /// Every module's definition, in migration order; the added ones' too.
    pub modules: &'static [&'static ModuleDef],
    /// How to make the handle of each added module, in order.
    pub added: &'static [AddModule],
}

impl Build {
    /// Every migration set of the build, in order.
    pub fn migration_sets(&self) -> Vec<MigrationSet> {
        platform::module::migration_sets(self.modules)
    }

    /// Applies every migration of every module of the build not yet applied; what
    /// `civicdesk migrate` does.
    pub async fn migrate(&self, db: &Db) -> Result<MigrationReport, StoreError> {
        store::migrate::migrate_sets(db, &self.migration_sets()).await
    }

    /// Connects and applies every module's migrations; what a server does before it serves
    /// (see [`store::migrate::connect_and_migrate_sets`]).
    pub async fn connect_and_migrate(
        &self,
        url: &str,
        max_connections: u32,
    ) -> Result<(Db, MigrationReport), StoreError> {
        store::migrate::connect_and_migrate_sets(url, max_connections, &self.migration_sets()).await
    }

    /// Adds the messages of every module of the build to the catalogue (`webkit::i18n`);
    /// installing them again changes nothing.
    pub fn install_locales(&self) -> Result<(), webkit::i18n::CatalogueError> {
        webkit::i18n::install(&platform::module::locale_sources(self.modules))
    }

    /// The definition of the module named `key`.
    pub fn module(&self, key: &str) -> Option<&'static ModuleDef> {
        self.modules.iter().copied().find(|m| m.module.key() == key)
    }

    /// Opens the platform over a migrated database and the build's modules over it.
    pub async fn open(self, db: Db, config: ServiceConfig) -> platform::Result<Modules> {
        Ok(self.over(Platform::new(db, config).await?))
    }

    /// The build's modules over `platform`, with default settings.
    pub fn over(self, platform: Platform) -> Modules {
        if let Err(e) = self.install_locales() {
            // The files are embedded and checked by the tests: a broken one is a build's bug,
            // and its messages show as their ids rather than stop the server.
            tracing::error!(error = %e, "a module's messages are not installed");
        }
        let platform = platform.with_modules(self.modules);
        let identity = IdentityApp::new(platform.clone());
        Modules::assemble(self, platform, identity)
    }
}

/// The modules of a build over one platform, as the composition root assembles them.
#[derive(Clone)]
pub struct Modules {
    pub platform: Platform,
    pub identity: IdentityApp,
    pub cases: CasesApp,
    /// Payments: every paying part asks it (`* -> payments`).
    pub payments: PaymentsApp,
    /// The counter: online services with Smart Desk pickup (it asks payments for fees).
    pub counter: CounterApp,
    /// The modules added through their doors ([`Build::added`]), in order.
    pub added: Vec<Arc<dyn ModuleDoors>>,
    build: Build,
}

impl Modules {
    /// Every migration set of the modules of the binary's build ([`BUILD`]), in order.
    pub fn migration_sets() -> Vec<MigrationSet> {
        BUILD.migration_sets()
    }

    /// [`Build::migrate`] of the binary's build.
    pub async fn migrate(db: &Db) -> Result<MigrationReport, StoreError> {
        BUILD.migrate(db).await
    }

    /// [`Build::connect_and_migrate`] of the binary's build.
    pub async fn connect_and_migrate(
        url: &str,
        max_connections: u32,
    ) -> Result<(Db, MigrationReport), StoreError> {
        BUILD.connect_and_migrate(url, max_connections).await
    }

    /// [`Build::install_locales`] of the binary's build.
    pub fn install_locales() -> Result<(), webkit::i18n::CatalogueError> {
        BUILD.install_locales()
    }

    /// Opens the platform over a migrated database and the binary's modules over it.
    pub async fn open(db: Db, config: ServiceConfig) -> platform::Result<Modules> {
        BUILD.open(db, config).await
    }

    /// The binary's modules over `platform`.
    pub fn over(platform: Platform) -> Modules {
        BUILD.over(platform)
    }

    /// The modules over `platform` and `identity`: the hotline, then each added module over
    /// the ones before it.
    fn assemble(build: Build, platform: Platform, identity: IdentityApp) -> Modules {
        let cases = CasesApp::new(platform.clone(), identity.clone());
        // The counter hears its fees settle; the listener is given the counter once both exist.
        let fees = counter::FeeListener::new();
        let payments = PaymentsApp::new(platform.clone(), identity.clone())
            .with_listener(Arc::new(fees.clone()));
        let counter = CounterApp::new(platform.clone(), identity.clone(), payments.clone());
        fees.attach(&counter);
        let mut modules = Modules {
            platform,
            identity,
            cases,
            payments,
            counter,
            added: Vec::with_capacity(build.added.len()),
            build,
        };
        for add in build.added {
            let module = add(&modules);
            assert!(
                build
                    .modules
                    .iter()
                    .any(|m| m.module == module.def().module),
                "the build lists the definition of every module it adds ({})",
                module.def().module
            );
            modules.added.push(module);
        }
        modules
    }

    /// The build these modules come from.
    pub fn build(&self) -> Build {
        self.build
    }

    /// Replaces the clock everywhere (tests fix it and move it on).
    pub fn with_clock(self, clock: Arc<dyn domain::clock::Clock>) -> Modules {
        let policy = self.identity.session_policy();
        self.build
            .over(self.platform.with_clock(clock))
            .with_session_policy(policy)
    }

    /// Replaces the session lifetimes (tests use short ones).
    pub fn with_session_policy(self, policy: identity::accounts::SessionPolicy) -> Modules {
        let identity = self.identity.with_session_policy(policy);
        Modules::assemble(self.build, self.platform, identity)
    }

    /// Whether the instance runs `module`: a module that may not be switched off always runs.
    pub fn runs(&self, module: &ModuleDef) -> bool {
        !module.switchable || self.platform.config().modules.runs(module.module)
    }

    /// The handle of every module of this build, in [`Build::modules`]'s order.
    fn handles(&self) -> Vec<&dyn ModuleHandle> {
        let mut handles: Vec<&dyn ModuleHandle> = vec![
            &self.platform,
            &self.identity,
            &self.cases,
            &self.payments,
            &self.counter,
        ];
        handles.extend(self.added.iter().map(|m| m.as_ref() as &dyn ModuleHandle));
        handles
    }

    /// The handles of the modules this instance runs (`[modules]`).
    pub fn running(&self) -> Vec<&dyn ModuleHandle> {
        self.handles()
            .into_iter()
            .filter(|h| self.runs(h.def()))
            .collect()
    }

    /// The doors of the modules this instance runs, whose routes the router merges: identity's,
    /// the hotline's (with its settings from `web`) and each added module's.
    pub fn running_doors(&self, web: &crate::WebConfig) -> Vec<Arc<dyn ModuleDoors>> {
        let mut doors: Vec<Arc<dyn ModuleDoors>> = vec![Arc::new(identity::doors::IdentityDoors {
            identity: self.identity.clone(),
            holders: self.data_holders(),
        })];
        if self.runs(&cases::MODULE) {
            doors.push(Arc::new(cases::doors::CasesDoors {
                cases: self.cases.clone(),
                settings: cases::doors::DoorSettings {
                    open311_cache: web.open311_cache,
                    open311_cache_bytes: web.open311_cache_bytes,
                    upload_slots: web.upload_slots,
                },
            }));
        }
        if self.runs(&payments::MODULE) {
            doors.push(Arc::new(payments::PaymentsDoors {
                payments: self.payments.clone(),
                identity: self.identity.clone(),
            }));
        }
        if self.runs(&counter::MODULE) {
            doors.push(Arc::new(counter::CounterDoors {
                counter: self.counter.clone(),
                identity: self.identity.clone(),
            }));
        }
        doors.extend(self.added.iter().filter(|m| self.runs(m.def())).cloned());
        doors
    }

    /// The holders of personal data of the modules this instance runs, besides identity
    /// (whose "my data" gathers from them and asks itself too).
    pub fn data_holders(&self) -> Vec<Arc<dyn platform::personal_data::DataHolder>> {
        let mut holders: Vec<Arc<dyn platform::personal_data::DataHolder>> = Vec::new();
        if self.runs(&cases::MODULE) {
            holders.push(Arc::new(self.cases.clone()));
        }
        holders.extend(
            self.added
                .iter()
                .filter(|m| self.runs(m.def()))
                .filter_map(|m| m.data_holder()),
        );
        holders
    }

    /// The job kinds of every module this instance runs, as this node's configuration
    /// builds them: what a worker loop serves. A module switched off runs no jobs.
    pub fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        let mut kinds = Vec::new();
        for module in self.running() {
            for kind in module.job_kinds()? {
                declared(module.def(), kind.kind())?;
                kinds.push(kind);
            }
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

/// A kind a module builds must be one it declares: the admin view and the retries read the
/// declaration, so a kind built but not declared would run unseen.
fn declared(def: &ModuleDef, kind: &str) -> Result<(), ServiceError> {
    if def.job_kinds.iter().any(|k| k.name == kind) {
        return Ok(());
    }
    Err(ServiceError::Internal(format!(
        "{} builds the job kind {kind} but does not declare it",
        def.module
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_kind_built_but_not_declared_is_refused() {
        assert!(declared(&platform::MODULE, platform::jobs::NOTIFY_DELIVER).is_ok());
        let refused = declared(&platform::MODULE, "example.publish").unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("builds the job kind example.publish but does not declare it"),
            "{refused}"
        );
        assert!(declared(&cases::MODULE, platform::jobs::NOTIFY_DELIVER).is_err());
    }
    use domain::Locale;
    use std::path::{Path, PathBuf};

    #[test]
    fn each_module_is_compiled_once_and_keys_its_own_migration_set() {
        let keys: Vec<&str> = COMPILED.iter().map(|m| m.module.key()).collect();
        assert_eq!(
            keys,
            ["platform", "identity", "cases", "payments", "counter"]
        );
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
            .flat_map(|m| m.job_kinds.iter().map(|k| k.name))
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
        // The example module is compiled into the tests only; its test installs its messages.
        on_disk.retain(|p| !p.starts_with(crates.join("modules/example")));
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
    use super::COMPILED;
    use platform::authz::{Permissions, Role};

    /// The binary's permission table, as its platform carries it (`Platform::with_modules`).
    const PERMISSIONS: Permissions = Permissions::of_modules(COMPILED);

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
            "contact_reporters",
            "manage_breaches",
            "take_payments",
            "view_payments",
            "refund_payments",
            "review_applications",
            "manage_counter",
        ] {
            assert!(codes.contains(&code), "{code} is no longer declared");
        }
        assert_eq!(codes.len(), 24);
    }
}
