//! What the identity module brings to the composition root ([`MODULE`]): its migration set, its
//! job kind (fetching MyData imports; the codes and notices it sends are jobs of the platform's
//! notification kind) and its messages (`locales/`).

use crate::IdentityApp;
use ::store::migrate::Migration;
use platform::jobs::{JobKind, JobKindDef};
use platform::{Module, ModuleDef, ModuleHandle, ServiceError};

/// The module's own migrations (`migrations/{sqlite,postgres}/`), keyed `identity` and numbered
/// from 1. Its tables from before the split are in the `core` baseline (`store::migrate`).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "city_login",
        sqlite: include_str!("../migrations/sqlite/0001_city_login.sql"),
        postgres: include_str!("../migrations/postgres/0001_city_login.sql"),
    },
    Migration {
        version: 2,
        name: "mandates",
        sqlite: include_str!("../migrations/sqlite/0002_mandates.sql"),
        postgres: include_str!("../migrations/postgres/0002_mandates.sql"),
    },
    Migration {
        version: 3,
        name: "one_person_per_provider",
        sqlite: include_str!("../migrations/sqlite/0003_one_person_per_provider.sql"),
        postgres: include_str!("../migrations/postgres/0003_one_person_per_provider.sql"),
    },
    Migration {
        version: 4,
        name: "consents",
        sqlite: include_str!("../migrations/sqlite/0004_consents.sql"),
        postgres: include_str!("../migrations/postgres/0004_consents.sql"),
    },
    Migration {
        version: 5,
        name: "breaches",
        sqlite: include_str!("../migrations/sqlite/0005_breaches.sql"),
        postgres: include_str!("../migrations/postgres/0005_breaches.sql"),
    },
    Migration {
        version: 6,
        name: "passkeys",
        sqlite: include_str!("../migrations/sqlite/0006_passkeys.sql"),
        postgres: include_str!("../migrations/postgres/0006_passkeys.sql"),
    },
    Migration {
        version: 7,
        name: "mydata_imports",
        sqlite: include_str!("../migrations/sqlite/0007_mydata_imports.sql"),
        postgres: include_str!("../migrations/postgres/0007_mydata_imports.sql"),
    },
    Migration {
        version: 8,
        name: "session_login_provider",
        sqlite: include_str!("../migrations/sqlite/0008_session_login_provider.sql"),
        postgres: include_str!("../migrations/postgres/0008_session_login_provider.sql"),
    },
];

pub const MODULE: ModuleDef = ModuleDef {
    module: Module::new("identity"),
    switchable: false,
    migrations: &[("identity", MIGRATIONS)],
    permissions: &crate::permissions::SET,
    job_kinds: &[JobKindDef {
        name: crate::jobs::MYDATA_FETCH,
        administered_by: crate::permissions::MANAGE_SECURITY_POLICY,
        retry: None,
    }],
    locales: platform::module_locales!("identity"),
    purposes: crate::purposes::ALL,
    retention: &[crate::purposes::MYDATA_RECORDS],
};

impl ModuleHandle for IdentityApp {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        Ok(vec![Box::new(crate::jobs::MyDataFetch)])
    }
}
