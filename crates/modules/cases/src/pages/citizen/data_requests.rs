//! A citizen's request about their personal data (review, correction, deletion, stopping its
//! use), asked from "my data": one form, filed as a case on the law's clock
//! (`casework::data_requests`), then back to "my data", where the request and its deadline
//! are listed. PRG; the rules are the app's.

use crate::doors::CasesState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use identity::doors::{Viewer, check_token, render};
use serde::Deserialize;
use webkit::page::forms::{Errors, field_arg};
use webkit::page::{Page, PageError, see_other};

const HERE: &str = "/account/data/requests";

pub fn routes() -> Router<CasesState> {
    Router::new().route(HERE, get(show).post(file))
}

#[derive(Deserialize, Default, Clone)]
struct RequestForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    details: String,
}

#[derive(Template)]
#[template(path = "citizen/data_request.html")]
struct RequestPage {
    p: Page,
    kinds: Vec<(&'static str, String, String)>,
    f: RequestForm,
    errors: Errors,
    max: usize,
}

fn page(
    state: &CasesState,
    v: &Viewer,
    f: RequestForm,
    errors: Errors,
) -> Result<Response, PageError> {
    use crate::domain::data_requests::Kind;
    let kinds = [Kind::Review, Kind::Correct, Kind::Delete, Kind::Stop]
        .into_iter()
        .map(|k| {
            (
                k.as_str(),
                v.t(&format!("data-request-kind-{}", k.as_str())),
                v.t(&format!("data-request-kind-{}-hint", k.as_str())),
            )
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = RequestPage {
        p: Page::new(v, state, "data-request-title", "account").with_errors(&errors),
        kinds,
        f,
        errors,
        max: crate::casework::DATA_REQUEST_MAX_DETAILS,
    };
    Ok(render(v, state, status, &page))
}

async fn show(State(state): State<CasesState>, v: Viewer) -> Result<Response, PageError> {
    if v.signed_in().is_none() {
        return Ok(see_other("/sign-in?back=/account/data/requests"));
    }
    page(&state, &v, RequestForm::default(), Errors::default())
}

async fn file(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<RequestForm>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/data/requests"));
    };
    check_token(&v, &f._csrf)?;
    match state
        .cases
        .file_data_request(actor, &f.kind, &f.details)
        .await
    {
        Ok(_) => Ok(see_other(
            "/account/data?done=request-filed#set-cases-data-requests",
        )),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| {
                field_arg(m).map_or_else(|| "f-details".to_string(), |f| format!("f-{f}"))
            })?
            .in_order(&["f-kind", "f-details"]);
            page(&state, &v, f, errors)
        }
    }
}
