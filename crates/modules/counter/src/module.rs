//! What the counter module brings to the composition root: its definition ([`MODULE`]:
//! migrations, permissions, messages), its handle ([`CounterApp`]) and its doors
//! ([`CounterDoors`]: navigation, routes, its part of the OpenAPI document).

use crate::app::CounterApp;
use crate::{api, pages};
use ::store::migrate::Migration;
use identity::IdentityApp;
use identity::doors::{ModuleState, ModuleStateInner};
use platform::authz::{Permission, PermissionSet, Role};
use platform::jobs::{JobKind, JobKindDef};
use platform::{Module, ModuleDef, ModuleHandle, ServiceError};
use webkit::Doors;
use webkit::module::{ModuleDoors, ModuleRoutes};
use webkit::page::nav::NavPart;

/// Reviewing applications: the queue, corrections, decisions, issuing, counter pickups, fees
/// at the counter and bookings for phone callers.
pub const REVIEW_APPLICATIONS: Permission = Permission::new("review_applications");
/// Administering the counter: the catalogue, forms and Smart Desk devices (doors are set by
/// whoever reviews applications: the clerks who load and clear them).
pub const MANAGE_COUNTER: Permission = Permission::new("manage_counter");

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "counter",
        sqlite: include_str!("../migrations/sqlite/0001_counter.sql"),
        postgres: include_str!("../migrations/postgres/0001_counter.sql"),
    },
    Migration {
        version: 2,
        name: "nonces_one_tree",
        sqlite: include_str!("../migrations/sqlite/0002_nonces_one_tree.sql"),
        postgres: include_str!("../migrations/postgres/0002_nonces_one_tree.sql"),
    },
];

pub const MODULE: ModuleDef = ModuleDef {
    module: Module::new("counter"),
    switchable: true,
    migrations: &[("counter", MIGRATIONS)],
    permissions: &PermissionSet {
        module: "counter",
        declared: &[REVIEW_APPLICATIONS, MANAGE_COUNTER],
        grants: &[
            (Role::CounterClerk, &[REVIEW_APPLICATIONS]),
            (Role::Supervisor, &[REVIEW_APPLICATIONS]),
            (
                Role::JurisdictionAdmin,
                &[REVIEW_APPLICATIONS, MANAGE_COUNTER],
            ),
        ],
    },
    job_kinds: &[
        JobKindDef {
            name: crate::app::jobs::REMIND,
            administered_by: MANAGE_COUNTER,
            retry: None,
        },
        JobKindDef {
            name: crate::app::jobs::GRANT_DUE,
            administered_by: MANAGE_COUNTER,
            retry: None,
        },
        JobKindDef {
            name: crate::app::bookings::BOOKING_REMIND,
            administered_by: MANAGE_COUNTER,
            retry: None,
        },
        JobKindDef {
            name: crate::app::bookings::BOOKING_DUE,
            administered_by: MANAGE_COUNTER,
            retry: None,
        },
        JobKindDef {
            name: crate::app::reconcile::RECONCILE,
            administered_by: MANAGE_COUNTER,
            retry: None,
        },
    ],
    locales: platform::module_locales!("counter"),
    purposes: &[],
    retention: &[],
};

impl ModuleHandle for CounterApp {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        Ok([
            crate::app::jobs::REMIND,
            crate::app::jobs::GRANT_DUE,
            crate::app::bookings::BOOKING_REMIND,
            crate::app::bookings::BOOKING_DUE,
            crate::app::reconcile::RECONCILE,
        ]
        .into_iter()
        .map(|kind| {
            Box::new(crate::app::jobs::CounterJob {
                counter: self.clone(),
                kind,
            }) as Box<dyn JobKind>
        })
        .collect())
    }
}

/// The module's doors, as the composition root serves them.
#[derive(Clone)]
pub struct CounterDoors {
    pub counter: CounterApp,
    pub identity: IdentityApp,
}

impl ModuleHandle for CounterDoors {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        self.counter.job_kinds()
    }
}

impl ModuleDoors for CounterDoors {
    fn navigation(&self) -> NavPart {
        pages::NAV
    }

    fn routes(&self, doors: &Doors) -> ModuleRoutes {
        let state =
            ModuleStateInner::shared(self.counter.clone(), self.identity.clone(), doors.clone());
        ModuleRoutes {
            api: api::routes().split_for_parts().0.with_state(state.clone()),
            pages: pages::routes().with_state(state),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        api::routes().into_openapi()
    }
}

/// The state of the module's routes.
pub(crate) type CounterState = ModuleState<CounterApp>;
