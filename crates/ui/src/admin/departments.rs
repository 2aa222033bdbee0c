//! The catalogue's departments: the city's bureaux, district offices and utilities that cases
//! are routed to.

use super::{Done, Fields, PageResult, done_message, failed, field_of, require};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use domain::catalog::DepartmentKind;
use domain::locale::Localized;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::catalog_admin::DepartmentInput;
use store::catalog::DepartmentRecord;
use web::AppState;
use webkit::page::Page;
use webkit::page::forms::Errors;
use webkit::page::see_other;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/departments", get(departments))
        .route(
            "/admin/departments/new",
            get(new_department).post(create_department),
        )
        .route(
            "/admin/departments/{code}/edit",
            get(edit_department).post(update_department),
        )
}

#[derive(Template)]
#[template(path = "admin/departments.html")]
struct DepartmentList {
    p: Page,
    departments: Vec<DepartmentRecord>,
}

async fn departments(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<Done>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let departments = state
        .platform
        .catalogue_departments(actor)
        .await
        .map_err(failed(&v))?;
    let page = DepartmentList {
        p: Page::new(&v, &state, "admin-departments", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        departments,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Default)]
pub struct DepartmentForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin/department_form.html")]
struct DepartmentPage {
    p: Page,
    creating: bool,
    f: DepartmentForm,
    errors: Errors,
}

impl DepartmentPage {
    fn kinds(&self) -> &'static [&'static str] {
        DepartmentKind::NAMES
    }

    fn action(&self) -> String {
        if self.creating {
            "/admin/departments/new".into()
        } else {
            format!("/admin/departments/{}/edit", self.f.code)
        }
    }
}

fn department_page(
    state: &AppState,
    v: &Viewer,
    creating: bool,
    f: DepartmentForm,
    errors: Errors,
) -> PageResult {
    let title = if creating {
        "admin-department-new"
    } else {
        "admin-department-edit"
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = DepartmentPage {
        p: Page::new(v, state, title, "admin").with_errors(&errors),
        creating,
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn new_department(State(state): State<AppState>, v: Viewer) -> PageResult {
    require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let f = DepartmentForm {
        kind: DepartmentKind::City.as_str().into(),
        active: true,
        ..DepartmentForm::default()
    };
    department_page(&state, &v, true, f, Errors::default())
}

async fn edit_department(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let all = state
        .platform
        .catalogue_departments(actor)
        .await
        .map_err(failed(&v))?;
    let Some(d) = all.into_iter().find(|d| d.department.code == code) else {
        return Err(webkit::page::PageError::new(
            StatusCode::NOT_FOUND,
            "error-page-not-found",
            v.locale,
        )
        .into());
    };
    let f = DepartmentForm {
        code: d.department.code,
        name_zh: d.department.name.zh,
        name_en: d.department.name.en,
        kind: d.department.kind.as_str().to_string(),
        active: d.active,
    };
    department_page(&state, &v, false, f, Errors::default())
}

async fn create_department(
    State(state): State<AppState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    save_department(state, v, Fields(fields), None).await
}

async fn update_department(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    save_department(state, v, Fields(fields), Some(code)).await
}

async fn save_department(
    state: AppState,
    v: Viewer,
    fields: Fields,
    editing: Option<String>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    check_token(&v, fields.token())?;
    let f = DepartmentForm {
        code: editing
            .clone()
            .unwrap_or_else(|| fields.get("code").trim().to_string()),
        name_zh: fields.get("name_zh").to_string(),
        name_en: fields.get("name_en").to_string(),
        kind: fields.get("kind").to_string(),
        active: fields.checked("active"),
    };
    let input = DepartmentInput {
        code: f.code.clone(),
        name: Localized::new(&f.name_zh, &f.name_en),
        kind: f.kind.clone(),
        active: f.active,
    };
    match state
        .platform
        .save_department(actor, input, editing.is_none())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/admin/departments?done={}",
            if editing.is_none() {
                "created"
            } else {
                "saved"
            }
        ))),
        Err(e) => {
            let errors =
                Errors::from_service(&v, e, |m| format!("f-{}", field_of(m).unwrap_or("code")))?;
            department_page(&state, &v, editing.is_none(), f, errors)
        }
    }
}
