//! Passkeys in the browser: the owner's list (add, rename, revoke) at `/account/passkeys`, the
//! sign-in without a password on the sign-in page, and the second step of a staff sign-in.
//!
//! A ceremony needs the browser's WebAuthn API, so these forms are shown by `ui.js` only where
//! the browser has it: the script asks the `…/challenge` route for the options (a same-site
//! POST with the form token, answered in JSON), lets the browser make or use the passkey, puts
//! its answer in the form and sends the form. That last POST is an ordinary one: checked by the
//! app, answered with a redirect (PRG) or the page again with the error.

use super::account::{code_page, form_page, signed_in, with_cookie};
use super::failed;
use crate::accounts::{PasskeyChallenge, PasskeyView, SessionStage};
use crate::doors::{IdentityState, Viewer, check_token, render};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use platform::ServiceError;
use platform::authz::Actor;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageError, jurisdiction, safe_back, see_other};

const HERE: &str = "/account/passkeys";

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route(HERE, get(list).post(add))
        .route("/account/passkeys/challenge", post(registration_challenge))
        .route("/account/passkeys/{id}/rename", post(rename))
        .route("/account/passkeys/{id}/revoke", post(revoke))
        .route("/sign-in/passkey", post(sign_in))
        .route("/sign-in/passkey/challenge", post(sign_in_challenge))
        .route("/sign-in/code/passkey", post(second_factor))
        .route(
            "/sign-in/code/passkey/challenge",
            post(second_factor_challenge),
        )
}

#[derive(Template)]
#[template(path = "citizen/passkeys.html")]
struct Passkeys {
    p: Page,
    passkeys: Vec<PasskeyView>,
    /// Whether this address can use passkeys at all (a host name, not an IP address).
    available: bool,
    /// More may be added.
    room: bool,
    name: String,
    errors: Errors,
}

/// The account of the session, signed in or enrolling the second factor its role requires.
fn owner(v: &Viewer) -> Option<&Actor> {
    match v.stage {
        Some(SessionStage::Full | SessionStage::EnrolSecondFactor) => v.actor.as_ref(),
        _ => None,
    }
}

async fn page(
    state: &IdentityState,
    v: &Viewer,
    name: String,
    errors: Errors,
    done: Option<String>,
) -> Result<Response, PageError> {
    let Some(actor) = owner(v) else {
        return Ok(see_other("/sign-in?back=/account/passkeys"));
    };
    let passkeys = state.identity.my_passkeys(actor).await.map_err(failed(v))?;
    let section = if actor.is_staff() {
        "passkeys"
    } else {
        "account"
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = Passkeys {
        p: Page::new(v, state, "passkeys-title", section)
            .with_errors(&errors)
            .with_status(done),
        room: passkeys.len() < crate::accounts::MAX_PASSKEYS,
        passkeys,
        available: state.identity.passkeys_available(),
        name,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn list(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<webkit::page::admin::Done>,
) -> Result<Response, PageError> {
    let done = match q.done.as_deref() {
        Some(d @ ("added" | "renamed" | "revoked")) => Some(v.t(&format!("passkey-done-{d}"))),
        _ => None,
    };
    page(&state, &v, String::new(), Errors::default(), done).await
}

#[derive(Deserialize, Default)]
struct F {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    back: String,
}

/// The refusal of a form token that does not check out, in JSON like the rest of a challenge
/// route's answers (the script reads every answer as JSON); None when it checks out.
fn checked_json(v: &Viewer, token: &str) -> Option<Response> {
    check_token(v, token).err().map(|_| {
        challenge_json(
            v,
            Err(ServiceError::Forbidden(domain::Message::new(
                "error-form-expired",
            ))),
        )
    })
}

/// A ceremony's options for the script, or its refusal as `{"message": …}` with the status
/// the app gave it.
fn challenge_json(v: &Viewer, result: platform::Result<PasskeyChallenge>) -> Response {
    match result {
        Ok(c) => axum::Json(serde_json::json!({
            "ceremony": c.ceremony,
            "options": c.options,
        }))
        .into_response(),
        Err(e) => {
            let refusal = e.refusal("pages");
            let message = refusal
                .messages
                .iter()
                .map(|m| webkit::i18n::message(v.locale, m))
                .collect::<Vec<_>>()
                .join(" ");
            let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST);
            (
                status,
                axum::Json(serde_json::json!({ "message": message })),
            )
                .into_response()
        }
    }
}

async fn registration_challenge(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    if let Some(refused) = checked_json(&v, &f._csrf) {
        return Ok(refused);
    }
    let Some(actor) = owner(&v) else {
        return Ok(challenge_json(
            &v,
            Err(ServiceError::Unauthenticated(domain::Message::new(
                "error-sign-in-required",
            ))),
        ));
    };
    // The name is asked for before the passkey is made, so a wrong one costs no ceremony.
    let result = match crate::accounts::check_passkey_name(&f.name) {
        Ok(_) => {
            let session = v.session.as_ref().map(|s| s.id_hash.as_str());
            state
                .identity
                .begin_passkey_registration(actor, session)
                .await
        }
        Err(e) => Err(e),
    };
    Ok(challenge_json(&v, result))
}

async fn add(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let Some(actor) = owner(&v) else {
        return Ok(see_other("/sign-in?back=/account/passkeys"));
    };
    let session = v.session.as_ref().map(|s| s.id_hash.as_str());
    match state
        .identity
        .finish_passkey_registration(actor, session, &f.ceremony, &f.name, &f.credential)
        .await
    {
        Ok((_, Some(renewed))) => {
            // The second factor the role required is in place: signed in fully.
            let cookie = crate::doors::session_cookie(&state, &renewed.id, renewed.expires_at);
            Ok(with_cookie(see_other("/start"), &cookie))
        }
        Ok((_, None)) => Ok(see_other("/account/passkeys?done=added")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-passkey-name".to_string())?;
            page(&state, &v, f.name, errors, None).await
        }
    }
}

async fn rename(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/passkeys"));
    };
    check_token(&v, &f._csrf)?;
    match state.identity.rename_passkey(actor, &id, &f.name).await {
        Ok(()) => Ok(see_other("/account/passkeys?done=renamed")),
        Err(e @ ServiceError::NotFound(_)) => Err(PageError::service(e, v.locale)),
        Err(e) => {
            let field = format!("f-rename-{id}");
            let errors = Errors::from_service(&v, e, |_| field.clone())?;
            page(&state, &v, String::new(), errors, None).await
        }
    }
}

async fn revoke(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/passkeys"));
    };
    check_token(&v, &f._csrf)?;
    state
        .identity
        .revoke_passkey(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/account/passkeys?done=revoked"))
}

async fn sign_in_challenge(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    if let Some(refused) = checked_json(&v, &f._csrf) {
        return Ok(refused);
    }
    Ok(challenge_json(
        &v,
        state.identity.begin_passkey_sign_in(&v.client).await,
    ))
}

async fn sign_in(
    State(state): State<IdentityState>,
    v: Viewer,
    headers: HeaderMap,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let j = jurisdiction(&state.platform, v.locale).await?;
    let back = safe_back(Some(&f.back));
    let context = crate::doors::sign_in_context(&headers, &state, &v.client);
    match state
        .identity
        .finish_passkey_sign_in(&j.id, &f.ceremony, &f.credential, context, None)
        .await
    {
        Ok(outcome) => Ok(signed_in(&state, outcome, back)),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-passkey".to_string())?;
            Ok(form_page(
                &state,
                &v,
                "sign-in",
                String::new(),
                back,
                errors,
                None,
            ))
        }
    }
}

async fn second_factor_challenge(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    if let Some(refused) = checked_json(&v, &f._csrf) {
        return Ok(refused);
    }
    let result = match (&v.session, v.stage) {
        (Some(s), Some(SessionStage::SecondFactor)) => {
            state
                .identity
                .begin_passkey_second_factor(&s.id_hash, &s.account_id)
                .await
        }
        _ => Err(ServiceError::invalid(domain::Message::new(
            "error-second-factor-not-pending",
        ))),
    };
    Ok(challenge_json(&v, result))
}

async fn second_factor(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let (Some(session), Some(SessionStage::SecondFactor)) = (&v.session, v.stage) else {
        return Ok(see_other("/sign-in"));
    };
    match state
        .identity
        .complete_second_factor_with_passkey(
            &session.id_hash,
            &session.account_id,
            &f.ceremony,
            &f.credential,
            None,
        )
        .await
    {
        Ok(s) => {
            let cookie = crate::doors::session_cookie(&state, &s.id, s.expires_at);
            Ok(with_cookie(see_other("/start"), &cookie))
        }
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-passkey".to_string())?;
            Ok(code_page(&state, &v, errors).await)
        }
    }
}
