//! A citizen's applications: the list, and one application from its draft (the form, the
//! documents, the PDPA notice and consent) through a correction to the fee and the pickup.

use super::fields::{self, FieldView, Posted};
use super::ntd;
use crate::app::apply::ApplicationView;
use crate::app::pickup::{AgentInput, PickupInfo};
use crate::app::{Application, Document};
use crate::domain::application::{Role, State as AppState, allowed};
use crate::module::CounterState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use domain::Message;
use identity::doors::{Viewer, check_token, render};
use platform::ServiceError;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageError, PageResult, failed, see_other};

/// A form post with its documents: 10 documents of 5 MB and the answers.
const MAX_FORM_BYTES: usize = 12 * 1024 * 1024;

pub fn routes() -> Router<CounterState> {
    Router::new()
        .route("/services/applications", get(list))
        .route(
            "/services/applications/{id}",
            get(show)
                .post(post_form)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/services/applications/{id}/withdraw", post(withdraw))
        .route("/services/applications/{id}/pay", post(pay))
        .route("/services/applications/{id}/code", post(new_code))
        .route("/services/applications/{id}/agent", post(agent))
        .route("/services/applications/{id}/documents/{doc}", get(document))
}

fn sign_in(back: &str) -> PageResult {
    Ok(see_other(&format!("/sign-in?back={back}")))
}

struct Row {
    id: String,
    number: String,
    service: String,
    state: &'static str,
    updated_at: i64,
}

#[derive(Template)]
#[template(path = "counter/applications.html")]
struct ListPage {
    p: Page,
    rows: Vec<Row>,
}

async fn list(State(state): State<CounterState>, v: Viewer) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in("/services/applications");
    };
    let mine = state
        .module
        .my_applications(actor)
        .await
        .map_err(failed(&v))?;
    let rows = mine
        .into_iter()
        .map(|(a, s)| Row {
            service: s.map_or_else(
                || a.service_code.clone(),
                |s| s.name.get(v.locale).to_string(),
            ),
            state: a.state.as_str(),
            id: a.id,
            number: a.number,
            updated_at: a.updated_at,
        })
        .collect();
    let page = ListPage {
        p: Page::new(&v, &state, "counter-mine-title", "services"),
        rows,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

struct EventRow {
    at: i64,
    what: String,
    note: String,
}

#[derive(Template)]
#[template(path = "counter/application.html")]
struct AppPage {
    p: Page,
    a: Application,
    service: String,
    office: String,
    fee: String,
    fields: Vec<FieldView>,
    documents: Vec<Document>,
    notice: String,
    form_version: i64,
    events: Vec<EventRow>,
    may_withdraw: bool,
    may_pay: bool,
    editable: bool,
    pickup: Option<PickupInfo>,
    may_name_agent: bool,
    agent_form: AgentForm,
    errors: Errors,
    done: String,
}

#[derive(Deserialize, Default, Clone)]
struct AgentForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_last4: String,
    #[serde(default)]
    mobile: String,
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

fn event_row(v: &Viewer, e: &crate::app::ApplicationEvent) -> EventRow {
    let data: serde_json::Value = serde_json::from_str(&e.event.data).unwrap_or_default();
    let note = ["note", "reason"]
        .iter()
        .find_map(|k| data.get(*k).and_then(|n| n.as_str()))
        .unwrap_or_default()
        .to_string();
    EventRow {
        at: e.event.created_at,
        what: v.t(&format!("counter-event-{}", e.event.kind)),
        note,
    }
}

async fn page(
    state: &CounterState,
    v: &Viewer,
    view: ApplicationView,
    answers: Option<std::collections::BTreeMap<String, String>>,
    errors: Errors,
    done: String,
) -> PageResult {
    page_with(state, v, view, answers, errors, done, AgentForm::default()).await
}

async fn page_with(
    state: &CounterState,
    v: &Viewer,
    view: ApplicationView,
    answers: Option<std::collections::BTreeMap<String, String>>,
    errors: Errors,
    done: String,
    agent_form: AgentForm,
) -> PageResult {
    let a = &view.application;
    let pickup = state.module.pickup_info(a).await.map_err(failed(v))?;
    let may_name_agent = view.service.agent_may_pick_up
        && matches!(
            a.state,
            AppState::Submitted
                | AppState::UnderReview
                | AppState::NeedsCorrection
                | AppState::Approved
                | AppState::ReadyForPickup
        )
        && a.place.as_deref() != Some("post");
    let catalogue = state
        .module
        .catalogue(&a.jurisdiction_id)
        .await
        .map_err(failed(v))?;
    let office = catalogue
        .office(&a.office_code)
        .map(|(o, _)| o.name.get(v.locale).to_string())
        .unwrap_or_default();
    let editable = matches!(a.state, AppState::Draft | AppState::NeedsCorrection);
    let answers = answers.unwrap_or_else(|| a.answers.clone());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let errors = fields::ordered(errors, &view.form);
    let page = AppPage {
        p: Page::new(v, state, "counter-application-title", "services")
            .with_title(format!("{} {}", view.service.name.get(v.locale), a.number))
            .with_errors(&errors),
        service: view.service.name.get(v.locale).to_string(),
        office,
        fee: if a.fee == 0 {
            v.t("counter-fee-free")
        } else {
            ntd(a.fee)
        },
        fields: fields::views(&view.form, &answers, &view.documents, v.locale),
        notice: view.form.pdpa_notice.get(v.locale).to_string(),
        form_version: a.form_version,
        events: view.events.iter().map(|e| event_row(v, e)).collect(),
        may_withdraw: a.state == AppState::Draft
            || allowed(a.state, Role::Applicant)
                .iter()
                .any(|x| x.as_str() == "withdraw"),
        may_pay: a.fee > 0
            && a.paid_at.is_none()
            && matches!(a.state, AppState::Approved | AppState::ReadyForPickup),
        editable,
        pickup,
        may_name_agent,
        agent_form,
        documents: view.documents.clone(),
        a: view.application.clone(),
        errors,
        done,
    };
    Ok(render(v, state, status, &page))
}

async fn show(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in(&format!("/services/applications/{id}"));
    };
    let view = state
        .module
        .my_application(actor, &id)
        .await
        .map_err(failed(&v))?;
    page(&state, &v, view, None, Errors::default(), q.done).await
}

/// Saves, submits or corrects: the documents first, then the answers.
async fn post_form(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in(&format!("/services/applications/{id}"));
    };
    let posted: Posted = fields::read(multipart).await.map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            "counter-error-upload-broken",
            v.locale,
        )
    })?;
    check_token(&v, posted.get("_csrf"))?;
    let m = &state.module;
    let view = m.my_application(actor, &id).await.map_err(failed(&v))?;
    let mut answers = posted.answers();
    let mut errors = Errors::default();
    for (key, body) in posted.files.iter().cloned() {
        match m.add_document(actor, &id, &key, body).await {
            Ok(doc) => {
                answers.insert(key, doc.id);
            }
            Err(e) => {
                let form = &view.form;
                let more = Errors::from_service(&v, e, |msg| {
                    let f = fields::field_of(form, msg);
                    if f == "f-form" { format!("f-{key}") } else { f }
                })?;
                errors.items.extend(more.items);
            }
        }
    }
    let action = posted.get("do");
    let done = if errors.is_empty() {
        let result = match action {
            "submit" => m
                .submit(actor, &id, answers.clone(), posted.get("consent") == "yes")
                .await
                .map(|_| "submitted"),
            "correct" => m
                .correct(actor, &id, answers.clone())
                .await
                .map(|_| "corrected"),
            _ => m
                .save_draft(actor, &id, answers.clone())
                .await
                .map(|_| "saved"),
        };
        match result {
            Ok(done) => {
                return Ok(see_other(&format!(
                    "/services/applications/{id}?done={done}"
                )));
            }
            Err(ServiceError::Forbidden(msg)) if msg.id == "error-step-up" => {
                return Ok(see_other("/account/step-up"));
            }
            Err(e) => {
                let form = &view.form;
                errors = Errors::from_service(&v, e, |msg| fields::field_of(form, msg))?;
            }
        }
        String::new()
    } else {
        String::new()
    };
    // Shown again with what was typed, on the application as it now stands.
    let view = m.my_application(actor, &id).await.map_err(failed(&v))?;
    let mut shown = view.application.answers.clone();
    shown.extend(answers);
    page(&state, &v, view, Some(shown), errors, done).await
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

async fn withdraw(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in(&format!("/services/applications/{id}"));
    };
    check_token(&v, &f._csrf)?;
    state
        .module
        .withdraw(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&format!(
        "/services/applications/{id}?done=withdrawn"
    )))
}

async fn pay(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in(&format!("/services/applications/{id}"));
    };
    check_token(&v, &f._csrf)?;
    let created = state.module.pay_fee(actor, &id).await.map_err(failed(&v))?;
    Ok(see_other(&created.next_url))
}

#[derive(Template)]
#[template(path = "counter/code.html")]
struct CodePage {
    p: Page,
    id: String,
    code: String,
    qr: String,
}

/// A new pickup code, shown once with its QR (a secret is not put in a redirect).
async fn new_code(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in(&format!("/services/applications/{id}"));
    };
    check_token(&v, &f._csrf)?;
    let (grant, code) = state
        .module
        .rotate_code(actor, &id)
        .await
        .map_err(failed(&v))?;
    let payload = crate::domain::pickup::qr_payload(&grant, &code);
    let qr = qrcode::QrCode::new(payload.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    let page = CodePage {
        p: Page::new(&v, &state, "counter-code-title", "services"),
        id,
        code,
        qr,
    };
    let mut response = render(&v, &state, StatusCode::OK, &page);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn agent(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AgentForm>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in(&format!("/services/applications/{id}"));
    };
    check_token(&v, &f._csrf)?;
    let input = AgentInput {
        login: f.login.clone(),
        name: f.name.clone(),
        id_last4: f.id_last4.clone(),
        mobile: f.mobile.clone(),
    };
    match state.module.name_agent(actor, &id, input).await {
        Ok(()) => Ok(see_other(&format!(
            "/services/applications/{id}?done=agent"
        ))),
        Err(e) => {
            let errors =
                Errors::from_service(&v, e, |m| match webkit::page::forms::field_arg(m) {
                    Some("agent_login") => "f-agent-login".to_string(),
                    Some("agent_name") => "f-agent-name".to_string(),
                    Some("agent_id_last4") => "f-agent-last4".to_string(),
                    Some("agent_mobile") => "f-agent-mobile".to_string(),
                    _ => "f-agent-name".to_string(),
                })?;
            let view = state
                .module
                .my_application(actor, &id)
                .await
                .map_err(failed(&v))?;
            page_with(&state, &v, view, None, errors, String::new(), f).await
        }
    }
}

async fn document(
    State(state): State<CounterState>,
    v: Viewer,
    Path((id, doc)): Path<(String, String)>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return sign_in(&format!("/services/applications/{id}"));
    };
    let (kind, body) = state
        .module
        .my_document(actor, &id, &doc)
        .await
        .map_err(failed(&v))?;
    Ok(document_response(&kind, body))
}

/// A stored document as a download: its kind by its checked content, never rendered inline as
/// anything but itself.
pub(crate) fn document_response(kind: &str, body: Vec<u8>) -> axum::response::Response {
    let mime = match kind {
        "pdf" => "application/pdf",
        "jpg" => "image/jpeg",
        "png" => "image/png",
        _ => "application/octet-stream",
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "private, no-store"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        body,
    )
        .into_response()
}

impl AppPage {
    /// The agent form's fields: id, name, label, value, hint.
    fn agent_fields(
        &self,
    ) -> Vec<(
        &'static str,
        &'static str,
        &'static str,
        String,
        &'static str,
    )> {
        let f = &self.agent_form;
        vec![
            (
                "f-agent-name",
                "name",
                "counter-agent-name",
                f.name.clone(),
                "",
            ),
            (
                "f-agent-last4",
                "id_last4",
                "counter-agent-last4",
                f.id_last4.clone(),
                "counter-agent-last4-hint",
            ),
            (
                "f-agent-mobile",
                "mobile",
                "counter-agent-mobile",
                f.mobile.clone(),
                "counter-agent-mobile-hint",
            ),
            (
                "f-agent-login",
                "login",
                "counter-agent-login",
                f.login.clone(),
                "counter-agent-login-hint",
            ),
        ]
    }

    fn state_label(&self) -> String {
        self.p.t(format!("counter-state-{}", self.a.state.as_str()))
    }

    fn done_message(&self) -> String {
        if self.done.is_empty() {
            String::new()
        } else {
            self.p
                .msg(&Message::new("counter-done").arg("what", self.done.clone()))
        }
    }
}
