//! Notification templates: the built-in text or an administrator's version, for each template,
//! language and channel. An edit can be previewed with sample values before it is saved; both
//! show MiniJinja's problems next to the field. "Reset" goes back to the built-in text.

use super::{Done, Fields, PageResult, Stop, done_message, failed, field_of, require};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::Locale;
use domain::notify::Channel;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::notify::admin::TemplateView;
use platform::notify::templates::Rendered;
use web::AppState;
use webkit::page::Page;
use webkit::page::forms::Errors;
use webkit::page::{PageError, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/templates", get(list))
        .route(
            "/admin/templates/{key}/{locale}/{channel}",
            get(edit).post(save),
        )
        .route(
            "/admin/templates/{key}/{locale}/{channel}/reset",
            post(reset),
        )
}

#[derive(Template)]
#[template(path = "admin/templates.html")]
struct List {
    p: Page,
    templates: Vec<TemplateView>,
}

impl List {
    fn href(&self, t: &TemplateView) -> String {
        href(t)
    }
}

fn href(t: &TemplateView) -> String {
    format!(
        "/admin/templates/{}/{}/{}",
        t.key,
        t.locale.tag(),
        t.channel.as_str()
    )
}

async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_NOTIFICATIONS)?;
    let templates = state
        .platform
        .notify_templates(actor)
        .await
        .map_err(failed(&v))?;
    let page = List {
        p: Page::new(&v, &state, "admin-templates", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        templates,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "admin/template_edit.html")]
struct Edit {
    p: Page,
    t: TemplateView,
    subject: String,
    body: String,
    preview: Option<Rendered>,
    errors: Errors,
}

impl Edit {
    fn href(&self) -> String {
        href(&self.t)
    }

    fn is_email(&self) -> bool {
        self.t.channel == Channel::Email
    }
}

/// The template at this address, or 404.
async fn template(
    state: &AppState,
    v: &Viewer,
    key: &str,
    locale: &str,
    channel: &str,
) -> Result<TemplateView, Stop> {
    let actor = require(v, platform::permissions::MANAGE_NOTIFICATIONS)?;
    let not_found = || PageError::new(StatusCode::NOT_FOUND, "error-page-not-found", v.locale);
    let (Some(locale), Some(channel)) = (Locale::from_tag(locale), Channel::parse(channel)) else {
        return Err(not_found().into());
    };
    state
        .platform
        .notify_templates(actor)
        .await
        .map_err(failed(v))?
        .into_iter()
        .find(|t| t.key == key && t.locale == locale && t.channel == channel)
        .ok_or_else(|| not_found().into())
}

/// What the edit page shows besides the template: the text as entered, a preview.
struct Entered {
    subject: String,
    body: String,
    preview: Option<Rendered>,
}

fn edit_page(
    state: &AppState,
    v: &Viewer,
    t: TemplateView,
    entered: Entered,
    errors: Errors,
    done: Option<&str>,
) -> PageResult {
    let Entered {
        subject,
        body,
        preview,
    } = entered;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = format!(
        "{} {} · {} · {}",
        v.t("admin-template"),
        t.key,
        t.locale.tag(),
        v.t(&format!("admin-channel-{}", t.channel.as_str()))
    );
    let page = Edit {
        p: Page::new(v, state, "admin-template", "admin")
            .with_title(title)
            .with_errors(&errors)
            .with_status(done_message(v, done)),
        t,
        subject,
        body,
        preview,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn edit(
    State(state): State<AppState>,
    v: Viewer,
    Path((key, locale, channel)): Path<(String, String, String)>,
    Query(q): Query<Done>,
) -> PageResult {
    let t = template(&state, &v, &key, &locale, &channel).await?;
    let (subject, body) = (t.subject.clone().unwrap_or_default(), t.body.clone());
    let entered = Entered {
        subject,
        body,
        preview: None,
    };
    edit_page(&state, &v, t, entered, Errors::default(), q.done.as_deref())
}

/// Saves, or only previews (`action=preview`), what was entered.
async fn save(
    State(state): State<AppState>,
    v: Viewer,
    Path((key, locale, channel)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_NOTIFICATIONS)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let t = template(&state, &v, &key, &locale, &channel).await?;
    let subject = f.get("subject").to_string();
    let body = f.get("body").to_string();
    let subject_arg = (t.channel == Channel::Email).then_some(subject.as_str());
    let to_field = |m: &domain::Message| format!("f-{}", field_of(m).unwrap_or("body"));
    if f.get("action") == "preview" {
        return match state
            .platform
            .preview_notify_template(actor, &t.key, t.locale, t.channel, subject_arg, &body)
            .await
        {
            Ok(rendered) => {
                let entered = Entered {
                    subject,
                    body,
                    preview: Some(rendered),
                };
                edit_page(&state, &v, t, entered, Errors::default(), None)
            }
            Err(e) => {
                let errors = Errors::from_service(&v, e, to_field)?;
                edit_page(
                    &state,
                    &v,
                    t,
                    Entered {
                        subject,
                        body,
                        preview: None,
                    },
                    errors,
                    None,
                )
            }
        };
    }
    match state
        .platform
        .save_notify_template(actor, &t.key, t.locale, t.channel, subject_arg, &body)
        .await
    {
        Ok(()) => Ok(see_other(&format!("{}?done=saved", href(&t)))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, to_field)?;
            edit_page(
                &state,
                &v,
                t,
                Entered {
                    subject,
                    body,
                    preview: None,
                },
                errors,
                None,
            )
        }
    }
}

async fn reset(
    State(state): State<AppState>,
    v: Viewer,
    Path((key, locale, channel)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_NOTIFICATIONS)?;
    check_token(&v, Fields(fields).token())?;
    let t = template(&state, &v, &key, &locale, &channel).await?;
    state
        .platform
        .reset_notify_template(actor, &t.key, t.locale, t.channel)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&format!("{}?done=reset", href(&t))))
}
