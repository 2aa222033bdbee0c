//! What the identity module brings to the composition root ([`MODULE`]): its migration set, its
//! job kinds (none yet: the codes and notices it sends are jobs of the platform's notification
//! kind) and its messages (`locales/`).

use crate::IdentityApp;
use ::store::migrate::Migration;
use domain::Locale;
use platform::jobs::JobKind;
use platform::{LocaleSource, Module, ModuleDef, ModuleHandle, ServiceError};

/// The module's own migrations (`migrations/{sqlite,postgres}/`), keyed `identity` and numbered
/// from 1. Its tables from before the split are in the `core` baseline (`store::migrate`).
pub const MIGRATIONS: &[Migration] = &[];

pub const MODULE: ModuleDef = ModuleDef {
    module: Module::Identity,
    migrations: &[(Module::Identity.key(), MIGRATIONS)],
    job_kinds: &[],
    locales: &[
        LocaleSource {
            locale: Locale::ZhTw,
            path: "crates/modules/identity/locales/zh-TW/identity.ftl",
            ftl: include_str!("../locales/zh-TW/identity.ftl"),
        },
        LocaleSource {
            locale: Locale::En,
            path: "crates/modules/identity/locales/en/identity.ftl",
            ftl: include_str!("../locales/en/identity.ftl"),
        },
    ],
};

impl ModuleHandle for IdentityApp {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        Ok(Vec::new())
    }
}
