//! Identity's REST API at `/api/v1/`: sign-up, sign-in with the second factor, sign-out and
//! password reset (`auth`), the signed-in person's own account (`me`), staff accounts and
//! their roles (`staff`) and Open311 API keys (`api_clients`). The composition root merges
//! [`routes`] into the API and [`openapi`] into the one document.

mod api_clients;
mod auth;
mod consents;
mod me;
mod my_data;
mod passkeys;
mod staff;

pub(crate) use crate::doors::{Caller, PartialCaller};
pub(crate) use webkit::{ApiError, ApiPath, ApiQuery, ClientAddr, JsonBody, Lang, reply};

use crate::doors::IdentityState;
use utoipa_axum::router::OpenApiRouter;

/// The routes and their documentation, from the same annotations (see `web::api`).
pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new()
        .merge(auth::routes())
        .merge(me::routes())
        .merge(consents::routes())
        .merge(my_data::routes())
        .merge(passkeys::routes())
        .merge(staff::routes())
        .merge(api_clients::routes())
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}
