//! A citizen's consents in pages: every use of their data the city's modules declare beyond
//! the task they started (what, which data, who receives it, on what basis); consent given for
//! a chosen time, renewed or withdrawn; the history; and each consent's receipt (ISO/IEC TS
//! 27560, JSON). Every change redirects (PRG); the rules are the app's.

use super::failed;
use crate::domain::consent::{Consent, State};
use crate::doors::{IdentityState, Viewer, check_token, render};
use crate::purposes;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use platform::personal_data::LegalBasis;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageError, see_other};

const HERE: &str = "/account/consents";

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route(HERE, get(list).post(give))
        .route("/account/consents/{id}/withdraw", post(withdraw))
        .route("/account/consents/{id}/receipt", get(receipt))
}

/// A purpose as the page shows it.
struct PurposeRow {
    code: &'static str,
    name: String,
    about: String,
    data: String,
    recipient: String,
    /// The law it stands on, for a statutory purpose.
    law: Option<String>,
    running: Option<Consent>,
    /// The durations offered, in days, with their labels.
    choices: Vec<(u32, String)>,
}

/// A consent in the history.
struct HistoryRow {
    id: String,
    purpose: String,
    given_at: i64,
    ends_at: i64,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "citizen/consents.html")]
struct Consents {
    p: Page,
    purposes: Vec<PurposeRow>,
    history: Vec<HistoryRow>,
    errors: Errors,
}

fn days_label(v: &Viewer, days: u32) -> String {
    webkit::i18n::message(
        v.locale,
        &domain::Message::new("consent-days").arg("days", days.to_string()),
    )
}

async fn page(
    state: &IdentityState,
    v: &Viewer,
    errors: Errors,
    done: Option<String>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/consents"));
    };
    let mine = state.identity.my_consents(actor).await.map_err(failed(v))?;
    let now = state.identity.platform().now();
    let rows = mine
        .purposes
        .into_iter()
        .map(|pc| {
            let p = pc.purpose;
            let (kind, key) = p.recipient.parts();
            PurposeRow {
                code: p.code,
                name: purposes::name(v.locale, p.code),
                about: purposes::about(v.locale, p.code),
                data: p
                    .data
                    .iter()
                    .map(|d| purposes::data_category(v.locale, d))
                    .collect::<Vec<_>>()
                    .join("、"),
                recipient: purposes::recipient(v.locale, kind, key),
                law: match p.basis {
                    LegalBasis::Statute(law) => Some(v.t(&format!("law-{law}"))),
                    LegalBasis::Consent { .. } => None,
                },
                running: pc.running,
                choices: pc
                    .choices
                    .into_iter()
                    .map(|d| (d, days_label(v, d)))
                    .collect(),
            }
        })
        .collect();
    let history = mine
        .history
        .into_iter()
        .map(|c| HistoryRow {
            purpose: purposes::name(v.locale, &c.purpose),
            given_at: c.given_at,
            ends_at: c.ends_at(),
            state: c.state_at(now).as_str(),
            id: c.id,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = Consents {
        p: Page::new(v, state, "consents-title", "account")
            .with_errors(&errors)
            .with_status(done),
        purposes: rows,
        history,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn list(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    Query(q): Query<webkit::page::admin::Done>,
) -> Result<Response, PageError> {
    let done = match q.done.as_deref() {
        Some(d @ ("given" | "withdrawn")) => Some(v.t(&format!("consent-done-{d}"))),
        _ => None,
    };
    page(&state, &v, Errors::default(), done).await
}

#[derive(Deserialize, Default)]
struct GiveForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    days: String,
}

async fn give(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    Form(f): Form<GiveForm>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/consents"));
    };
    check_token(&v, &f._csrf)?;
    // A missing or unreadable choice is asked for again, beside the purpose's choices.
    let days = f.days.trim().parse::<u32>().unwrap_or(0);
    let field = format!("f-days-{}", anchor(&f.purpose));
    match state
        .identity
        .give_consent(actor, &f.purpose, days, v.locale.tag())
        .await
    {
        Ok(_) => Ok(see_other("/account/consents?done=given")),
        // No such purpose: nothing on the page to point at.
        Err(e @ platform::ServiceError::NotFound(_)) => Err(PageError::service(e, v.locale)),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| field.clone())?;
            page(&state, &v, errors, None).await
        }
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    _csrf: String,
}

async fn withdraw(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/consents"));
    };
    check_token(&v, &f._csrf)?;
    state
        .identity
        .withdraw_consent(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/account/consents?done=withdrawn"))
}

/// A consent's receipt, as a JSON file to keep.
async fn receipt(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/consents"));
    };
    let (c, _) = state
        .identity
        .my_consent(actor, &id)
        .await
        .map_err(failed(&v))?;
    let body = receipt_json(&state, &v, actor, &c).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                &format!("attachment; filename=\"consent-{}.json\"", c.id),
            ),
        ],
        body,
    )
        .into_response())
}

/// A consent's receipt in the viewer's language.
async fn receipt_json(
    state: &IdentityState,
    v: &Viewer,
    actor: &platform::authz::Actor,
    c: &Consent,
) -> Result<String, PageError> {
    let platform = state.identity.platform();
    let json = purposes::receipt(platform, v.locale, &actor.jurisdiction_id, c)
        .await
        .map_err(failed(v))?;
    serde_json::to_string_pretty(&json)
        .map_err(|e| PageError::service(platform::ServiceError::Internal(e.to_string()), v.locale))
}

impl PurposeRow {
    fn consent_needed(&self) -> bool {
        self.law.is_none()
    }

    /// Its code as an HTML id (`identity-mydata-prefill`).
    fn anchor(&self) -> String {
        anchor(self.code)
    }
}

fn anchor(code: &str) -> String {
    code.replace('.', "-")
}

impl HistoryRow {
    fn active(&self) -> bool {
        self.state == State::Active.as_str()
    }
}
