//! What the payments module brings to the composition root: its definition ([`MODULE`]:
//! migrations, permissions, messages), its handle ([`PaymentsApp`]) and its doors
//! ([`PaymentsDoors`]: navigation, routes, its part of the OpenAPI document).

use crate::app::PaymentsApp;
use crate::{api, pages};
use ::store::migrate::Migration;
use identity::IdentityApp;
use identity::doors::{ModuleState, ModuleStateInner};
use platform::authz::{Permission, PermissionSet, Role};
use platform::jobs::JobKind;
use platform::{Module, ModuleDef, ModuleHandle, ServiceError};
use webkit::Doors;
use webkit::module::{ModuleDoors, ModuleRoutes, PrivatePath};
use webkit::page::nav::NavPart;

/// Asking for payments (a request sent to a citizen) and taking them at the counter.
pub const TAKE_PAYMENTS: Permission = Permission::new("take_payments");
/// Seeing payments, their history, the reconciliation report and the export.
pub const VIEW_PAYMENTS: Permission = Permission::new("view_payments");
/// Refunding payments (with a step up).
pub const REFUND_PAYMENTS: Permission = Permission::new("refund_payments");

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "payments",
    sqlite: include_str!("../migrations/sqlite/0001_payments.sql"),
    postgres: include_str!("../migrations/postgres/0001_payments.sql"),
}];

pub const MODULE: ModuleDef = ModuleDef {
    module: Module::new("payments"),
    switchable: true,
    migrations: &[("payments", MIGRATIONS)],
    permissions: &PermissionSet {
        module: "payments",
        declared: &[TAKE_PAYMENTS, VIEW_PAYMENTS, REFUND_PAYMENTS],
        grants: &[
            (Role::CounterClerk, &[TAKE_PAYMENTS, VIEW_PAYMENTS]),
            (Role::Supervisor, &[VIEW_PAYMENTS, REFUND_PAYMENTS]),
            (
                Role::JurisdictionAdmin,
                &[TAKE_PAYMENTS, VIEW_PAYMENTS, REFUND_PAYMENTS],
            ),
        ],
    },
    job_kinds: &[],
    locales: platform::module_locales!("payments"),
    purposes: &[],
    retention: &[],
};

impl ModuleHandle for PaymentsApp {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        Ok(Vec::new())
    }
}

/// The module's doors, as the composition root serves them.
#[derive(Clone)]
pub struct PaymentsDoors {
    pub payments: PaymentsApp,
    pub identity: IdentityApp,
}

impl ModuleHandle for PaymentsDoors {
    fn def(&self) -> &'static ModuleDef {
        &MODULE
    }

    fn job_kinds(&self) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
        Ok(Vec::new())
    }
}

/// The payer's pages are named by the payment's id, which is the payer's key: kept out of
/// the request log.
const PRIVATE: &[PrivatePath] = &[PrivatePath {
    prefix: "/pay/",
    placeholder: "{payment}",
}];

impl ModuleDoors for PaymentsDoors {
    fn navigation(&self) -> NavPart {
        pages::NAV
    }

    fn routes(&self, doors: &Doors) -> ModuleRoutes {
        let state =
            ModuleStateInner::shared(self.payments.clone(), self.identity.clone(), doors.clone());
        ModuleRoutes {
            api: api::routes().split_for_parts().0.with_state(state.clone()),
            pages: pages::routes().with_state(state),
        }
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        api::routes().into_openapi()
    }

    fn private_paths(&self) -> &'static [PrivatePath] {
        PRIVATE
    }
}

/// The state of the module's routes.
pub(crate) type PaymentsState = ModuleState<PaymentsApp>;
