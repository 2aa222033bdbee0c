//! What a module brings to the composition root: a [`ModuleDef`] (its key, its migration sets,
//! its permissions, its job kinds and its message files) that the module crate exports as a
//! constant, and its handle ([`ModuleHandle`]: the `Platform`, an `IdentityApp`, a
//! `CasesApp`), which builds the module's job kinds once the handle is open. The composition
//! root (`web::Modules`) lists the modules of the build and migrates, installs the messages of
//! and starts the job workers of each from these values, so a new module plugs in without an
//! edit to the base. See "Modules" in docs/ARCHITECTURE.md.

use crate::authz::PermissionSet;
use crate::jobs::{JobKind, JobKindDef};
use crate::{Module, ServiceError};
use domain::Locale;
use store::migrate::MigrationSet;

/// A module, as the composition root assembles it. Each module crate exports its own
/// (`platform::MODULE`, `identity::MODULE`, `cases::MODULE`).
pub struct ModuleDef {
    /// Which module this is: its key names its migration set, and `[modules]` switches it.
    pub module: Module,
    /// Whether `[modules]` may switch it off. The platform and identity may not: every other
    /// module signs its users in through them.
    pub switchable: bool,
    /// Its migration sets, in the order they run, each keyed by the module that owns it
    /// (`store::migrate::CORE` for the baseline made before modules had their own). Every
    /// compiled module is migrated, whether it runs or not: a module switched off keeps its
    /// tables.
    pub migrations: &'static [MigrationSet],
    /// Its permissions and the roles that get them: its part of the build's permission table.
    pub permissions: &'static PermissionSet,
    /// The job kinds its handle builds ([`ModuleHandle::job_kinds`]): their names as stored in
    /// `jobs.kind`, who administers their jobs and whether a dead one may be retried.
    pub job_kinds: &'static [JobKindDef],
    /// Its Fluent message files, both languages, merged into the one catalogue before any
    /// request is served.
    pub locales: &'static [LocaleSource],
    /// The uses of personal data it makes beyond the task a citizen started, each with its
    /// legal basis: the consent ledger's vocabulary (`crate::personal_data`).
    pub purposes: &'static [crate::personal_data::Purpose],
    /// How long it keeps each kind of personal data (`crate::personal_data::Retention`).
    pub retention: &'static [crate::personal_data::Retention],
}

/// One Fluent file of a module's messages, embedded with `include_str!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocaleSource {
    pub locale: Locale,
    /// Where the file lives in the workspace, for error messages.
    pub path: &'static str,
    /// The file's text.
    pub ftl: &'static str,
}

/// The message files of a module crate, `locales/{zh-TW,en}/<name>.ftl`, embedded:
/// `locales: platform::module_locales!("housing")` in its [`ModuleDef`].
#[macro_export]
macro_rules! module_locales {
    ($name:literal) => {
        &[
            $crate::LocaleSource {
                locale: ::domain::Locale::ZhTw,
                path: concat!("crates/modules/", $name, "/locales/zh-TW/", $name, ".ftl"),
                ftl: include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/locales/zh-TW/",
                    $name,
                    ".ftl"
                )),
            },
            $crate::LocaleSource {
                locale: ::domain::Locale::En,
                path: concat!("crates/modules/", $name, "/locales/en/", $name, ".ftl"),
                ftl: include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/locales/en/",
                    $name,
                    ".ftl"
                )),
            },
        ]
    };
}

/// A module's handle, as the composition root holds it: says which module it is and builds
/// the job kinds the module runs (given its own handle, so a kind may call the module's use
/// cases).
pub trait ModuleHandle: Send + Sync {
    fn def(&self) -> &'static ModuleDef;

    /// The job kinds this node runs for the module, built from the configuration; a kind
    /// turned off for this node is left out. Each is one of [`ModuleDef::job_kinds`].
    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError>;
}

/// The platform's name.
pub const PLATFORM: Module = Module::new("platform");

/// The platform's own: the core migration baseline (every table created before modules had
/// their own migrations, the modules' too) and the notification and webhook job kinds. Its
/// messages are the frame's, in `webkit`'s catalogue.
/// The platform's own migrations after the `core` baseline (crates/platform/migrations).
pub const MIGRATIONS: &[store::migrate::Migration] = &[store::migrate::Migration {
    version: 1,
    name: "form_submissions",
    sqlite: include_str!("../migrations/sqlite/0001_form_submissions.sql"),
    postgres: include_str!("../migrations/postgres/0001_form_submissions.sql"),
}];

pub const MODULE: ModuleDef = ModuleDef {
    module: PLATFORM,
    switchable: false,
    migrations: &[
        (store::migrate::CORE, store::migrate::MIGRATIONS),
        (PLATFORM.key(), MIGRATIONS),
    ],
    permissions: &crate::permissions::SET,
    job_kinds: crate::jobs::KINDS,
    locales: &[],
    purposes: &[],
    retention: &[],
};

impl ModuleHandle for crate::Platform {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        crate::jobs::kinds(self)
    }
}

/// Every migration set of `modules`, in order: what `civicdesk migrate` applies.
pub fn migration_sets(modules: &[&ModuleDef]) -> Vec<MigrationSet> {
    modules
        .iter()
        .flat_map(|m| m.migrations.iter().copied())
        .collect()
}

/// Every message file of `modules`, in order.
pub fn locale_sources(modules: &[&ModuleDef]) -> Vec<LocaleSource> {
    modules
        .iter()
        .flat_map(|m| m.locales.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_owns_the_core_baseline_and_its_job_kinds() {
        let sets = migration_sets(&[&MODULE]);
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].0, store::migrate::CORE, "the baseline runs first");
        assert_eq!(sets[0].1.len(), store::migrate::MIGRATIONS.len());
        assert_eq!((sets[1].0, sets[1].1.len()), ("platform", MIGRATIONS.len()));
        let kinds: Vec<&str> = MODULE.job_kinds.iter().map(|k| k.name).collect();
        assert_eq!(
            kinds,
            [crate::jobs::NOTIFY_DELIVER, crate::jobs::WEBHOOK_DELIVER]
        );
        assert_eq!(MODULE.module.key(), "platform");
    }
}
