//! What the cases module brings to the composition root ([`MODULE`]): its migration set, its
//! job kinds (none yet: its deferred work goes through the platform's notification and webhook
//! kinds) and its messages (`locales/`).

use crate::CasesApp;
use ::store::migrate::Migration;
use domain::Locale;
use platform::jobs::JobKind;
use platform::{LocaleSource, Module, ModuleDef, ModuleHandle, ServiceError};

/// The module's own migrations (`migrations/{sqlite,postgres}/`), keyed `cases` and numbered
/// from 1. Its tables from before the split are in the `core` baseline (`store::migrate`).
pub const MIGRATIONS: &[Migration] = &[];

pub const MODULE: ModuleDef = ModuleDef {
    module: Module::Cases,
    migrations: &[(Module::Cases.key(), MIGRATIONS)],
    job_kinds: &[],
    locales: &[
        LocaleSource {
            locale: Locale::ZhTw,
            path: "crates/modules/cases/locales/zh-TW/cases.ftl",
            ftl: include_str!("../locales/zh-TW/cases.ftl"),
        },
        LocaleSource {
            locale: Locale::En,
            path: "crates/modules/cases/locales/en/cases.ftl",
            ftl: include_str!("../locales/en/cases.ftl"),
        },
    ],
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
