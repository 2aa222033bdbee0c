//! The module's page: the jurisdiction's notices, and its entry in the main menu.

use crate::Notice;
use crate::module::{ExampleState, POST_NOTICES};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use identity::doors::{Viewer, render, require};
use webkit::page::nav::{MenuEntry, NavPart};
use webkit::page::{Page, PageResult, failed};

pub fn routes() -> Router<ExampleState> {
    Router::new().route("/example/notices", get(list))
}

/// The main-menu entry, for those who may post notices.
pub const NAV: NavPart = NavPart {
    menu: &[MenuEntry {
        href: "/example/notices",
        section: "example-notices",
        label: "example-notices",
        order: 90,
        shown: |v, _| v.may(POST_NOTICES),
        start: None,
    }],
    admin: &[],
    search: &[],
};

#[derive(Template)]
#[template(path = "example/notices.html")]
struct List {
    p: Page,
    notices: Vec<Notice>,
}

async fn list(State(state): State<ExampleState>, v: Viewer) -> PageResult {
    let actor = require(&v, POST_NOTICES)?;
    let notices = state.module.app.notices(actor).await.map_err(failed(&v))?;
    let page = List {
        p: Page::new(&v, &state, "example-notices", "example-notices"),
        notices,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
