//! A citizen's mandates (代理) in pages: those they gave and those given to them, each with its
//! uses; a form to give one (to an account by its sign-in name, or to a named person); accept,
//! decline and revoke. Every change redirects (PRG). The rules and checks are the app's.

use super::failed;
use crate::accounts::{MandateInput, MandateUse};
use crate::domain::mandates::{Agent, Mandate, State, Theme};
use crate::doors::{IdentityState, Viewer, check_token, render};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use webkit::page::forms::{Errors, field_arg};
use webkit::page::{Page, PageError, see_other};

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route("/account/mandates", get(list).post(give))
        .route("/account/mandates/{id}/answer", post(answer))
        .route("/account/mandates/{id}/revoke", post(revoke))
}

/// A mandate as a row: the other person, what, when, where it stands, and its uses.
struct Row {
    id: String,
    other: String,
    theme: String,
    specifier: String,
    starts_on: String,
    ends_on: String,
    state: &'static str,
    uses: Vec<MandateUse>,
}

#[derive(Template)]
#[template(path = "citizen/mandates.html")]
struct Mandates {
    p: Page,
    given: Vec<Row>,
    received: Vec<Row>,
    themes: Vec<(&'static str, String)>,
    f: MandateForm,
    errors: Errors,
}

#[derive(Deserialize, Default, Clone)]
struct MandateForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    agent_login: String,
    #[serde(default)]
    agent_name: String,
    #[serde(default)]
    agent_id_last4: String,
    #[serde(default)]
    agent_mobile: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    specifier: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

async fn rows(
    state: &IdentityState,
    v: &Viewer,
    actor: &platform::authz::Actor,
    list: Vec<Mandate>,
    given: bool,
) -> Result<Vec<Row>, PageError> {
    let mut out = Vec::new();
    for m in list {
        let other = if given {
            match &m.agent {
                // Until the agent accepts, their name is theirs: the principal sees the
                // sign-in name they typed, masked.
                Agent::Account(id) if m.state != State::Active && m.state != State::Revoked => {
                    masked(&state.identity.login_of(id).await.map_err(failed(v))?)
                }
                Agent::Account(id) => state.identity.display_name(id).await.map_err(failed(v))?,
                Agent::Person(p) => format!("{}（{}）", p.name, p.id_last4),
            }
        } else {
            state
                .identity
                .display_name(&m.principal)
                .await
                .map_err(failed(v))?
        };
        let uses = state
            .identity
            .mandate_uses(actor, &m.id)
            .await
            .map_err(failed(v))?;
        out.push(Row {
            id: m.id,
            other,
            theme: v.t(&format!("mandate-theme-{}", m.theme.as_str())),
            specifier: m.specifier.unwrap_or_default(),
            starts_on: crate::store::mandates::day_text(m.starts_on),
            ends_on: crate::store::mandates::day_text(m.ends_on),
            state: m.state.as_str(),
            uses,
        });
    }
    Ok(out)
}

async fn page(
    state: &IdentityState,
    v: &Viewer,
    f: MandateForm,
    errors: Errors,
    done: Option<String>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mandates"));
    };
    let mine = state.identity.my_mandates(actor).await.map_err(failed(v))?;
    let given = rows(state, v, actor, mine.given, true).await?;
    let received = rows(state, v, actor, mine.received, false).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = Mandates {
        p: Page::new(v, state, "mandates-title", "account")
            .with_errors(&errors)
            .with_status(done),
        given,
        received,
        themes: Theme::ALL
            .iter()
            .map(|t| (t.as_str(), v.t(&format!("mandate-theme-{}", t.as_str()))))
            .collect(),
        f,
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
        Some(d @ ("given" | "accepted" | "declined" | "revoked")) => {
            Some(v.t(&format!("mandate-done-{d}")))
        }
        _ => None,
    };
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mandates"));
    };
    let today = state
        .identity
        .today(&actor.jurisdiction_id)
        .await
        .map_err(failed(&v))?;
    let f = MandateForm {
        starts_on: crate::store::mandates::day_text(today),
        ends_on: crate::store::mandates::day_text(
            today.replace_year(today.year() + 1).unwrap_or(today),
        ),
        ..MandateForm::default()
    };
    page(&state, &v, f, Errors::default(), done).await
}

async fn give(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    Form(f): Form<MandateForm>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mandates"));
    };
    check_token(&v, &f._csrf)?;
    let input = MandateInput {
        agent_login: f.agent_login.clone(),
        agent_name: f.agent_name.clone(),
        agent_id_last4: f.agent_id_last4.clone(),
        agent_mobile: f.agent_mobile.clone(),
        theme: f.theme.clone(),
        specifier: f.specifier.clone(),
        starts_on: f.starts_on.clone(),
        ends_on: f.ends_on.clone(),
    };
    match state.identity.give_mandate(actor, input).await {
        Ok(_) => Ok(see_other("/account/mandates?done=given")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| {
                field_arg(m).map_or_else(|| "f-agent_login".to_string(), |f| format!("f-{f}"))
            })?
            .in_order(&[
                "f-agent_login",
                "f-agent_name",
                "f-agent_id_last4",
                "f-agent_mobile",
                "f-theme",
                "f-specifier",
                "f-starts_on",
                "f-ends_on",
            ]);
            page(&state, &v, f, errors, None).await
        }
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    _csrf: String,
    /// `accept` or `decline`.
    #[serde(default)]
    answer: String,
}

async fn answer(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mandates"));
    };
    check_token(&v, &f._csrf)?;
    let accept = f.answer == "accept";
    state
        .identity
        .answer_mandate(actor, &id, accept)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(if accept {
        "/account/mandates?done=accepted"
    } else {
        "/account/mandates?done=declined"
    }))
}

async fn revoke(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mandates"));
    };
    check_token(&v, &f._csrf)?;
    state
        .identity
        .revoke_mandate(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/account/mandates?done=revoked"))
}

/// A sign-in name with its middle hidden: `gr***@example.tw`, `+886***678`.
fn masked(login: &str) -> String {
    let chars: Vec<char> = login.chars().collect();
    let (keep_start, keep_end) = match login.find('@') {
        Some(at) => (2.min(at), chars.len() - login[..at].chars().count()),
        None => (4.min(chars.len()), 3.min(chars.len().saturating_sub(4))),
    };
    let start: String = chars.iter().take(keep_start).collect();
    let end: String = chars[chars.len() - keep_end..].iter().collect();
    format!("{start}***{end}")
}

/// Whether a row may still be answered or revoked.
impl Row {
    fn offered(&self) -> bool {
        self.state == State::Offered.as_str()
    }

    fn live(&self) -> bool {
        self.state == State::Offered.as_str() || self.state == State::Active.as_str()
    }
}
