//! The module's REST API: posting a notice.

use crate::module::ExampleState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use identity::doors::Caller;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::{BadRequest, Forbidden};
use webkit::{JsonBody, reply};

/// The routes and their documentation, from the same annotations.
pub fn routes() -> OpenApiRouter<ExampleState> {
    OpenApiRouter::new().routes(routes!(post_notice))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewNotice {
    #[schema(example = "信義區停水通知")]
    title: String,
}

/// A notice.
#[derive(Serialize, ToSchema)]
struct NoticeOut {
    id: String,
    title: String,
    posted_at: String,
    /// When it was published; absent until the publishing job has run.
    published_at: Option<String>,
}

/// Posts a notice; a job publishes it.
#[utoipa::path(
    post,
    path = "/api/v1/example/notices",
    tag = "example",
    request_body = NewNotice,
    responses(
        (status = 201, description = "Posted", body = NoticeOut),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    )
)]
async fn post_notice(
    State(state): State<ExampleState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewNotice>,
) -> Response {
    let result = state
        .module
        .app
        .post_notice(&caller.actor, &body.title)
        .await;
    reply(caller.lang, StatusCode::CREATED, result, |n| NoticeOut {
        id: n.id,
        title: n.title,
        posted_at: domain::datetime::format_unix(n.posted_at),
        published_at: n.published_at.map(domain::datetime::format_unix),
    })
}
