//! The catalogue's categories with their questions. A category's questions are rows of one
//! form (existing ones, then a few empty rows for new ones; a row is removed with its "remove"
//! box); list options are lines of `key | 中文 | English`.

use super::{Done, Fields, PageResult, done_message, failed, field_of, require, row_of};
use crate::doors::CasesState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use domain::catalog::Category;
use domain::category::{AttributeValue, Datatype, ServiceType, Urgency};
use domain::locale::Localized;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::catalog_admin::{AttributeInput, CategoryInput};
use store::catalog::DepartmentRecord;
use webkit::page::Page;
use webkit::page::forms::Errors;
use webkit::page::see_other;

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/admin/categories", get(categories))
        .route(
            "/admin/categories/new",
            get(new_category).post(create_category),
        )
        .route(
            "/admin/categories/{code}/edit",
            get(edit_category).post(update_category),
        )
}

/// Empty question rows offered under the existing ones.
const EMPTY_ROWS: usize = 2;

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoryList {
    p: Page,
    categories: Vec<Category>,
    departments: Vec<DepartmentRecord>,
}

impl CategoryList {
    fn department_name(&self, code: &str) -> String {
        department_name(&self.p, &self.departments, code)
    }
}

fn department_name(p: &Page, departments: &[DepartmentRecord], code: &str) -> String {
    departments
        .iter()
        .find(|d| d.department.code == code)
        .map_or_else(|| code.to_string(), |d| p.loc(&d.department.name))
}

async fn categories(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<Done>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let categories = state
        .platform
        .catalogue_categories(actor)
        .await
        .map_err(failed(&v))?;
    let departments = state
        .platform
        .catalogue_departments(actor)
        .await
        .map_err(failed(&v))?;
    let page = CategoryList {
        p: Page::new(&v, &state, "admin-categories", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        categories,
        departments,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// One question row as entered.
#[derive(Default, Clone)]
pub struct QuestionRow {
    pub code: String,
    pub datatype: String,
    pub required: bool,
    /// The answer is personal data: never published.
    pub personal: bool,
    pub description_zh: String,
    pub description_en: String,
    pub hint_zh: String,
    pub hint_en: String,
    /// One option a line: `key | 中文 | English`.
    pub values: String,
}

impl QuestionRow {
    fn is_blank(&self) -> bool {
        self.code.trim().is_empty()
            && self.description_zh.trim().is_empty()
            && self.description_en.trim().is_empty()
            && self.values.trim().is_empty()
    }
}

/// The category form as entered (or as stored, for editing).
#[derive(Default)]
pub struct CategoryForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub group_zh: String,
    pub group_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub keywords: String,
    pub department: String,
    pub urgency: String,
    pub service_type: String,
    pub active: bool,
    pub sort_order: String,
    pub rows: Vec<QuestionRow>,
}

fn values_text(values: &[AttributeValue]) -> String {
    values
        .iter()
        .map(|v| format!("{} | {} | {}", v.key, v.name.zh, v.name.en))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_values(text: &str) -> Vec<AttributeValue> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.splitn(3, '|').map(str::trim);
            let key = parts.next().unwrap_or_default().to_string();
            let zh = parts.next().unwrap_or_default();
            let en = parts.next().unwrap_or_default();
            AttributeValue {
                key,
                name: Localized::new(zh, en),
            }
        })
        .collect()
}

impl CategoryForm {
    fn from_category(c: &Category) -> CategoryForm {
        let mut rows: Vec<QuestionRow> = c
            .attributes
            .iter()
            .map(|a| QuestionRow {
                code: a.code.clone(),
                datatype: a.datatype.as_str().to_string(),
                required: a.required,
                personal: a.personal,
                description_zh: a.description.zh.clone(),
                description_en: a.description.en.clone(),
                hint_zh: a.datatype_description.zh.clone(),
                hint_en: a.datatype_description.en.clone(),
                values: values_text(&a.values),
            })
            .collect();
        rows.extend(std::iter::repeat_n(QuestionRow::default(), EMPTY_ROWS));
        CategoryForm {
            code: c.code.clone(),
            name_zh: c.name.zh.clone(),
            name_en: c.name.en.clone(),
            group_zh: c.group.zh.clone(),
            group_en: c.group.en.clone(),
            description_zh: c.description.zh.clone(),
            description_en: c.description.en.clone(),
            keywords: c.keywords.clone(),
            department: c.department_code.clone(),
            urgency: c.urgency.as_str().to_string(),
            service_type: c.service_type.as_str().to_string(),
            active: c.active,
            sort_order: c.sort_order.to_string(),
            rows,
        }
    }

    fn blank() -> CategoryForm {
        CategoryForm {
            urgency: Urgency::P4.as_str().to_string(),
            service_type: ServiceType::Realtime.as_str().into(),
            active: true,
            rows: vec![QuestionRow::default(); EMPTY_ROWS + 1],
            ..CategoryForm::default()
        }
    }

    /// Reads the form; rows are numbered `a0_…`, `a1_…` up to the `rows` count it carries.
    fn read(f: &Fields) -> CategoryForm {
        let count: usize = f.get("rows").parse().unwrap_or(0).min(60);
        let mut rows = Vec::new();
        for i in 0..count {
            if f.checked(&format!("a{i}_remove")) {
                continue;
            }
            let g = |name: &str| f.get(&format!("a{i}_{name}")).to_string();
            rows.push(QuestionRow {
                code: g("code"),
                datatype: g("datatype"),
                required: f.checked(&format!("a{i}_required")),
                personal: f.checked(&format!("a{i}_personal")),
                description_zh: g("description_zh"),
                description_en: g("description_en"),
                hint_zh: g("hint_zh"),
                hint_en: g("hint_en"),
                values: g("values"),
            });
        }
        CategoryForm {
            code: f.get("code").trim().to_string(),
            name_zh: f.get("name_zh").to_string(),
            name_en: f.get("name_en").to_string(),
            group_zh: f.get("group_zh").to_string(),
            group_en: f.get("group_en").to_string(),
            description_zh: f.get("description_zh").to_string(),
            description_en: f.get("description_en").to_string(),
            keywords: f.get("keywords").to_string(),
            department: f.get("department").to_string(),
            urgency: f.get("urgency").to_string(),
            service_type: f.get("service_type").to_string(),
            active: f.checked("active"),
            sort_order: f.get("sort_order").trim().to_string(),
            rows,
        }
    }

    /// The service's input; blank question rows are left out.
    fn input(&self) -> CategoryInput {
        let mut attributes = Vec::new();
        for r in self.rows.iter().filter(|r| !r.is_blank()) {
            attributes.push(AttributeInput {
                code: r.code.clone(),
                datatype: r.datatype.clone(),
                required: r.required,
                description: Localized::new(&r.description_zh, &r.description_en),
                hint: Localized::new(&r.hint_zh, &r.hint_en),
                values: parse_values(&r.values),
                personal: r.personal,
            });
        }
        CategoryInput {
            code: self.code.clone(),
            name: Localized::new(&self.name_zh, &self.name_en),
            group: Localized::new(&self.group_zh, &self.group_en),
            description: Localized::new(&self.description_zh, &self.description_en),
            keywords: self.keywords.clone(),
            department_code: self.department.clone(),
            urgency: self.urgency.clone(),
            service_type: self.service_type.clone(),
            active: self.active,
            sort_order: self.sort_order.parse().ok(),
            attributes,
        }
    }

    /// After a refused save: the rows as entered, blank ones dropped (so row N on the page is
    /// question N of the service's messages), with empty rows again.
    fn tidy(mut self) -> CategoryForm {
        self.rows.retain(|r| !r.is_blank());
        self.rows
            .extend(std::iter::repeat_n(QuestionRow::default(), EMPTY_ROWS));
        self
    }
}

#[derive(Template)]
#[template(path = "admin/category_form.html")]
struct CategoryPage {
    p: Page,
    creating: bool,
    f: CategoryForm,
    departments: Vec<DepartmentRecord>,
    errors: Errors,
}

impl CategoryPage {
    fn action(&self) -> String {
        if self.creating {
            "/admin/categories/new".into()
        } else {
            format!("/admin/categories/{}/edit", self.f.code)
        }
    }

    fn datatypes(&self) -> &'static [&'static str] {
        Datatype::NAMES
    }

    fn urgencies(&self) -> &'static [&'static str] {
        Urgency::NAMES
    }

    fn service_types(&self) -> &'static [&'static str] {
        ServiceType::NAMES
    }

    /// Departments to choose from: the active ones, and the current one even if it is not.
    fn department_choices(&self) -> Vec<(String, String)> {
        self.departments
            .iter()
            .filter(|d| d.active || d.department.code == self.f.department)
            .map(|d| {
                (
                    d.department.code.clone(),
                    format!("{} ({})", self.p.loc(&d.department.name), d.department.code),
                )
            })
            .collect()
    }
}

async fn category_page(
    state: &CasesState,
    v: &Viewer,
    creating: bool,
    f: CategoryForm,
    errors: Errors,
) -> PageResult {
    let actor = require(v, platform::permissions::MANAGE_CASE_RULES)?;
    let departments = state
        .platform
        .catalogue_departments(actor)
        .await
        .map_err(failed(v))?;
    let title = if creating {
        "admin-category-new"
    } else {
        "admin-category-edit"
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut p = Page::new(v, state, title, "admin");
    if !creating {
        p = p.with_title(v.t(title) + " " + &f.code);
    }
    let page = CategoryPage {
        p: p.with_errors(&errors),
        creating,
        f,
        departments,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn new_category(State(state): State<CasesState>, v: Viewer) -> PageResult {
    category_page(&state, &v, true, CategoryForm::blank(), Errors::default()).await
}

async fn edit_category(
    State(state): State<CasesState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let c = state
        .platform
        .catalogue_category(actor, &code)
        .await
        .map_err(failed(&v))?;
    category_page(
        &state,
        &v,
        false,
        CategoryForm::from_category(&c),
        Errors::default(),
    )
    .await
}

async fn create_category(
    State(state): State<CasesState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    save_category(state, v, Fields(fields), None).await
}

async fn update_category(
    State(state): State<CasesState>,
    v: Viewer,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    save_category(state, v, Fields(fields), Some(code)).await
}

async fn save_category(
    state: CasesState,
    v: Viewer,
    fields: Fields,
    editing: Option<String>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    check_token(&v, fields.token())?;
    let mut f = CategoryForm::read(&fields);
    if let Some(code) = &editing {
        f.code = code.clone();
    }
    let mut errors = Errors::default();
    if !f.sort_order.is_empty() && f.sort_order.parse::<i64>().is_err() {
        errors.add(
            &v,
            "f-sort_order",
            &domain::Message::new("error-category-sort-order"),
        );
    }
    let input = f.input();
    if errors.is_empty() {
        match state
            .platform
            .save_category(actor, input, editing.is_none())
            .await
        {
            Ok(c) => {
                return Ok(see_other(&format!(
                    "/admin/categories?done={}#c-{}",
                    if editing.is_none() {
                        "created"
                    } else {
                        "saved"
                    },
                    c.code
                )));
            }
            Err(e) => {
                errors = Errors::from_service(&v, e, category_field)?;
            }
        }
    }
    category_page(&state, &v, editing.is_none(), f.tidy(), errors).await
}

/// The input a category message concerns: `f-<field>`, or `f-a<row>-<field>` for question
/// `row` (1-based; the page's rows after [`CategoryForm::tidy`]).
fn category_field(m: &domain::Message) -> String {
    let field = field_of(m).unwrap_or("code");
    match row_of(m).and_then(|r| r.parse::<usize>().ok()) {
        Some(row) => {
            let field = if field == "hint" { "hint_zh" } else { field };
            format!("f-a{}-{field}", row.saturating_sub(1))
        }
        None if field == "attributes" => "f-a0-code".into(),
        None => format!("f-{field}"),
    }
}
