//! Signing in through a city's identity provider: `/sign-in/with/{provider}` sends the browser
//! there (and keeps the state in a short cookie for this browser), `/sign-in/callback/{provider}`
//! is where the provider sends it back. A signed-in citizen links a provider to their account
//! through `/account/link/{provider}`, which is also how an action that needs a real name
//! proved steps up (`/account/step-up`). What happens is the identity app's
//! ([`crate::IdentityApp::start_city_login`], [`crate::IdentityApp::finish_city_login`]).

use super::account::with_cookie;
use crate::accounts::{ATTEMPT_SECONDS, SessionStage};
use crate::doors::{IdentityState, Viewer, check_token, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use webkit::page::{Page, PageError, encode, jurisdiction, safe_back, see_other};
use webkit::{DoorState, cookie};

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route("/sign-in/with/{provider}", get(start))
        .route("/sign-in/callback/{provider}", get(callback))
        .route("/account/link/{provider}", axum::routing::post(link))
        .route("/account", get(account))
        .route("/account/step-up", get(step_up))
}

/// A linked or linkable city login on the account page.
struct LoginRow {
    name: String,
    /// When it was linked; `None` offers the link.
    linked_at: Option<i64>,
    href: String,
}

#[derive(Template)]
#[template(path = "citizen/my_account.html")]
struct MyAccount {
    p: Page,
    o: crate::accounts::AccountOverview,
    logins: Vec<LoginRow>,
}

/// The citizen's own account: name, sign-in name, how sure civicdesk is of who they are, and
/// the city logins linked or to link.
async fn account(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<webkit::page::admin::Done>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account"));
    };
    let o = state
        .identity
        .account_overview(actor)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let logins = state
        .identity
        .login_providers(&actor.jurisdiction_id)
        .into_iter()
        .map(|p| LoginRow {
            linked_at: o
                .links
                .iter()
                .find(|(id, _)| *id == p.id)
                .map(|(_, at)| *at),
            href: format!("/account/link/{}", p.id),
            name: match v.locale {
                domain::Locale::En => p.name_en,
                domain::Locale::ZhTw => p.name_zh,
            },
        })
        .collect();
    let done = match q.done.as_deref() {
        Some("city-login-linked") => Some(v.t("done-city-login-linked")),
        _ => None,
    };
    let page = MyAccount {
        p: Page::new(&v, &state, "my-account-title", "account").with_status(done),
        o,
        logins,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// The cookie that ties the provider's answer to the browser that asked: on https a
/// `__Host-` cookie (Secure, `Path=/`, no Domain), which no sibling subdomain can plant.
const STATE_COOKIE: &str = "civicdesk_city_login";

fn state_cookie_name(state: &IdentityState) -> String {
    if state.secure_cookies() {
        format!("__Host-{STATE_COOKIE}")
    } else {
        STATE_COOKIE.to_string()
    }
}

fn state_cookie(state: &IdentityState, value: &str, max_age: i64) -> String {
    let secure = if state.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        state_cookie_name(state)
    )
}

/// The buttons of the sign-in page: where each provider's starts, and its name in the page's
/// language.
pub fn provider_buttons(state: &IdentityState, v: &Viewer, back: &str) -> Vec<(String, String)> {
    let config = state.identity.platform().config();
    let Some(j) = config.default_jurisdiction.clone().or_else(|| {
        config
            .login_providers
            .first()
            .map(|p| p.jurisdiction.clone())
    }) else {
        return Vec::new();
    };
    state
        .identity
        .login_providers(&j)
        .into_iter()
        .map(|p| {
            let name = match v.locale {
                domain::Locale::En => p.name_en,
                domain::Locale::ZhTw => p.name_zh,
            };
            (
                format!("/sign-in/with/{}?back={}", p.id, encode(back)),
                name,
            )
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct StartQuery {
    #[serde(default)]
    back: Option<String>,
}

async fn start(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(provider): Path<String>,
    Query(q): Query<StartQuery>,
) -> Result<Response, PageError> {
    let j = jurisdiction(&state.platform, v.locale).await?;
    let back = safe_back(q.back.as_deref());
    let started = state
        .identity
        .start_city_login(&j.id, &provider, &back, None, &v.client)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    Ok(with_cookie(
        see_other(&started.authorize_url),
        &state_cookie(&state, &started.state, ATTEMPT_SECONDS),
    ))
}

#[derive(Deserialize, Default)]
struct LinkForm {
    #[serde(default)]
    _csrf: String,
    /// Where to go once linked (a step up names the page that asked); the account page by
    /// default.
    #[serde(default)]
    back: Option<String>,
}

/// Linking a provider to the signed-in citizen's account (a form on `/account`): the same
/// trip, marked as a link, finished only in this session.
async fn link(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(provider): Path<String>,
    axum::extract::Form(f): axum::extract::Form<LinkForm>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account"));
    };
    check_token(&v, &f._csrf)?;
    let back = match f.back.as_deref() {
        Some(b) if !b.is_empty() => safe_back(Some(b)),
        _ => "/account?done=city-login-linked".to_string(),
    };
    let started = state
        .identity
        .start_city_login(
            &actor.jurisdiction_id,
            &provider,
            &back,
            Some(actor),
            &v.client,
        )
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    Ok(with_cookie(
        see_other(&started.authorize_url),
        &state_cookie(&state, &started.state, ATTEMPT_SECONDS),
    ))
}

#[derive(Deserialize, Default)]
struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    /// The provider's refusal (`access_denied` when the person cancelled).
    #[serde(default)]
    error: Option<String>,
}

async fn callback(
    State(state): State<IdentityState>,
    v: Viewer,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let clear = state_cookie(&state, "", 0);
    if q.error.is_some() {
        // The person said no, or the provider could not sign them in: back to the sign-in
        // page, which says so.
        return Ok(with_cookie(
            see_other("/sign-in?city-login=cancelled"),
            &clear,
        ));
    }
    let j = jurisdiction(&state.platform, v.locale).await?;
    let context = crate::doors::sign_in_context(&headers, &state, &v.client);
    let done = state
        .identity
        .finish_city_login(
            &j.id,
            &provider,
            &crate::accounts::ProviderAnswer {
                code: &q.code,
                state: &q.state,
                browser_state: cookie(&headers, &state_cookie_name(&state)),
            },
            v.signed_in(),
            context,
        )
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let s = done.login.session;
    let next = match s.stage {
        SessionStage::Full if done.back != "/" => done.back,
        SessionStage::Full => "/start".to_string(),
        SessionStage::SecondFactor => "/sign-in/code".to_string(),
        SessionStage::EnrolSecondFactor => "/account/second-factor".to_string(),
    };
    let session = crate::doors::session_cookie(&state, &s.id, s.expires_at);
    let device = crate::doors::device_cookie(&state, &done.login.device);
    Ok(with_cookie(
        with_cookie(with_cookie(see_other(&next), &session), &device),
        &clear,
    ))
}

#[derive(Template)]
#[template(path = "citizen/step_up.html")]
struct StepUp {
    p: Page,
    /// The providers that can prove a real name: their id and name.
    providers: Vec<(String, String)>,
    back: String,
}

#[derive(Deserialize, Default)]
struct BackQuery {
    #[serde(default)]
    back: Option<String>,
}

/// Where an action that needs a real name proved sends a citizen whose account has not: the
/// city logins that can prove it, each linking to their account and coming back to `back`.
async fn step_up(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<BackQuery>,
) -> Result<Response, PageError> {
    let back = safe_back(q.back.as_deref());
    let Some(actor) = v.signed_in() else {
        return Ok(see_other(&format!(
            "/sign-in?back={}",
            encode(&format!("/account/step-up?back={}", encode(&back)))
        )));
    };
    let providers = state
        .identity
        .providers_reaching(
            &actor.jurisdiction_id,
            crate::domain::city_login::Assurance::RealName,
        )
        .into_iter()
        .map(|p| {
            let name = if v.locale == domain::Locale::En {
                p.name_en
            } else {
                p.name_zh
            };
            (p.id, name)
        })
        .collect();
    let page = StepUp {
        p: Page::new(&v, &state, "step-up-title", "account"),
        providers,
        back,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
