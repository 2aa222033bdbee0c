//! The confirmation of a report, after the redirect (POST, redirect, GET): reloading it shows
//! it again, and the same form sent twice files once (`platform::submissions`). The page's
//! address carries the form's submission key, the only way to the answer.

use crate::doors::CasesState;
use crate::intake::FiledCase;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::Localized;
use identity::doors::{Viewer, render};
use platform::submissions::{SubmissionAnswer, SubmissionKey};
use serde::{Deserialize, Serialize};
use webkit::page::{Page, PageError, encode, jurisdiction, see_other};

/// The kind of submission a citizen's report is.
pub const KIND: &str = "cases.report";

pub fn routes() -> Router<CasesState> {
    Router::new().route("/report/filed", get(filed))
}

/// What the confirmation shows, kept sealed until it expires.
#[derive(Serialize, Deserialize)]
pub struct Answer {
    pub case_number: String,
    pub password: String,
    pub category_code: String,
    pub department_name: Option<Localized>,
    pub emergency: bool,
    /// When the case is due to be resolved (its SLA), if known.
    #[serde(default)]
    pub due_at: Option<i64>,
}

impl From<FiledCase> for Answer {
    fn from(f: FiledCase) -> Answer {
        Answer {
            case_number: f.case_number,
            password: f.password,
            category_code: f.category.code,
            department_name: f.department_name,
            emergency: f.emergency.is_some(),
            due_at: None,
        }
    }
}

/// Where a submitted report's confirmation is shown.
pub fn filed_href(key: &SubmissionKey) -> Response {
    see_other(&format!("/report/filed?s={}", encode(key.as_str())))
}

#[derive(Deserialize)]
struct FiledQuery {
    #[serde(default)]
    s: String,
}

#[derive(Template)]
#[template(path = "citizen/filed.html")]
struct Filed {
    p: Page,
    case_number: String,
    password: String,
    category_name: String,
    department: String,
    emergency: bool,
    due_at: Option<i64>,
}

#[derive(Template)]
#[template(path = "citizen/filed_waiting.html")]
struct Waiting {
    p: Page,
    pending: bool,
}

async fn filed(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<FiledQuery>,
) -> Result<Response, PageError> {
    let answer = match SubmissionKey::parse(&q.s) {
        Some(key) => state
            .platform
            .submission_answer::<Answer>(&key, KIND)
            .await
            .map_err(|e| PageError::service(e, v.locale))?,
        None => SubmissionAnswer::Gone,
    };
    let a = match answer {
        SubmissionAnswer::Ready(a) => a,
        SubmissionAnswer::Pending => {
            let page = Waiting {
                p: Page::new(&v, &state, "filed-pending-title", "report"),
                pending: true,
            };
            return Ok(render(&v, &state, StatusCode::ACCEPTED, &page));
        }
        SubmissionAnswer::Gone => {
            let page = Waiting {
                p: Page::new(&v, &state, "filed-gone-title", "report"),
                pending: false,
            };
            return Ok(render(&v, &state, StatusCode::NOT_FOUND, &page));
        }
    };
    let j = jurisdiction(&state.platform, v.locale).await?;
    let category_name = state
        .platform
        .service(&j, &a.category_code)
        .await
        .map_or_else(
            |_| a.category_code.clone(),
            |c| c.name.get(v.locale).to_string(),
        );
    let page = Filed {
        p: Page::new(&v, &state, "filed-title", "report"),
        category_name,
        department: a
            .department_name
            .as_ref()
            .map(|d| d.get(v.locale).to_string())
            .unwrap_or_default(),
        emergency: a.emergency,
        due_at: a.due_at,
        case_number: a.case_number,
        password: a.password,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
