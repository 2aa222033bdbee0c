//! A module's doors as the composition root plugs them in: besides what every module brings
//! ([`platform::ModuleHandle`]: its definition and job kinds), its part of the navigation, its
//! routes over its own state and its part of the OpenAPI document. The composition root
//! (`web::Modules`) builds the shared [`Doors`] from the parts of the modules that run, hands
//! them to each module's [`ModuleDoors::routes`], puts the API routes under the API's limits
//! and merges everything under the same middleware; a module switched off gives nothing.
//! "How to add a module" in docs/ARCHITECTURE.md walks through one.

use crate::Doors;
use crate::page::nav::NavPart;
use axum::Router;

/// A module's doors.
pub trait ModuleDoors: platform::ModuleHandle {
    /// Its main-menu entries and administration sections.
    fn navigation(&self) -> NavPart;

    /// Its routes, each router with the module's own state already applied.
    fn routes(&self, doors: &Doors) -> ModuleRoutes;

    /// Its part of the OpenAPI document: the documentation of its `api` routes, from the same
    /// annotations (`utoipa_axum::routes!`).
    fn openapi(&self) -> utoipa::openapi::OpenApi;

    /// Whether its pages answer `/`. When no running module's do, `/` is where an account
    /// starts (identity's start page).
    fn serves_home(&self) -> bool {
        false
    }
}

/// A module's routes.
#[derive(Default)]
pub struct ModuleRoutes {
    /// Under `/api/v1/`: served with the API's body limit and `Cache-Control: no-store`, and
    /// answered `application/problem+json` when nothing matches.
    pub api: Router,
    /// Its pages and anything else it serves, as they are.
    pub pages: Router,
}
