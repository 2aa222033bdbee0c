//! The dispatcher's case page: the working state, the SLA clocks, the whole timeline (internal
//! events included) and one small form for each operation the lifecycle allows now.

use super::actions::{self, ActionForm, EventLine};
use super::{Catalog, Named, PageResult, Stop, done_message, failed, gate, sla_tag};
use crate::forms::{Errors, check_token};
use crate::page::{Page, Viewer, encode};
use crate::{render, see_other};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use services::accounts::StaffView;
use services::authz::{Actor, Permission, Role};
use store::case_work::WorkView;
use web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/work/cases/{number}", get(show))
        .route("/work/cases/{number}/act", post(act))
}

/// The facts of a case in words.
pub struct Facts {
    pub category: String,
    pub department: String,
    pub cosign: String,
    pub place: String,
    pub assignee: String,
    pub sla_class: &'static str,
    pub sla_label: String,
    pub photos: Vec<String>,
}

pub fn facts(
    w: &WorkView,
    catalog: &Catalog,
    names: &std::collections::HashMap<String, String>,
    v: &Viewer,
) -> Facts {
    let (sla_class, key) = sla_tag(w.sla_state.as_deref());
    Facts {
        category: catalog.category(&w.category_code),
        department: catalog.department(w.department_code.as_deref()),
        cosign: catalog.department(w.cosign_department_code.as_deref()),
        place: catalog.place(w),
        assignee: w
            .assignee_id
            .as_ref()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| v.t("event-staff")))
            .unwrap_or_default(),
        sla_class,
        sla_label: v.t(&key),
        photos: serde_json::from_str(&w.media_urls).unwrap_or_default(),
    }
}

/// The active field workers of a department, for the assignment form.
pub fn field_workers(staff: &[StaffView], department: Option<&str>) -> Vec<Named> {
    staff
        .iter()
        .filter(|s| s.status == "active")
        .filter(|s| {
            s.roles
                .iter()
                .any(|g| g.role == Role::FieldWorker && department.is_none_or(|d| g.scope_id == d))
        })
        .map(|s| Named {
            code: s.id.clone(),
            name: s.display_name.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CasePage {
    p: Page,
    w: WorkView,
    x: Facts,
    events: Vec<EventLine>,
    legal: Vec<&'static str>,
    f: ActionForm,
    errors: Errors,
    workers: Vec<Named>,
    departments: Vec<Named>,
    utilities: Vec<Named>,
    outcomes: Vec<&'static str>,
    action_base: String,
    form_base: String,
    /// The local date today, the earliest a deferral can be planned for.
    today: String,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.legal.contains(&action)
    }

    fn kept(&self, action: &str, field: &str) -> String {
        self.f.kept(action, field)
    }

    /// The text a routing operation asks for: a reason for 改分, a note otherwise.
    fn text_field(&self, action: &str) -> &'static str {
        if action == "reassign" {
            "reason"
        } else {
            "note"
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    v: &Viewer,
    actor: &Actor,
    number: &str,
    f: ActionForm,
    errors: Errors,
    message: Option<String>,
) -> PageResult {
    let detail = state
        .services
        .case_detail(actor, number)
        .await
        .map_err(failed(v))?;
    let catalog = Catalog::load(state, v.locale).await?;
    let staff = state.services.list_staff(actor).await.unwrap_or_default();
    let names = staff
        .iter()
        .map(|s| (s.id.clone(), s.display_name.clone()))
        .collect();
    let w = detail.work;
    let legal = actions::DISPATCH
        .iter()
        .copied()
        .filter(|a| actions::legal(&w.status, a))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let p = Page::new(v, state, "case-title", "work");
    let title = p.t1("case-heading", "number", &w.case_number);
    let p = p
        .with_title(title)
        .with_errors(&errors)
        .with_status(message);
    let current = w.department_code.clone();
    let page = CasePage {
        p,
        x: facts(&w, &catalog, &names, v),
        events: actions::event_lines(&detail.events, v, &catalog, &names),
        workers: field_workers(&staff, w.department_code.as_deref()),
        departments: catalog
            .department_options(false)
            .into_iter()
            .filter(|d| Some(&d.code) != current.as_ref())
            .collect(),
        utilities: catalog.department_options(true),
        outcomes: actions::outcomes(),
        action_base: format!("/work/cases/{}/act", encode(&w.case_number)),
        form_base: format!("/work/cases/{}/act", encode(&w.case_number)),
        today: crate::dates::ymd(store::now_unix()),
        legal,
        w,
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(number): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let actor = gate(&v, Permission::DispatchCases)?;
    let message = done_message(&v, q.done.as_deref());
    page(
        &state,
        &v,
        actor,
        &number,
        ActionForm::default(),
        Errors::default(),
        message,
    )
    .await
}

/// Applies one operation; afterwards the page is shown again (with the errors beside the
/// form that failed, or the done message).
pub async fn apply(
    state: &AppState,
    v: &Viewer,
    actor: &Actor,
    number: &str,
    f: &ActionForm,
) -> Result<Result<(), Errors>, Stop> {
    let op = match actions::operation(f) {
        Ok(op) => op,
        Err(m) => {
            let mut errors = Errors::default();
            errors.add(v, &(actions::field_of(&f.action))(&m), &m);
            return Ok(Err(errors));
        }
    };
    match state.services.operate(actor, number, op).await {
        Ok(_) => Ok(Ok(())),
        Err(e) => Ok(Err(Errors::from_service(
            v,
            e,
            actions::field_of(&f.action),
        )?)),
    }
}

async fn act(
    State(state): State<AppState>,
    v: Viewer,
    Path(number): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let actor = gate(&v, Permission::DispatchCases)?;
    check_token(&v, &f._csrf)?;
    match apply(&state, &v, actor, &number, &f).await? {
        Ok(()) => Ok(see_other(&format!(
            "/work/cases/{}?done={}",
            encode(&number),
            encode(&f.action.replace('_', "-"))
        ))),
        Err(errors) => page(&state, &v, actor, &number, f, errors, None).await,
    }
}
