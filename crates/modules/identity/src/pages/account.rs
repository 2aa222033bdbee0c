//! Accounts in the browser: sign-in (with the second factor where required), sign-up with a
//! one-time code, password reset, sign-out, and the citizen's "my cases".

use crate::accounts::{SessionStage, SignUp};
use crate::doors::IdentityState;
use crate::doors::Viewer;
use crate::doors::check_token;
use crate::doors::render;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use domain::Message;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::jurisdiction;
use webkit::page::{Page, decode, safe_back};
use webkit::page::{PageError, see_other};

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route("/sign-in", get(sign_in_form).post(sign_in))
        .route("/sign-in/code", get(code_form).post(code))
        .route("/sign-up", get(sign_up_form).post(sign_up))
        .route("/sign-up/verify", get(verify_form).post(verify))
        .route("/reset", get(reset_form).post(reset))
        .route(
            "/reset/confirm",
            get(reset_confirm_form).post(reset_confirm),
        )
        .route("/sign-out", post(sign_out))
        .route("/start", get(start))
}

/// The cases module's page of a citizen's account.
/// One form page of the account journeys; `kind` selects the fields in the template.
#[derive(Template)]
#[template(path = "citizen/account.html")]
struct AccountForm {
    p: Page,
    kind: &'static str,
    login: String,
    name: String,
    back: String,
    errors: Errors,
    notice: Option<String>,
    /// The city identity providers' buttons on the sign-in page: where each starts, its name.
    providers: Vec<(String, String)>,
    /// Offer a passkey (shown by the script where the browser can use one).
    passkey: bool,
    /// Show the form (false: the second step of an account that has only a passkey).
    code: bool,
}

impl AccountForm {
    /// A text of this form's kind, e.g. `sign-in-title`.
    fn k(&self, suffix: &str) -> String {
        self.p.t(format!("{}-{suffix}", self.kind))
    }
}

pub(super) fn form_page(
    state: &IdentityState,
    v: &Viewer,
    kind: &'static str,
    login: String,
    back: String,
    errors: Errors,
    notice: Option<String>,
) -> Response {
    // Anyone may hold a passkey for the sign-in page; the second step offers one only to
    // those who have one ([`code_page`]).
    let passkey = kind == "sign-in" && state.identity.passkeys_available();
    form_page_with(state, v, kind, login, back, errors, notice, (passkey, true))
}

/// The second step of a sign-in, offering the account's passkey when it has one.
pub(super) async fn code_page(state: &IdentityState, v: &Viewer, errors: Errors) -> Response {
    let (passkey, code) = match &v.session {
        Some(s) => {
            state
                .identity
                .second_step_options(&s.id_hash, &s.account_id)
                .await
        }
        None => (false, true),
    };
    form_page_with(
        state,
        v,
        "sign-in-code",
        String::new(),
        String::new(),
        errors,
        None,
        (passkey && state.identity.passkeys_available(), code),
    )
}

#[allow(clippy::too_many_arguments)]
fn form_page_with(
    state: &IdentityState,
    v: &Viewer,
    kind: &'static str,
    login: String,
    back: String,
    errors: Errors,
    notice: Option<String>,
    (passkey, code): (bool, bool),
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let p = Page::new(v, state, &format!("{kind}-title"), "account").with_errors(&errors);
    let providers = if kind == "sign-in" {
        super::city_login::provider_buttons(state, v, &back)
    } else {
        Vec::new()
    };
    let page = AccountForm {
        p,
        kind,
        login,
        name: String::new(),
        back,
        errors,
        notice,
        providers,
        passkey,
        code,
    };
    render(v, state, status, &page)
}

#[derive(Deserialize, Default)]
struct Q {
    back: Option<String>,
    login: Option<String>,
    /// `cancelled`: back from a city identity provider that did not sign the person in.
    #[serde(rename = "city-login")]
    city_login: Option<String>,
}

#[derive(Deserialize, Default)]
struct F {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    back: String,
}

pub(super) fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

fn errors_on(v: &Viewer, e: platform::ServiceError, field: &str) -> Result<Errors, PageError> {
    Errors::from_service(v, e, |m| {
        if m.id.contains("password") {
            "f-password".to_string()
        } else if m.id.contains("code") {
            "f-code".to_string()
        } else {
            field.to_string()
        }
    })
}

async fn sign_in_form(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<Q>,
) -> Response {
    let back = safe_back(q.back.as_deref().map(decode).as_deref());
    let notice =
        (q.city_login.as_deref() == Some("cancelled")).then(|| v.t("sign-in-city-login-cancelled"));
    form_page(
        &state,
        &v,
        "sign-in",
        String::new(),
        back,
        Errors::default(),
        notice,
    )
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
        .sign_in_from(&j.id, &f.login, &f.password, context, None)
        .await
    {
        Ok(outcome) => Ok(signed_in(&state, outcome, back)),
        Err(e) => {
            let errors = errors_on(&v, e, "f-login")?;
            Ok(form_page(
                &state, &v, "sign-in", f.login, back, errors, None,
            ))
        }
    }
}

/// The answer to a sign-in that worked (a password, or a passkey): on to where its stage leads
/// (`back`, once fully signed in), with the session and device cookies.
pub(super) fn signed_in(
    state: &IdentityState,
    outcome: crate::accounts::LoginOutcome,
    back: String,
) -> Response {
    let s = outcome.session;
    let next = match s.stage {
        SessionStage::Full if back != "/" => back,
        SessionStage::Full => "/start".to_string(),
        SessionStage::SecondFactor => "/sign-in/code".to_string(),
        SessionStage::EnrolSecondFactor => "/account/second-factor".to_string(),
    };
    let cookie = crate::doors::session_cookie(state, &s.id, s.expires_at);
    let device = crate::doors::device_cookie(state, &outcome.device);
    with_cookie(with_cookie(see_other(&next), &cookie), &device)
}

async fn code_form(State(state): State<IdentityState>, v: Viewer) -> Response {
    code_page(&state, &v, Errors::default()).await
}

async fn code(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let (Some(session), Some(actor)) = (&v.session, &v.actor) else {
        return Ok(see_other("/sign-in"));
    };
    let account = actor
        .account()
        .map_err(|e| PageError::service(e, v.locale))?
        .to_string();
    match state
        .identity
        .complete_second_factor(&session.id_hash, &account, &f.code, None)
        .await
    {
        Ok(s) => {
            let cookie = crate::doors::session_cookie(&state, &s.id, s.expires_at);
            // Still enrolling after the code: the role wants a passkey, which comes next.
            let next = match s.stage {
                SessionStage::EnrolSecondFactor => "/account/passkeys",
                _ => "/start",
            };
            Ok(with_cookie(see_other(next), &cookie))
        }
        Err(e) => {
            let errors = errors_on(&v, e, "f-code")?;
            Ok(code_page(&state, &v, errors).await)
        }
    }
}

async fn sign_up_form(State(state): State<IdentityState>, v: Viewer) -> Response {
    form_page(
        &state,
        &v,
        "sign-up",
        String::new(),
        String::new(),
        Errors::default(),
        None,
    )
}

async fn sign_up(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let j = jurisdiction(&state.platform, v.locale).await?;
    let input = SignUp {
        jurisdiction_id: j.id.clone(),
        login: f.login.clone(),
        password: f.password.clone(),
        display_name: f.name.clone(),
        locale: v.locale,
    };
    match state.identity.sign_up(input, &v.client, None).await {
        Ok(()) => Ok(see_other(&format!(
            "/sign-up/verify?login={}",
            webkit::page::encode(f.login.trim())
        ))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| {
                if m.id.contains("password") {
                    "f-password".to_string()
                } else if m.id.contains("name") {
                    "f-name".to_string()
                } else {
                    "f-login".to_string()
                }
            })?
            .in_order(&["f-name", "f-login", "f-password"]);
            let p = Page::new(&v, &state, "sign-up-title", "account").with_errors(&errors);
            let page = AccountForm {
                p,
                kind: "sign-up",
                login: f.login,
                name: f.name,
                back: String::new(),
                errors,
                notice: None,
                providers: Vec::new(),
                passkey: false,
                code: true,
            };
            Ok(render(&v, &state, StatusCode::BAD_REQUEST, &page))
        }
    }
}

async fn verify_form(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<Q>,
) -> Response {
    let notice = Some(v.t("sign-up-code-sent"));
    form_page(
        &state,
        &v,
        "sign-up-verify",
        q.login.unwrap_or_default(),
        String::new(),
        Errors::default(),
        notice,
    )
}

async fn verify(
    State(state): State<IdentityState>,
    v: Viewer,
    headers: HeaderMap,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let j = jurisdiction(&state.platform, v.locale).await?;
    let context = crate::doors::sign_in_context(&headers, &state, &v.client);
    match state
        .identity
        .verify_sign_up_and_sign_in(&j.id, &f.login, &f.code, context, None)
        .await
    {
        // The new account's owner is signed in: no second typing of the password.
        Ok(Some(outcome)) => {
            let s = outcome.session;
            let next = match s.stage {
                SessionStage::Full => "/my/cases?done=account-verified",
                SessionStage::SecondFactor => "/sign-in/code",
                SessionStage::EnrolSecondFactor => "/account/second-factor",
            };
            let cookie = crate::doors::session_cookie(&state, &s.id, s.expires_at);
            let device = crate::doors::device_cookie(&state, &outcome.device);
            Ok(with_cookie(with_cookie(see_other(next), &cookie), &device))
        }
        // Already active (a second click, say): the sign-in form, with the login filled in.
        Ok(None) => {
            let notice = Some(v.t("sign-up-verified"));
            Ok(form_page(
                &state,
                &v,
                "sign-in",
                f.login,
                "/my/cases".into(),
                Errors::default(),
                notice,
            ))
        }
        Err(e) => {
            let errors = errors_on(&v, e, "f-code")?;
            Ok(form_page(
                &state,
                &v,
                "sign-up-verify",
                f.login,
                String::new(),
                errors,
                None,
            ))
        }
    }
}

async fn reset_form(State(state): State<IdentityState>, v: Viewer) -> Response {
    form_page(
        &state,
        &v,
        "reset",
        String::new(),
        String::new(),
        Errors::default(),
        None,
    )
}

async fn reset(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let j = jurisdiction(&state.platform, v.locale).await?;
    if f.login.trim().is_empty() {
        let mut errors = Errors::default();
        errors.add(&v, "f-login", &Message::new("error-login-required"));
        return Ok(form_page(
            &state,
            &v,
            "reset",
            f.login,
            String::new(),
            errors,
            None,
        ));
    }
    match state
        .identity
        .request_password_reset(&j.id, &f.login, &v.client, v.locale)
        .await
    {
        // The same answer whether or not the account exists.
        Ok(()) => Ok(see_other(&format!(
            "/reset/confirm?login={}",
            webkit::page::encode(f.login.trim())
        ))),
        Err(e) => {
            let errors = errors_on(&v, e, "f-login")?;
            Ok(form_page(
                &state,
                &v,
                "reset",
                f.login,
                String::new(),
                errors,
                None,
            ))
        }
    }
}

async fn reset_confirm_form(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<Q>,
) -> Response {
    let notice = Some(v.t("reset-code-sent"));
    form_page(
        &state,
        &v,
        "reset-confirm",
        q.login.unwrap_or_default(),
        String::new(),
        Errors::default(),
        notice,
    )
}

async fn reset_confirm(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let j = jurisdiction(&state.platform, v.locale).await?;
    match state
        .identity
        .reset_password(&j.id, &f.login, &f.code, &f.password, None)
        .await
    {
        Ok(()) => {
            let notice = Some(v.t("reset-done"));
            Ok(form_page(
                &state,
                &v,
                "sign-in",
                f.login,
                String::new(),
                Errors::default(),
                notice,
            ))
        }
        Err(e) => {
            let errors = errors_on(&v, e, "f-code")?;
            Ok(form_page(
                &state,
                &v,
                "reset-confirm",
                f.login,
                String::new(),
                errors,
                None,
            ))
        }
    }
}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    _csrf: String,
}

async fn sign_out(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<Token>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let mut next = None;
    if let (Some(actor), Some(session)) = (&v.actor, &v.session) {
        let provider = state
            .identity
            .sign_out(actor, &session.id_hash)
            .await
            .map_err(|e| PageError::service(e, v.locale))?;
        if let Some(p) = provider {
            next = state
                .identity
                .provider_logout_url(&actor.jurisdiction_id, &p)
                .await;
        }
    }
    // Signed in through the city's login: on to the provider, which ends its session and
    // sends the browser back home.
    Ok(with_cookie(
        see_other(next.as_deref().unwrap_or("/")),
        &crate::doors::clear_session_cookie(&state),
    ))
}

/// Where a signed-in account starts: the first area of work its permissions open in the
/// navigation of the modules that run (`webkit::page::Navigation::start`).
pub async fn start(State(state): State<IdentityState>, v: Viewer) -> Response {
    let to = if v.signed_in().is_none() {
        "/sign-in"
    } else {
        state
            .web
            .navigation
            .start(&v)
            .unwrap_or("/account/second-factor")
    };
    see_other(to)
}
