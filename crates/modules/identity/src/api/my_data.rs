//! The signed-in citizen's data (`/me/data`): everything the running modules hold about them
//! and every read of it by staff, as one JSON document (the `data.json` of the page's
//! download). Counted against the same hourly limit as the download, and audited.

use super::{Caller, reply};
use crate::doors::IdentityState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::TooManyRequests;

pub fn routes() -> OpenApiRouter<IdentityState> {
    OpenApiRouter::new().routes(routes!(my_data))
}

/// Everything held about the caller (citizens): `data` has one array per set (`identity.account`,
/// `cases.reports`, …) of objects keyed by column; `read_by_staff` lists every read.
#[utoipa::path(
    get,
    path = "/api/v1/me/data",
    tag = "me",
    responses(
        (status = 200, description = "All of it", body = Object),
        (status = 429, response = TooManyRequests),
    )
)]
async fn my_data(State(state): State<IdentityState>, caller: Caller) -> Response {
    let result = state
        .identity
        .my_data_for_download(&caller.actor, &state.holders)
        .await;
    let now = state.identity.platform().now();
    reply(caller.lang, StatusCode::OK, result, |d| {
        crate::my_data_files::data_json(&d, now)
    })
}
