//! The job queue's trouble list for administrators: dead jobs, stuck ones (their worker's
//! lease expired) and overdue ones (due long ago, taken by no worker), with "retry now" for a
//! dead webhook delivery. A kind's jobs are listed to whoever administers that kind
//! (`manage_notifications`, `manage_webhooks`).

use super::ApiPath as Path;
use super::doc::NotFound;
use super::{ApiError, Caller, reply};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::jobs::admin::JobView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(retry_job))
}

fn datetime(t: Option<i64>) -> Option<String> {
    t.map(domain::datetime::format_unix)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Limit {
    /// At most this many (default 50, at most 200).
    limit: Option<u64>,
}

/// A job that needs a look.
#[derive(Serialize, ToSchema)]
struct JobOut {
    attempts: i64,
    created_at: Option<String>,
    id: String,
    /// `notify.deliver` or `webhook.deliver`.
    #[schema(example = "webhook.deliver")]
    kind: String,
    /// The notification channel of a `notify.deliver` job; empty for other kinds.
    lane: String,
    last_error: Option<String>,
    /// When the lease of a running job ends (ended, for a stuck one).
    locked_until: Option<String>,
    /// Whether `POST /api/v1/jobs/{id}/retry` applies.
    retryable: bool,
    /// When the job is (or was) due.
    run_at: Option<String>,
    /// `queued`, `running` or `dead`.
    status: String,
    /// The notification or webhook delivery the job works on.
    subject_id: Option<String>,
    /// `dead`, `stuck` (claimed by a worker whose lease expired) or `overdue` (due for more
    /// than 15 minutes, taken by no worker).
    trouble: String,
    updated_at: Option<String>,
}

fn job_json(j: &JobView) -> JobOut {
    JobOut {
        id: j.id.clone(),
        kind: j.kind.clone(),
        lane: j.lane.clone(),
        subject_id: j.subject_id.clone(),
        trouble: j.trouble.as_str().into(),
        status: j.status.clone(),
        attempts: j.attempts,
        run_at: datetime(Some(j.run_at)),
        locked_until: datetime(j.locked_until),
        last_error: j.last_error.clone(),
        created_at: datetime(Some(j.created_at)),
        updated_at: datetime(Some(j.updated_at)),
        retryable: j.retryable,
    }
}

/// Dead, stuck and overdue jobs of the jurisdiction, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    tag = "jobs",
    params(Limit),
    responses((status = 200, description = "The jobs that need a look", body = [JobOut]))
)]
async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
    super::ApiQuery(q): super::ApiQuery<Limit>,
) -> Response {
    let result = state
        .platform
        .troubled_jobs(&caller.actor, q.limit.unwrap_or(50))
        .await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(job_json).collect::<Vec<_>>()
    })
}

/// Runs a dead job again now, with a fresh round of attempts (dead webhook deliveries only:
/// a dead notification's variables are erased).
#[utoipa::path(
    post,
    path = "/api/v1/jobs/{id}/retry",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses(
        (status = 204, description = "Queued again"),
        (status = 400, response = super::doc::BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn retry_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.platform.retry_job(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}
