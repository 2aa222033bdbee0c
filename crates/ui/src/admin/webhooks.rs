//! Webhook subscriptions of department systems: created with their signing secret shown
//! once, edited, the secret rotated (shown once), a test ping, deleted after a confirmation,
//! and the delivery log with "send again" for failed deliveries.

use super::{Done, Fields, PageResult, Stop, done_message, failed, require};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::Message;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::submissions::SubmissionKey;
use platform::webhooks::EVENT_TYPES;
use platform::webhooks::admin::{DeliveryView, NewWebhook, WebhookUpdate, WebhookView};
use web::AppState;
use webkit::page::Page;
use webkit::page::admin::{
    Secret, SecretQuery, ShownOnce, read_secret, secret_href, submission_of,
};
use webkit::page::forms::Errors;
use webkit::page::see_other;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(list))
        .route("/admin/webhooks/new", get(new_form).post(create))
        .route("/admin/webhooks/secret", get(secret))
        .route("/admin/webhooks/{id}", get(edit).post(update))
        .route("/admin/webhooks/{id}/ping", post(ping))
        .route("/admin/webhooks/{id}/rotate", post(rotate))
        .route("/admin/webhooks/{id}/delete", post(delete))
        .route("/admin/webhook-deliveries/{id}/redeliver", post(redeliver))
}

/// Deliveries shown on a subscription's page.
const LOG_LENGTH: u64 = 50;

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct List {
    p: Page,
    webhooks: Vec<WebhookView>,
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    let webhooks = state.platform.webhooks(actor).await.map_err(failed(&v))?;
    let page = List {
        p: Page::new(&v, &state, "admin-webhooks", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        webhooks,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// The subscription form as entered.
#[derive(Default)]
pub struct WebhookForm {
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub department: String,
    pub active: bool,
    /// The form's submission key (`platform::submissions`): a form sent twice makes one.
    pub submission: String,
}

/// The kind of submission that shows a webhook's signing secret.
const KIND: &str = "platform.webhook_secret";
const SECRET: &str = "/admin/webhooks/secret";

impl WebhookForm {
    fn read(f: &Fields) -> WebhookForm {
        WebhookForm {
            name: f.get("name").to_string(),
            url: f.get("url").trim().to_string(),
            events: f.all("events"),
            department: f.get("department").to_string(),
            active: f.checked("active"),
            submission: submission_of(f).as_str().to_string(),
        }
    }

    fn of(w: &WebhookView) -> WebhookForm {
        WebhookForm {
            name: w.name.clone(),
            url: w.url.clone(),
            events: w.event_types.clone(),
            department: w.department_code.clone().unwrap_or_default(),
            active: w.active,
            submission: SubmissionKey::new().as_str().to_string(),
        }
    }
}

/// The input a webhook message concerns.
fn webhook_field(m: &Message) -> String {
    let id = m.id;
    if id.contains("-url") {
        "f-url"
    } else if id.contains("event") {
        "f-events"
    } else if id.contains("department") {
        "f-department"
    } else {
        "f-name"
    }
    .to_string()
}

#[derive(Template)]
#[template(path = "admin/webhook_form.html")]
struct FormPage {
    p: Page,
    /// None for a new subscription.
    w: Option<WebhookView>,
    f: WebhookForm,
    departments: Vec<(String, String)>,
    deliveries: Vec<DeliveryView>,
    errors: Errors,
}

impl FormPage {
    fn events(&self) -> &'static [&'static str] {
        EVENT_TYPES
    }

    fn has_event(&self, e: &str) -> bool {
        self.f.events.iter().any(|x| x == e)
    }

    fn event_label(&self, e: &str) -> String {
        self.p.t(format!("admin-event-{}", e.replace('.', "-")))
    }

    fn action(&self) -> String {
        match &self.w {
            Some(w) => format!("/admin/webhooks/{}", w.id),
            None => "/admin/webhooks/new".into(),
        }
    }

    fn redeliverable(&self, d: &DeliveryView) -> bool {
        matches!(d.status.as_str(), "failed" | "dead")
    }

    fn status_class(&self, status: &str) -> &'static str {
        match status {
            "delivered" => "ok",
            "failed" | "dead" => "danger",
            _ => "info",
        }
    }
}

async fn form_page(
    state: &AppState,
    v: &Viewer,
    w: Option<WebhookView>,
    f: WebhookForm,
    errors: Errors,
    done: Option<&str>,
) -> PageResult {
    let actor = require(v, platform::permissions::MANAGE_WEBHOOKS)?;
    let j = state
        .platform
        .jurisdiction(&actor.jurisdiction_id)
        .await
        .map_err(failed(v))?;
    let departments = state
        .platform
        .departments(&j)
        .await
        .map_err(failed(v))?
        .into_iter()
        .map(|d| {
            let label = format!("{} ({})", d.name.get(v.locale), d.code);
            (d.code, label)
        })
        .collect();
    let deliveries = match &w {
        Some(w) => state
            .platform
            .webhook_deliveries(actor, &w.id, None, LOG_LENGTH)
            .await
            .map_err(failed(v))?,
        None => Vec::new(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let p = match &w {
        Some(w) => Page::new(v, state, "admin-webhook", "admin").with_title(format!(
            "{} {}",
            v.t("admin-webhook"),
            w.name
        )),
        None => Page::new(v, state, "admin-webhook-new", "admin"),
    };
    let page = FormPage {
        p: p.with_errors(&errors).with_status(done_message(v, done)),
        w,
        f,
        departments,
        deliveries,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn new_form(State(state): State<AppState>, v: Viewer) -> PageResult {
    let f = WebhookForm {
        active: true,
        submission: SubmissionKey::new().as_str().to_string(),
        ..WebhookForm::default()
    };
    form_page(&state, &v, None, f, Errors::default(), None).await
}

async fn create(
    State(state): State<AppState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    let fields = Fields(fields);
    check_token(&v, fields.token())?;
    let f = WebhookForm::read(&fields);
    let new = NewWebhook {
        name: f.name.clone(),
        url: f.url.clone(),
        event_types: f.events.clone(),
        department_code: Some(f.department.clone()).filter(|d| !d.is_empty()),
        active: f.active,
    };
    let key = submission_of(&fields);
    let made = state
        .platform
        .make_once(&actor.jurisdiction_id, KIND, &key, || async {
            let created = state.platform.create_webhook(actor, new).await?;
            Ok::<_, platform::ServiceError>(Secret {
                heading: v.t("admin-webhook-created"),
                lead: webkit::i18n::tr(
                    v.locale,
                    "admin-webhook-secret-lead",
                    &[("name", created.webhook.name.clone())],
                ),
                label: v.t("admin-webhook-secret"),
                secret: created.secret,
                back_href: format!("/admin/webhooks/{}", created.webhook.id),
                back_label: v.t("admin-webhook-open"),
            })
        })
        .await
        .map_err(failed(&v))?;
    match made {
        Ok(()) => Ok(see_other(&secret_href(SECRET, &key))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, webhook_field)?;
            form_page(&state, &v, None, f, errors, None).await
        }
    }
}

async fn subscription(state: &AppState, v: &Viewer, id: &str) -> Result<WebhookView, Stop> {
    let actor = require(v, platform::permissions::MANAGE_WEBHOOKS)?;
    state.platform.webhook(actor, id).await.map_err(failed(v))
}

async fn edit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> PageResult {
    let w = subscription(&state, &v, &id).await?;
    let f = WebhookForm::of(&w);
    form_page(&state, &v, Some(w), f, Errors::default(), q.done.as_deref()).await
}

async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    let fields = Fields(fields);
    check_token(&v, fields.token())?;
    let w = subscription(&state, &v, &id).await?;
    let f = WebhookForm::read(&fields);
    let update = WebhookUpdate {
        name: Some(f.name.clone()),
        url: Some(f.url.clone()),
        event_types: Some(f.events.clone()),
        department_code: Some(Some(f.department.clone()).filter(|d| !d.is_empty())),
        active: Some(f.active),
    };
    match state.platform.update_webhook(actor, &id, update).await {
        Ok(_) => Ok(see_other(&format!("/admin/webhooks/{id}?done=saved"))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, webhook_field)?;
            form_page(&state, &v, Some(w), f, errors, None).await
        }
    }
}

async fn ping(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    check_token(&v, Fields(fields).token())?;
    state
        .platform
        .ping_webhook(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&format!("/admin/webhooks/{id}?done=queued#log")))
}

async fn rotate(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    let fields = Fields(fields);
    check_token(&v, fields.token())?;
    let key = submission_of(&fields);
    state
        .platform
        .make_once(&actor.jurisdiction_id, KIND, &key, || async {
            let rotated = state.platform.rotate_webhook_secret(actor, &id).await?;
            Ok::<_, platform::ServiceError>(Secret {
                heading: v.t("admin-webhook-rotated"),
                lead: webkit::i18n::tr(
                    v.locale,
                    "admin-webhook-rotated-lead",
                    &[("name", rotated.webhook.name.clone())],
                ),
                label: v.t("admin-webhook-secret"),
                secret: rotated.secret,
                back_href: format!("/admin/webhooks/{id}"),
                back_label: v.t("admin-webhook-open"),
            })
        })
        .await
        .map_err(failed(&v))?
        .map_err(failed(&v))?;
    Ok(see_other(&secret_href(SECRET, &key)))
}

/// A new or rotated signing secret, after the redirect: shown again on a reload, for half an
/// hour.
async fn secret(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<SecretQuery>,
) -> PageResult {
    require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    let Some(secret) = read_secret(&state.platform, KIND, &q.s)
        .await
        .map_err(failed(&v))?
    else {
        return Ok(see_other("/admin/webhooks"));
    };
    let page = ShownOnce::of(
        Page::new(&v, &state, "admin-webhook-secret", "admin"),
        secret,
    );
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn delete(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    let fields = Fields(fields);
    check_token(&v, fields.token())?;
    if !fields.checked("confirm") {
        let w = subscription(&state, &v, &id).await?;
        let mut errors = Errors::default();
        errors.add(&v, "f-confirm", &Message::new("admin-error-confirm-delete"));
        let f = WebhookForm::of(&w);
        return form_page(&state, &v, Some(w), f, errors, None).await;
    }
    state
        .platform
        .delete_webhook(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/admin/webhooks?done=deleted"))
}

async fn redeliver(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_WEBHOOKS)?;
    check_token(&v, Fields(fields).token())?;
    let d = state
        .platform
        .redeliver_webhook(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&format!(
        "/admin/webhooks/{}?done=queued#log",
        d.subscription_id
    )))
}
