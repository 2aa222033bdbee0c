//! The citizen's pages of the hotline: the home page with its categories, reporting a
//! problem, tracking a case, the survey, and "my cases".

mod data_requests;
mod filed;
mod report;
mod track;

use super::category_form::{Group, grouped};
use crate::doors::CasesState;
use crate::store::case_work::WorkView;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use identity::doors::{Viewer, render};
use webkit::page::{Page, PageError, jurisdiction, see_other};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/", get(home))
        .route("/my/cases", get(my_cases))
        .merge(data_requests::routes())
        .merge(report::routes())
        .merge(filed::routes())
        .merge(track::routes())
}

#[derive(Template)]
#[template(path = "citizen/home.html")]
struct Home {
    p: Page,
    groups: Vec<Group>,
    hotline: String,
}

async fn home(State(state): State<CasesState>, v: Viewer) -> Result<Response, PageError> {
    let j = jurisdiction(&state.platform, v.locale).await?;
    let list = state
        .platform
        .services(&j, None)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let page = Home {
        p: Page::new(&v, &state, "home-title", "home"),
        groups: grouped(list.categories, v.locale),
        hotline: j.name.get(v.locale).to_string(),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "citizen/my_cases.html")]
struct MyCases {
    p: Page,
    cases: Vec<WorkView>,
}

async fn my_cases(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<webkit::page::admin::Done>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/my/cases"));
    };
    let cases = state
        .cases
        .my_cases(actor)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let page = MyCases {
        p: Page::new(&v, &state, "my-cases-title", "my")
            .with_status(crate::pages::staff::done_message(&v, q.done.as_deref())),
        cases,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
