//! What the module brings to the composition root: its definition ([`MODULE`]: migrations,
//! permissions, job kinds, messages), its handle ([`Example`]: the job kinds it builds) and
//! its doors (navigation, routes over its own state, its part of the OpenAPI document).

use crate::{api, jobs, pages};
use ::store::migrate::Migration;
use identity::IdentityApp;
use identity::doors::{ModuleState, ModuleStateInner};
use platform::authz::{Permission, PermissionSet, Role};
use platform::jobs::{JobKind, JobKindDef};
use platform::{Module, ModuleDef, ModuleHandle, Platform, ServiceError};
use webkit::Doors;
use webkit::module::{ModuleDoors, ModuleRoutes};
use webkit::page::nav::NavPart;

/// Posting notices, and seeing them before they are published.
pub const POST_NOTICES: Permission = Permission::new("post_notices");

pub const MODULE: ModuleDef = ModuleDef {
    module: Module::new("example"),
    switchable: true,
    migrations: &[(
        "example",
        &[Migration {
            version: 1,
            name: "notices",
            sqlite: include_str!("../migrations/sqlite/0001_notices.sql"),
            postgres: include_str!("../migrations/postgres/0001_notices.sql"),
        }],
    )],
    permissions: &PermissionSet {
        module: "example",
        declared: &[POST_NOTICES],
        grants: &[(Role::JurisdictionAdmin, &[POST_NOTICES])],
    },
    job_kinds: &[JobKindDef {
        name: jobs::PUBLISH,
        administered_by: POST_NOTICES,
        retry: None,
    }],
    locales: platform::module_locales!("example"),
    purposes: &[],
    retention: &[],
};

/// The module's handle, as the composition root holds it.
#[derive(Clone)]
pub struct Example {
    pub(crate) app: crate::ExampleApp,
    identity: IdentityApp,
}

impl Example {
    pub fn new(platform: Platform, identity: IdentityApp) -> Example {
        Example {
            app: crate::ExampleApp::new(platform),
            identity,
        }
    }
}

impl ModuleHandle for Example {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        Ok(vec![Box::new(jobs::Publish)])
    }
}

impl ModuleDoors for Example {
    fn navigation(&self) -> NavPart {
        pages::NAV
    }

    fn routes(&self, doors: &Doors) -> ModuleRoutes {
        let state = ModuleStateInner::shared(self.clone(), self.identity.clone(), doors.clone());
        ModuleRoutes {
            api: api::routes().split_for_parts().0.with_state(state.clone()),
            pages: pages::routes().with_state(state),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        api::routes().into_openapi()
    }
}

/// The state of the module's routes: the module, who is calling, and what every door reads.
pub(crate) type ExampleState = ModuleState<Example>;
