//! The staff search (`/cases/find`), behind the box in the header of every staff page: a case
//! number opens the case, a phone number opens the desk's caller lookup with it filled in, and
//! other text lists the matching cases the viewer may see (`CasesApp::find_case` decides).

use super::{Catalog, PageResult, failed, gate, sla_tag};
use crate::casework::{FIND_LIMIT, Found};
use crate::doors::CasesState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use identity::doors::Viewer;
use identity::doors::render;
use serde::Deserialize;
use webkit::page::nav::SearchBox;
use webkit::page::{Page, encode, see_other};

pub fn routes() -> Router<CasesState> {
    Router::new().route("/cases/find", get(find))
}

/// The header's search box: for everyone who may see cases.
pub const SEARCH: SearchBox = SearchBox {
    action: "/cases/find",
    label: "find-label",
    shown: |v| v.may(crate::permissions::VIEW_CASES),
};

#[derive(Deserialize, Default)]
struct FindQuery {
    #[serde(default)]
    q: String,
}

/// A found case, ready to show.
struct Hit {
    number: String,
    summary: String,
    place: String,
    category: String,
    department: String,
    status: String,
    sla_class: &'static str,
    sla_label: String,
    requested_at: i64,
}

#[derive(Template)]
#[template(path = "staff/find.html")]
struct FindPage {
    p: Page,
    q: String,
    hits: Vec<Hit>,
    asked: bool,
    /// More matched than are listed.
    cut: bool,
}

async fn find(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<FindQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::VIEW_CASES)?;
    let found = state
        .cases
        .find_case(actor, &q.q)
        .await
        .map_err(failed(&v))?;
    let cases = match found {
        Found::Case(number) => return Ok(see_other(&format!("/work/cases/{}", encode(&number)))),
        Found::Phone(phone) => return Ok(see_other(&format!("/desk?phone={}", encode(&phone)))),
        Found::Nothing => Vec::new(),
        Found::Matches(cases) => cases,
    };
    let catalog = Catalog::load(&state, v.locale).await?;
    let cut = cases.len() as u64 >= FIND_LIMIT;
    let hits = cases
        .iter()
        .map(|w| {
            let (sla_class, key) = sla_tag(w.sla_state.as_deref());
            Hit {
                number: w.case_number.clone(),
                summary: w.description.chars().take(80).collect(),
                place: catalog.place(w),
                category: catalog.category(&w.category_code),
                department: catalog.department(w.department_code.as_deref()),
                status: w.status.clone(),
                sla_class,
                sla_label: v.t(&key),
                requested_at: w.requested_at,
            }
        })
        .collect();
    let page = FindPage {
        p: Page::new(&v, &state, "find-title", "find"),
        asked: !q.q.trim().is_empty(),
        q: q.q.trim().to_string(),
        hits,
        cut,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
