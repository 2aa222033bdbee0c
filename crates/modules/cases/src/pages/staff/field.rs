//! The field worker's pages, made for a phone held in one hand: today's assignments (their
//! open cases, most urgent first) and one case with big buttons: arrive, note, photos, done
//! (with an honest outcome).

use super::actions::{self, ActionForm, EventLine};
use super::case::{Applied, Desk, DoneQuery, Facts, apply, case_view};
use super::{Catalog, PageResult, done_message, failed, gate, sla_tag};
use crate::casework::QueueRequest;
use crate::doors::CasesState;
use crate::pages::multipart::read_multipart;
use crate::store::case_work::WorkView;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::Actor;
use std::collections::HashMap;
use webkit::page::forms::Errors;
use webkit::page::{Page, encode};
use webkit::page::{PageError, see_other};

/// Photos and a note; the services check each photo's size and count.
const MAX_FORM_BYTES: usize = 52 * 1024 * 1024;

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/field", get(today))
        .route("/field/cases/{number}", get(show))
        .route("/field/cases/{number}/act", post(act))
        .route(
            "/field/cases/{number}/photos",
            post(photos).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
}

/// One assignment of the list.
pub struct Task {
    pub number: String,
    pub category: String,
    pub place: String,
    pub status: String,
    pub sla_class: &'static str,
    pub sla_label: String,
    pub due_at: Option<i64>,
    pub urgency: String,
}

#[derive(Template)]
#[template(path = "staff/field.html")]
struct Today {
    p: Page,
    tasks: Vec<Task>,
}

async fn today(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::WORK_CASES)?;
    let catalog = Catalog::load(&state, v.locale).await?;
    let mine = state
        .cases
        .case_queue(
            actor,
            QueueRequest {
                mine: true,
                by_risk: true,
                limit: 200,
                ..QueueRequest::default()
            },
        )
        .await
        .map_err(failed(&v))?;
    let tasks = mine
        .iter()
        .map(|w| {
            let (sla_class, key) = sla_tag(w.sla_state.as_deref());
            Task {
                number: w.case_number.clone(),
                category: catalog.category(&w.category_code),
                place: catalog.place(w),
                status: w.status.clone(),
                sla_class,
                sla_label: v.t(&key),
                due_at: w.resolution_due_at,
                urgency: w.urgency.clone(),
            }
        })
        .collect();
    let page = Today {
        p: Page::new(&v, &state, "field-title", "field")
            .with_status(done_message(&v, q.done.as_deref())),
        tasks,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "staff/field_case.html")]
struct FieldCase {
    p: Page,
    w: WorkView,
    x: Facts,
    place: String,
    events: Vec<EventLine>,
    legal: Vec<&'static str>,
    f: ActionForm,
    errors: Errors,
    outcomes: Vec<&'static str>,
    photo_note: String,
    action_base: String,
    form_base: String,
    /// The local date today, the earliest a deferral can be planned for.
    today: String,
}

impl FieldCase {
    fn can(&self, action: &str) -> bool {
        self.legal.contains(&action)
    }

    fn kept(&self, action: &str, field: &str) -> String {
        self.f.kept(action, field)
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    number: &str,
    f: ActionForm,
    errors: Errors,
    message: Option<String>,
    photo_note: String,
    show_reporters: bool,
) -> PageResult {
    let mut names = HashMap::new();
    if let (Some(id), true) = (&actor.account_id, actor.is_staff()) {
        names.insert(id.clone(), actor.label.clone());
    }
    let c = case_view(state, v, actor, number, Desk::Field, &names, show_reporters)
        .await?
        .after(&errors, message);
    let page = FieldCase {
        place: c.x.place.clone(),
        p: c.p,
        x: c.x,
        events: c.events,
        outcomes: c.outcomes,
        action_base: c.action_base,
        form_base: c.form_base,
        today: c.today,
        legal: c.legal,
        w: c.w,
        f,
        errors,
        photo_note,
    };
    Ok(render(v, state, c.status, &page))
}

async fn show(
    State(state): State<CasesState>,
    v: Viewer,
    Path(number): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::WORK_CASES)?;
    let message = done_message(&v, q.done.as_deref());
    page(
        &state,
        &v,
        actor,
        &number,
        ActionForm::default(),
        Errors::default(),
        message,
        String::new(),
        q.show_reporters(),
    )
    .await
}

async fn act(
    State(state): State<CasesState>,
    v: Viewer,
    Path(number): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::WORK_CASES)?;
    check_token(&v, &f._csrf)?;
    if !actions::FIELD.contains(&f.action.as_str()) {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "error-invalid", v.locale).into());
    }
    match apply(&state, &v, actor, &number, &f).await? {
        // Resolved, or out of reach: the case leaves the list, so back to the list.
        Ok(Applied::Stays) if f.action != "resolve" => Ok(see_other(&format!(
            "/field/cases/{}?done={}",
            encode(&number),
            encode(&f.action.replace('_', "-"))
        ))),
        Ok(_) => Ok(see_other(&format!(
            "/field?done={}",
            encode(&f.action.replace('_', "-"))
        ))),
        Err(errors) => {
            page(
                &state,
                &v,
                actor,
                &number,
                f,
                errors,
                None,
                String::new(),
                false,
            )
            .await
        }
    }
}

async fn photos(
    State(state): State<CasesState>,
    v: Viewer,
    Path(number): Path<String>,
    multipart: Multipart,
) -> PageResult {
    let actor = gate(&v, crate::permissions::WORK_CASES)?;
    let posted = read_multipart(&v, multipart).await?;
    let mut token = String::new();
    let mut note = String::new();
    let mut public = false;
    for (name, value) in posted.fields {
        match name.as_str() {
            "_csrf" => token = value,
            "note" => note = value,
            "public" => public = value == "yes",
            _ => {}
        }
    }
    let uploads = posted.photos;
    check_token(&v, &token)?;
    let kept_note = note.clone();
    match state
        .cases
        .add_case_photos(actor, &number, uploads, public, Some(note))
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/field/cases/{}?done=photo",
            encode(&number)
        ))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-photos".to_string())?;
            page(
                &state,
                &v,
                actor,
                &number,
                ActionForm::default(),
                errors,
                None,
                kept_note,
                false,
            )
            .await
        }
    }
}
