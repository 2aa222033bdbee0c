//! The cases module's REST API at `/api/v1/`: case work (`cases`), routing and triage rules,
//! SLA policies and the calendar (`case_rules`), the agent's desk (`desk`), knowledge answers
//! (`knowledge`) and statistics (`reports`). Handlers parse and render; every decision is made
//! by [`crate::CasesApp`]. The composition root merges [`router`] into the API and
//! [`openapi`] into the one document.

pub(crate) mod case_rules;
mod cases;
pub mod desk;
mod knowledge;
mod reports;
mod schemas;

pub(crate) use identity::doors::Caller;
pub(crate) use webkit::openapi as doc;
pub(crate) use webkit::{
    ApiError, ApiPath, ApiQuery, ClientAddr, InLang, JsonBody, Lang, page_limit, reply,
};

use crate::doors::CasesState;
use utoipa_axum::router::OpenApiRouter;

/// The routes and their documentation, from the same annotations (see `web::api`).
pub fn routes() -> OpenApiRouter<CasesState> {
    OpenApiRouter::new()
        .merge(cases::routes())
        .merge(desk::routes())
        .merge(knowledge::routes())
        .merge(reports::routes())
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}
