//! Bringing one's details from MyData, in pages: what is fetched and kept and why, the consent
//! it stands on, the way to MyData and back, each import's state, and using the kept fields.
//! Also MyData's server-to-server notice (`/mydata/notice`), which is MyData's protocol, not a
//! page: it answers JSON.

use super::failed;
use crate::accounts::{ImportView, MYDATA_NOTICE_PATH, MYDATA_RETURN_PATH};
use crate::domain::mydata_import::ImportStatus;
use crate::doors::{IdentityState, Viewer, check_token, render};
use crate::purposes::MYDATA_PREFILL;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageError, see_other};

const HERE: &str = "/account/mydata";

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route(HERE, get(list))
        .route("/account/mydata/start", post(start))
        .route(MYDATA_RETURN_PATH, get(returned))
        .route("/account/mydata/{tx}/use", post(use_it))
        .route(MYDATA_NOTICE_PATH, post(notice))
}

#[derive(Template)]
#[template(path = "citizen/mydata.html")]
struct MyDataPage {
    p: Page,
    offered: bool,
    /// Why the consent does not stand, if it does not (a message id).
    no_consent: Option<String>,
    imports: Vec<ImportView>,
    keep_days: u32,
    errors: Errors,
}

impl MyDataPage {
    fn masked(&self, id: &str) -> String {
        domain::identity::PersonalId::parse(id)
            .map(|p| p.masked())
            .unwrap_or_default()
    }
}

async fn page(
    state: &IdentityState,
    v: &Viewer,
    errors: Errors,
    done: Option<String>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in().filter(|a| a.is_citizen()) else {
        return Ok(see_other("/sign-in?back=/account/mydata"));
    };
    let imports = state
        .identity
        .my_mydata_imports(actor)
        .await
        .map_err(failed(v))?;
    let me = actor
        .account()
        .map_err(|e| PageError::service(e, v.locale))?;
    let no_consent = match state.identity.basis_for(me, MYDATA_PREFILL.code).await {
        Ok(_) => None,
        Err(platform::ServiceError::Forbidden(m)) => Some(webkit::i18n::message(v.locale, &m)),
        Err(e) => return Err(PageError::service(e, v.locale)),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let config = state.identity.platform().config();
    let page = MyDataPage {
        p: Page::new(v, state, "mydata-title", "account")
            .with_errors(&errors)
            .with_status(done),
        offered: config.mydata.is_some(),
        keep_days: state
            .identity
            .platform()
            .retention_days(&crate::purposes::MYDATA_RECORDS),
        no_consent,
        imports,
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
        Some(d @ ("used" | "declined" | "failed" | "consented")) => {
            Some(v.t(&format!("mydata-done-{d}")))
        }
        _ => None,
    };
    page(&state, &v, Errors::default(), done).await
}

#[derive(Deserialize, Default)]
struct F {
    #[serde(default)]
    _csrf: String,
}

async fn start(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mydata"));
    };
    check_token(&v, &f._csrf)?;
    // Refused (no consent, no MyData here): the error page says why; the page itself never
    // offers the button then.
    let url = state
        .identity
        .start_mydata_import(actor)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&url))
}

#[derive(Deserialize)]
struct Back {
    #[serde(default)]
    code: String,
    #[serde(default)]
    tx_id: String,
}

/// Back from MyData: where the import is now, said on the list.
async fn returned(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<Back>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mydata"));
    };
    let import = state
        .identity
        .mydata_returned(actor, &q.tx_id, &q.code)
        .await
        .map_err(failed(&v))?;
    let done = match import.status {
        ImportStatus::Declined => "declined",
        ImportStatus::Failed => "failed",
        ImportStatus::Used => "used",
        _ => "consented",
    };
    Ok(see_other(&format!("/account/mydata?done={done}")))
}

async fn use_it(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(tx): Path<String>,
    Form(f): Form<F>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/mydata"));
    };
    check_token(&v, &f._csrf)?;
    match state.identity.use_mydata_import(actor, &tx).await {
        Ok(()) => Ok(see_other("/account/mydata?done=used")),
        Err(e @ platform::ServiceError::NotFound(_)) => Err(PageError::service(e, v.locale)),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-mydata-imports".to_string())?;
            page(&state, &v, errors, None).await
        }
    }
}

/// MyData's notice: 200 `{"status":"ok"}`, or the refusal's status with a code.
async fn notice(State(state): State<IdentityState>, body: Bytes) -> Response {
    match state.identity.receive_mydata_notice(&body).await {
        Ok(()) => axum::Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(e) => {
            let refusal = e.refusal("mydata notice");
            let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST);
            let code = refusal.messages.first().map(|m| m.id.to_string());
            (
                status,
                axum::Json(serde_json::json!({ "status": "refused", "code": code })),
            )
                .into_response()
        }
    }
}
