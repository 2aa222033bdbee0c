//! Who is calling, for every module's doors: a session cookie (browsers) or a bearer token (API
//! clients), the stage of the session, CSRF protection for cookie-authenticated writes, and the
//! cookies a sign-in sets. The extractors work over any door state that can lend an
//! [`IdentityApp`] ([`SignInState`]).

mod state;
pub mod viewer;

pub use state::{IdentityDoors, IdentityState, IdentityStateInner, ModuleState, ModuleStateInner};

pub use viewer::{Viewer, check_token, gate, render, require};

use crate::IdentityApp;
use crate::accounts::SessionStage;
use crate::store::sessions::Session;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use domain::Message;
use platform::authz::Actor;
use webkit::{ApiError, DoorState, Lang, check_same_site, cookie, is_write, request_id};

/// A door state that signs callers in: the HTTP settings and the identity module.
pub trait SignInState: DoorState {
    fn identity(&self) -> &IdentityApp;
}

impl<T: SignInState> SignInState for webkit::Shared<T> {
    fn identity(&self) -> &IdentityApp {
        (**self).identity()
    }
}

pub const SESSION_COOKIE: &str = "civicdesk_session";
/// The device cookie a browser gets at a successful sign-in: with it, that browser keeps a
/// sign-in failure budget of its own (`crate::accounts::login`). `__Host-` prefixed on https.
pub const DEVICE_COOKIE: &str = "civicdesk_device";
const DEVICE_COOKIE_DAYS: i64 = 180;
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in caller whose session (if any) has passed every stage.
pub struct Caller {
    pub actor: Actor,
    pub session: Option<Session>,
    pub lang: Lang,
}

/// A caller whose session may still be at an intermediate stage (second factor pending, or
/// enrolment required). Only the routes that complete those stages take this.
pub struct PartialCaller {
    pub actor: Actor,
    pub session: Option<Session>,
    pub stage: SessionStage,
    pub lang: Lang,
}

fn unauthenticated(id: &'static str, lang: Lang) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, Message::new(id)).in_lang(lang)
}

async fn resolve<S: SignInState>(
    parts: &mut Parts,
    state: &S,
) -> Result<(Actor, Option<Session>, SessionStage, Lang), ApiError> {
    let Ok(lang) = Lang::from_request_parts(parts, state).await;
    let rid = request_id(parts);
    let internal = |e| ApiError::from_service(e, lang);
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| unauthenticated("error-token-invalid", lang))?;
        let actor = state
            .identity()
            .authenticate_token(token, rid)
            .await
            .map_err(internal)?
            .ok_or_else(|| unauthenticated("error-token-invalid", lang))?;
        return Ok((actor, None, SessionStage::Full, lang));
    }
    let Some(raw) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Err(unauthenticated("error-sign-in-required", lang));
    };
    let (session, actor) = state
        .identity()
        .authenticate_session(raw, rid)
        .await
        .map_err(internal)?
        .ok_or_else(|| unauthenticated("error-session-expired", lang))?;
    check_same_site(parts, lang)?;
    if is_write(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let expected = session.csrf_token.as_bytes();
        let matches = sent.len() == expected.len()
            && sent
                .bytes()
                .zip(expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !matches {
            return Err(
                ApiError::new(StatusCode::FORBIDDEN, Message::new("error-csrf")).in_lang(lang),
            );
        }
    }
    let stage = SessionStage::parse(&session.stage).unwrap_or(SessionStage::SecondFactor);
    Ok((actor, Some(session), stage, lang))
}

/// A browser's session from its cookie, at whatever stage, *without* the CSRF header check:
/// server-rendered forms carry their token in a form field, which the page layer checks.
/// `Ok(None)` when there is no cookie or the session has expired.
pub async fn browser_session(
    parts: &Parts,
    state: &impl SignInState,
) -> Result<Option<(Actor, Session, SessionStage)>, platform::ServiceError> {
    let Some(raw) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some((session, actor)) = state
        .identity()
        .authenticate_session(raw, request_id(parts))
        .await?
    else {
        return Ok(None);
    };
    let stage = SessionStage::parse(&session.stage).unwrap_or(SessionStage::SecondFactor);
    Ok(Some((actor, session, stage)))
}

/// The `Set-Cookie` value that carries a new session.
pub fn session_cookie(state: &impl SignInState, id: &str, expires_at: i64) -> String {
    let max_age = (expires_at - state.identity().now()).max(0);
    let secure = if state.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The device cookie's name: `__Host-civicdesk_device` when the public URL is https.
pub fn device_cookie_name(state: &impl DoorState) -> String {
    if state.secure_cookies() {
        format!("__Host-{DEVICE_COOKIE}")
    } else {
        DEVICE_COOKIE.to_string()
    }
}

/// The `Set-Cookie` value that carries a device cookie.
pub fn device_cookie(state: &impl DoorState, value: &str) -> String {
    let secure = if state.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        device_cookie_name(state),
        DEVICE_COOKIE_DAYS * 24 * 3600
    )
}

/// What a browser's cookies bring to a sign-in: its device cookie and the session it holds.
pub fn sign_in_context<'a>(
    headers: &'a HeaderMap,
    state: &impl SignInState,
    client: &'a str,
) -> crate::accounts::SignInContext<'a> {
    crate::accounts::SignInContext {
        client,
        device: cookie(headers, &device_cookie_name(state)),
        previous_session: cookie(headers, SESSION_COOKIE),
    }
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(state: &impl DoorState) -> String {
    let secure = if state.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

impl<S: SignInState> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (actor, session, stage, lang) = resolve(parts, state).await?;
        match stage {
            SessionStage::Full => Ok(Caller {
                actor,
                session,
                lang,
            }),
            SessionStage::SecondFactor => Err(unauthenticated("error-second-factor-pending", lang)),
            SessionStage::EnrolSecondFactor => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Message::new("error-second-factor-enrol"),
            )
            .in_lang(lang)),
        }
    }
}

/// `Option<Caller>`: `None` when the request carries no credentials at all; credentials that
/// are present but wrong are still refused.
impl<S: SignInState> axum::extract::OptionalFromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let has_credentials = parts.headers.contains_key(header::AUTHORIZATION)
            || cookie(&parts.headers, SESSION_COOKIE).is_some();
        if !has_credentials {
            let Ok(lang) = Lang::from_request_parts(parts, state).await;
            check_same_site(parts, lang)?;
            return Ok(None);
        }
        <Caller as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

impl<S: SignInState> FromRequestParts<S> for PartialCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (actor, session, stage, lang) = resolve(parts, state).await?;
        Ok(PartialCaller {
            actor,
            session,
            stage,
            lang,
        })
    }
}
