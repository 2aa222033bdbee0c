//! Background jobs (`/admin/jobs`): the notification and webhook jobs that need a look (dead,
//! stuck with an expired lease, overdue), and "retry now" for a dead webhook delivery. Shown
//! to whoever administers a kind of job (each module declares who administers its kinds:
//! `platform::JobKindDef`); each sees the kinds they administer.

use super::{Done, Fields, PageResult, Stop, done_message, failed};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::Actor;
use platform::jobs::admin::JobView;
use web::AppState;
use webkit::page::{Page, encode};
use webkit::page::{PageError, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/jobs", get(list))
        .route("/admin/jobs/{id}/retry", post(retry))
}

/// The signed-in actor if they administer some kind of job: otherwise a redirect to sign in,
/// or 403.
fn require<'v>(state: &AppState, v: &'v Viewer) -> Result<&'v Actor, Stop> {
    let Some(actor) = v.signed_in() else {
        return Err(Stop::Redirect(format!(
            "/sign-in?back={}",
            encode("/admin/jobs")
        )));
    };
    if state.platform.visible_job_kinds(actor).is_empty() {
        return Err(Stop::Page(PageError::new(
            StatusCode::FORBIDDEN,
            "error-forbidden",
            v.locale,
        )));
    }
    Ok(actor)
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct List {
    p: Page,
    jobs: Vec<JobView>,
}

impl List {
    fn kind_label(&self, j: &JobView) -> String {
        self.p
            .t(format!("admin-job-kind-{}", j.kind.replace('.', "-")))
    }

    fn trouble_label(&self, j: &JobView) -> String {
        self.p.t(format!("admin-job-{}", j.trouble.as_str()))
    }
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = require(&state, &v)?;
    let jobs = state
        .platform
        .troubled_jobs(actor, platform::jobs::admin::MAX_PAGE)
        .await
        .map_err(failed(&v))?;
    let page = List {
        p: Page::new(&v, &state, "admin-jobs", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        jobs,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn retry(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&state, &v)?;
    check_token(&v, Fields(fields).token())?;
    state
        .platform
        .retry_job(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/admin/jobs?done=queued"))
}
