//! The catalogue over the API, for administrators (`manage_case_rules`): categories of service
//! with their questions, inactive ones included, and departments. Open311 discovery shows the
//! active categories of the same catalogue.

use super::ApiPath as Path;
use super::doc::NotFound;
use super::{Caller, JsonBody, Lang, reply};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::catalog::Category;
use domain::category::AttributeValue;
use domain::locale::Localized;
use platform::catalog_admin::{AttributeInput, CategoryInput, DepartmentInput};
use serde::{Deserialize, Serialize};
use store::catalog::DepartmentRecord;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The departments: the platform's catalogue, whatever modules run.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(departments, create_department))
        .routes(routes!(update_department))
}

/// The categories of cases (the Open311 services): the cases module's.
pub fn category_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories, create_category))
        .routes(routes!(category, update_category))
}

/// A text in both languages.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
struct TextInBoth {
    #[schema(example = "路燈故障")]
    #[serde(default)]
    zh: String,
    #[schema(example = "Street light out")]
    #[serde(default)]
    en: String,
}

impl From<&Localized> for TextInBoth {
    fn from(l: &Localized) -> Self {
        TextInBoth {
            zh: l.zh.clone(),
            en: l.en.clone(),
        }
    }
}

impl From<TextInBoth> for Localized {
    fn from(t: TextInBoth) -> Self {
        Localized::new(t.zh, t.en)
    }
}

/// One option of a list question.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OptionBody {
    #[schema(example = "dark")]
    key: String,
    name: TextInBoth,
}

/// A question a report of the category answers (an Open311 attribute).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QuestionBody {
    #[schema(example = "lamps_out")]
    code: String,
    /// `string`, `number`, `datetime`, `text`, `singlevaluelist` or `multivaluelist`.
    #[schema(example = "number")]
    datatype: String,
    #[serde(default)]
    required: bool,
    /// The question.
    description: TextInBoth,
    /// A hint shown with the question (Open311 `datatype_description`).
    #[serde(default)]
    hint: TextInBoth,
    /// The options of a list question; none for the others.
    #[serde(default)]
    values: Vec<OptionBody>,
    /// The answer is personal data (a licence plate, how to reach the reporter): kept for
    /// staff, never published, not even redacted.
    #[serde(default)]
    personal: bool,
}

fn yes() -> bool {
    true
}

/// A category as written: the whole of it (a PUT replaces the questions too).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CategoryBody {
    /// The Open311 `service_code`; on a PUT it must be the one in the path, or left out.
    #[serde(default)]
    #[schema(example = "1999-L09")]
    code: Option<String>,
    name: TextInBoth,
    /// The group it is listed under.
    group: TextInBoth,
    #[serde(default)]
    description: TextInBoth,
    /// Comma-separated.
    #[serde(default)]
    #[schema(example = "路燈,street light")]
    keywords: String,
    /// The code of the department that receives its cases by default.
    #[schema(example = "PWD-PKS")]
    department: String,
    /// `P1` … `P4`.
    #[schema(example = "P3")]
    urgency: String,
    /// `realtime` (default), `batch` or `blackbox`.
    #[serde(default)]
    #[schema(example = "realtime")]
    service_type: Option<String>,
    /// Default true.
    #[serde(default = "yes")]
    #[schema(default = true)]
    active: bool,
    /// The position in lists; new categories go last when it is left out.
    #[serde(default)]
    sort_order: Option<i64>,
    /// In the order they are asked.
    #[serde(default)]
    attributes: Vec<QuestionBody>,
}

/// A category with every field, as administrators see it.
#[derive(Serialize, ToSchema)]
struct CategoryOut {
    active: bool,
    attributes: Vec<QuestionBody>,
    code: String,
    department: String,
    description: TextInBoth,
    group: TextInBoth,
    keywords: String,
    name: TextInBoth,
    /// `realtime`, `batch` or `blackbox`.
    service_type: &'static str,
    sort_order: i64,
    /// `P1` … `P4`.
    urgency: &'static str,
}

fn category_json(c: &Category) -> CategoryOut {
    CategoryOut {
        code: c.code.clone(),
        name: (&c.name).into(),
        group: (&c.group).into(),
        description: (&c.description).into(),
        keywords: c.keywords.clone(),
        department: c.department_code.clone(),
        urgency: c.urgency.as_str(),
        service_type: c.service_type.as_str(),
        active: c.active,
        sort_order: c.sort_order,
        attributes: c
            .attributes
            .iter()
            .map(|a| QuestionBody {
                code: a.code.clone(),
                datatype: a.datatype.as_str().to_string(),
                required: a.required,
                description: (&a.description).into(),
                hint: (&a.datatype_description).into(),
                values: a
                    .values
                    .iter()
                    .map(|v| OptionBody {
                        key: v.key.clone(),
                        name: (&v.name).into(),
                    })
                    .collect(),
                personal: a.personal,
            })
            .collect(),
    }
}

fn category_input(code: String, b: CategoryBody) -> CategoryInput {
    CategoryInput {
        code,
        name: b.name.into(),
        group: b.group.into(),
        description: b.description.into(),
        keywords: b.keywords,
        department_code: b.department,
        urgency: b.urgency,
        service_type: b.service_type.unwrap_or_else(|| "realtime".into()),
        active: b.active,
        sort_order: b.sort_order,
        attributes: b
            .attributes
            .into_iter()
            .map(|q| AttributeInput {
                code: q.code,
                datatype: q.datatype,
                required: q.required,
                description: q.description.into(),
                hint: q.hint.into(),
                values: q
                    .values
                    .into_iter()
                    .map(|v| AttributeValue {
                        key: v.key,
                        name: v.name.into(),
                    })
                    .collect(),
                personal: q.personal,
            })
            .collect(),
    }
}

/// The answer to a body whose `code` names another record than the path does; `None` when the
/// body names none or the same one.
fn code_mismatch(body_code: Option<&str>, code: &str, lang: Lang) -> Option<Response> {
    body_code.is_some_and(|c| c.trim() != code).then(|| {
        super::ApiError::new(
            StatusCode::BAD_REQUEST,
            domain::Message::new("error-code-mismatch"),
        )
        .in_lang(lang)
        .into_response()
    })
}

const CATEGORY_CODE: &str = "The category's code (Open311 `service_code`)";
const DEPARTMENT_CODE: &str = "The department's code";

/// Every category, inactive ones included, in display order.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    tag = "catalog",
    responses((status = 200, description = "The categories", body = [CategoryOut]))
)]
async fn categories(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.platform.catalogue_categories(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(category_json).collect::<Vec<_>>()
    })
}

/// Adds a category; every problem is reported, with the question (`row`) it concerns.
#[utoipa::path(
    post,
    path = "/api/v1/categories",
    tag = "catalog",
    request_body = CategoryBody,
    responses((status = 201, description = "The category", body = CategoryOut))
)]
async fn create_category(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<CategoryBody>,
) -> Response {
    let code = b.code.clone().unwrap_or_default();
    let result = state
        .platform
        .save_category(&caller.actor, category_input(code, b), true)
        .await;
    reply(caller.lang, StatusCode::CREATED, result, |c| {
        category_json(&c)
    })
}

/// One category, active or not.
#[utoipa::path(
    get,
    path = "/api/v1/categories/{code}",
    tag = "catalog",
    params(("code" = String, Path, description = CATEGORY_CODE)),
    responses(
        (status = 200, description = "The category", body = CategoryOut),
        (status = 404, response = NotFound),
    )
)]
async fn category(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Response {
    let result = state
        .platform
        .catalogue_category(&caller.actor, &code)
        .await;
    reply(caller.lang, StatusCode::OK, result, |c| category_json(&c))
}

/// Replaces a category, its questions included.
#[utoipa::path(
    put,
    path = "/api/v1/categories/{code}",
    tag = "catalog",
    params(("code" = String, Path, description = CATEGORY_CODE)),
    request_body = CategoryBody,
    responses(
        (status = 200, description = "The category", body = CategoryOut),
        (status = 404, response = NotFound),
    )
)]
async fn update_category(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<CategoryBody>,
) -> Response {
    if let Some(mismatch) = code_mismatch(b.code.as_deref(), &code, caller.lang) {
        return mismatch;
    }
    let result = state
        .platform
        .save_category(&caller.actor, category_input(code, b), false)
        .await;
    reply(caller.lang, StatusCode::OK, result, |c| category_json(&c))
}

/// A department, city bureau, district office or utility.
#[derive(Serialize, ToSchema)]
struct DepartmentOut {
    /// Whether it receives cases; inactive ones cannot be chosen for categories.
    active: bool,
    code: String,
    /// `city`, `district_office` or `utility`.
    kind: &'static str,
    name: TextInBoth,
}

fn department_json(d: &DepartmentRecord) -> DepartmentOut {
    DepartmentOut {
        code: d.department.code.clone(),
        name: (&d.department.name).into(),
        kind: d.department.kind.as_str(),
        active: d.active,
    }
}

/// A department as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DepartmentBody {
    /// Required on a POST; on a PUT it must be the one in the path, or left out.
    #[serde(default)]
    #[schema(example = "PWD-PKS")]
    code: Option<String>,
    name: TextInBoth,
    /// `city`, `district_office` or `utility`.
    #[schema(example = "city")]
    kind: String,
    /// Default true. Cannot be false while active categories send cases to it.
    #[serde(default = "yes")]
    #[schema(default = true)]
    active: bool,
}

fn department_input(code: String, b: DepartmentBody) -> DepartmentInput {
    DepartmentInput {
        code,
        name: b.name.into(),
        kind: b.kind,
        active: b.active,
    }
}

/// Every department, inactive ones included.
#[utoipa::path(
    get,
    path = "/api/v1/departments",
    tag = "catalog",
    responses((status = 200, description = "The departments", body = [DepartmentOut]))
)]
async fn departments(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.platform.catalogue_departments(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(department_json).collect::<Vec<_>>()
    })
}

/// Adds a department.
#[utoipa::path(
    post,
    path = "/api/v1/departments",
    tag = "catalog",
    request_body = DepartmentBody,
    responses((status = 201, description = "The department", body = DepartmentOut))
)]
async fn create_department(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<DepartmentBody>,
) -> Response {
    let code = b.code.clone().unwrap_or_default();
    let result = state
        .platform
        .save_department(&caller.actor, department_input(code, b), true)
        .await;
    reply(caller.lang, StatusCode::CREATED, result, |d| {
        department_json(&d)
    })
}

/// Changes a department's names, kind, or whether it receives cases.
#[utoipa::path(
    put,
    path = "/api/v1/departments/{code}",
    tag = "catalog",
    params(("code" = String, Path, description = DEPARTMENT_CODE)),
    request_body = DepartmentBody,
    responses(
        (status = 200, description = "The department", body = DepartmentOut),
        (status = 404, response = NotFound),
    )
)]
async fn update_department(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<DepartmentBody>,
) -> Response {
    if let Some(mismatch) = code_mismatch(b.code.as_deref(), &code, caller.lang) {
        return mismatch;
    }
    let result = state
        .platform
        .save_department(&caller.actor, department_input(code, b), false)
        .await;
    reply(caller.lang, StatusCode::OK, result, |d| department_json(&d))
}
