//! What the cases module brings to the composition root ([`MODULE`]): its migration set, its
//! job kinds (none yet: its deferred work goes through the platform's notification and webhook
//! kinds) and its messages (`locales/`).

use crate::CasesApp;
use ::store::migrate::Migration;
use platform::jobs::JobKind;
use platform::{Module, ModuleDef, ModuleHandle, ServiceError};

/// The module's own migrations (`migrations/{sqlite,postgres}/`), keyed `cases` and numbered
/// from 1. Its tables from before the split are in the `core` baseline (`store::migrate`).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "reporter_email",
        sqlite: include_str!("../migrations/sqlite/0001_reporter_email.sql"),
        postgres: include_str!("../migrations/postgres/0001_reporter_email.sql"),
    },
    Migration {
        version: 2,
        name: "cosign_beside_status",
        sqlite: include_str!("../migrations/sqlite/0002_cosign_beside_status.sql"),
        postgres: include_str!("../migrations/postgres/0002_cosign_beside_status.sql"),
    },
    Migration {
        version: 3,
        name: "rules_keyed_by_kind",
        sqlite: include_str!("../migrations/sqlite/0003_rules_keyed_by_kind.sql"),
        postgres: include_str!("../migrations/postgres/0003_rules_keyed_by_kind.sql"),
    },
];

pub const MODULE: ModuleDef = ModuleDef {
    module: Module::new("cases"),
    switchable: true,
    migrations: &[("cases", MIGRATIONS)],
    permissions: &crate::permissions::SET,
    job_kinds: &[],
    locales: platform::module_locales!("cases"),
    purposes: &[],
    retention: crate::retention::RULES,
};

/// Adds this module's messages to the catalogue. The composition root installs every module's
/// before any request (`web::Modules`); a unit test of this crate that renders text calls this.
#[cfg(test)]
pub(crate) fn install_messages() -> Result<(), webkit::i18n::CatalogueError> {
    webkit::i18n::install(MODULE.locales)
}

impl ModuleHandle for CasesApp {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        Ok(Vec::new())
    }
}
