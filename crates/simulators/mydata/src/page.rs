//! The simulator's two pages: the consent page and a message (a refusal, in both languages).
//! Plain HTML, no script: a form with two buttons.

use crate::{HOUSEHOLD_REGISTRATION, SimConfig, VERIFY_METHODS};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// A problem with what the citizen entered, in Chinese and English.
pub(crate) type FormError = (&'static str, &'static str);

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    service_name: &'a str,
    client_id: &'a str,
    ps_id: &'a str,
    tx_id: &'a str,
    return_url: &'a str,
    /// Resource id, Chinese and English names.
    datasets: Vec<(&'a str, &'static str, &'static str)>,
    /// Code, Chinese and English names, whether chosen.
    methods: Vec<(&'static str, &'static str, &'static str, bool)>,
    national_id: &'a str,
    error: Option<FormError>,
    /// National ID and name of each demo person.
    people: Vec<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    zh: &'static str,
    en: &'static str,
}

/// What the consent form held, to show it again with an error.
pub(crate) struct Filled<'a> {
    pub tx_id: &'a str,
    pub return_url: &'a str,
    pub verify_method: &'a str,
    pub national_id: &'a str,
}

fn dataset_names(resource: &str) -> (&'static str, &'static str) {
    if resource == HOUSEHOLD_REGISTRATION {
        ("戶籍資料", "Household registration record")
    } else {
        ("其他資料", "Other dataset")
    }
}

/// The consent page (`200`, or `422` with `error`).
pub(crate) fn consent(
    config: &SimConfig,
    filled: &Filled<'_>,
    error: Option<FormError>,
) -> Response {
    let chosen = if filled.verify_method.is_empty() {
        "mobile"
    } else {
        filled.verify_method
    };
    let page = ConsentPage {
        service_name: &config.service_name,
        client_id: &config.client_id,
        ps_id: &config.ps_id,
        tx_id: filled.tx_id,
        return_url: filled.return_url,
        datasets: config
            .resources
            .iter()
            .map(|r| {
                let (zh, en) = dataset_names(r);
                (r.as_str(), zh, en)
            })
            .collect(),
        methods: VERIFY_METHODS
            .iter()
            .map(|&(code, zh, en)| (code, zh, en, code == chosen))
            .collect(),
        national_id: filled.national_id,
        error,
        people: config
            .people
            .iter()
            .map(|p| (p.national_id.as_str(), p.name.as_str()))
            .collect(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, page.render())
}

/// A page that says only `zh` / `en`, with `status`.
pub(crate) fn message(status: StatusCode, zh: &'static str, en: &'static str) -> Response {
    render(status, MessagePage { zh, en }.render())
}

fn render(status: StatusCode, html: askama::Result<String>) -> Response {
    match html {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a MyData simulator page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
