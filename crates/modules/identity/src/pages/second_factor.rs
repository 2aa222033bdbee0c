//! Enrolling the second factor (TOTP) in the browser. Sign-in sends staff here when one of
//! their roles requires it: a secret is made (shown as text in groups of four, and as an
//! `otpauth://` link for authenticator apps), a first code confirms it, and the recovery codes
//! are shown once. The session is then renewed with full rights.

use crate::accounts::SessionStage;
use crate::doors::IdentityState;
use crate::doors::Viewer;
use crate::doors::check_token;
use crate::doors::render;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use platform::authz::Actor;
use serde::Deserialize;
use webkit::page::Page;
use webkit::page::PageError;
use webkit::page::forms::Errors;
use webkit::page::{PageResult, Stop};

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route("/account/second-factor", get(intro))
        .route("/account/second-factor/begin", post(begin))
        .route("/account/second-factor/confirm", post(confirm))
}

#[derive(Template)]
#[template(path = "staff/second_factor.html")]
struct Enrol {
    p: Page,
    /// `intro`, `scan` (secret shown, code asked) or `done` (recovery codes).
    stage: &'static str,
    secret: String,
    uri: String,
    codes: Vec<String>,
    errors: Errors,
}

impl Enrol {
    /// The secret in groups of four, as people copy it.
    fn grouped(&self) -> String {
        self.secret
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The staff member of the session, signed in or enrolling (enrolment happens half signed in).
/// A session still waiting for its second step may not enrol another factor: that would let a
/// password alone pass the one the account has.
fn staff(v: &Viewer) -> Result<&Actor, Stop> {
    if v.stage == Some(SessionStage::SecondFactor) {
        return Err(Stop::Redirect("/sign-in/code".into()));
    }
    match &v.actor {
        Some(a) if a.is_staff() => Ok(a),
        Some(_) => Err(Stop::Page(PageError::new(
            StatusCode::FORBIDDEN,
            "error-forbidden",
            v.locale,
        ))),
        None => Err(Stop::Redirect(
            "/sign-in?back=/account/second-factor".into(),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn enrol_page(
    state: &IdentityState,
    v: &Viewer,
    stage: &'static str,
    secret: String,
    uri: String,
    codes: Vec<String>,
    errors: Errors,
    csrf: Option<String>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut p = Page::new(v, state, "totp-title", "account").with_errors(&errors);
    if let Some(token) = csrf {
        // The renewed session has a new form token.
        p.csrf = token;
    }
    let page = Enrol {
        p,
        stage,
        secret,
        uri,
        codes,
        errors,
    };
    render(v, state, status, &page)
}

async fn intro(State(state): State<IdentityState>, v: Viewer) -> PageResult {
    staff(&v)?;
    Ok(enrol_page(
        &state,
        &v,
        "intro",
        String::new(),
        String::new(),
        Vec::new(),
        Errors::default(),
        None,
    ))
}

#[derive(Deserialize, Default)]
struct F {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    code: String,
    /// Echoed back only to show the same secret again after a wrong code.
    #[serde(default)]
    secret: String,
    #[serde(default)]
    uri: String,
}

async fn begin(State(state): State<IdentityState>, v: Viewer, Form(f): Form<F>) -> PageResult {
    let actor = staff(&v)?;
    check_token(&v, &f._csrf)?;
    let setup = state
        .identity
        .begin_totp(actor)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    Ok(enrol_page(
        &state,
        &v,
        "scan",
        setup.secret,
        setup.otpauth_uri,
        Vec::new(),
        Errors::default(),
        None,
    ))
}

async fn confirm(State(state): State<IdentityState>, v: Viewer, Form(f): Form<F>) -> PageResult {
    let actor = staff(&v)?;
    check_token(&v, &f._csrf)?;
    let session = v.session.as_ref().map(|s| s.id_hash.as_str());
    match state.identity.confirm_totp(actor, session, &f.code).await {
        Ok((codes, renewed)) => {
            let mut response = enrol_page(
                &state,
                &v,
                "done",
                String::new(),
                String::new(),
                codes,
                Errors::default(),
                renewed.as_ref().map(|s| s.csrf_token.clone()),
            );
            if let Some(s) = renewed {
                let cookie = crate::doors::session_cookie(&state, &s.id, s.expires_at);
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            Ok(response)
        }
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-code".to_string())?;
            Ok(enrol_page(
                &state,
                &v,
                "scan",
                f.secret,
                f.uri,
                Vec::new(),
                errors,
                None,
            ))
        }
    }
}
