//! A new case for the caller on the line: choose the category, fill in the category's
//! questions, the place and what the caller says. Sending it first checks for an emergency
//! (110/119) and for open cases of the same category at the same place; if there are any, the
//! form comes back with them, and the agent either adds the caller to one of those cases or
//! files a new case anyway. Everything is a plain form post.

use super::{Catalog, Named, PageResult, failed, gate};
use crate::casework::{AttachCaller, Suggestion, address_in_district};
use crate::domain::duplicates::DuplicatePolicy;
use crate::doors::CasesState;
use crate::intake::NewReport;
use crate::pages::category_form::{
    Answers, Group, Question, add_answer, first_answer, grouped, has_answer, questions,
};
use crate::store::cases::Reporter;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use domain::Message;
use domain::catalog::Category;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::Actor;
use platform::submissions::{SubmissionAnswer, SubmissionKey};
use serde::{Deserialize, Serialize};
use webkit::page::PageError;
use webkit::page::forms::{Errors, field_arg};
use webkit::page::{Page, encode, see_other};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/desk/new", get(start).post(step))
        .route("/desk/filed", get(filed))
}

/// The kind of submission a case filed for a caller is (`platform::submissions`).
const KIND: &str = "cases.intake";

/// What the confirmation shows (a new case, or the caller added to one), kept sealed.
#[derive(Serialize, Deserialize)]
struct Answer {
    case_number: String,
    /// Empty when the caller was added to an existing case.
    password: String,
    category_code: String,
    /// The department routing chose, by name (a new case) or by code (an existing one).
    department_name: Option<domain::Localized>,
    department_code: Option<String>,
    emergency: Option<crate::domain::rules::Emergency>,
    phone: String,
    description: String,
    attached: bool,
}

/// What the agent entered so far; every step posts all of it back.
#[derive(Default, Clone)]
pub struct Intake {
    pub phone: String,
    pub name: String,
    pub email: String,
    pub category: String,
    pub district: String,
    pub address: String,
    pub description: String,
    pub attributes: Answers,
    /// `file` (check, then file), `confirm` (file anyway), or empty (show the form).
    pub step: String,
    /// The case to add the caller to.
    pub attach: String,
    pub csrf: String,
    /// The form's submission key: one filing however often the form is sent.
    pub submission: String,
}

impl Intake {
    fn from_pairs(pairs: Vec<(String, String)>) -> Intake {
        let mut i = Intake::default();
        for (k, value) in pairs {
            match k.as_str() {
                "_csrf" => i.csrf = value,
                "phone" => i.phone = value,
                "name" => i.name = value,
                "email" => i.email = value,
                "category" => i.category = value,
                "district" => i.district = value,
                "address" => i.address = value,
                "description" => i.description = value,
                "step" => i.step = value,
                "attach" => i.attach = value,
                "submission" => i.submission = value,
                other => add_answer(&mut i.attributes, other, value),
            }
        }
        i
    }

    pub fn attr(&self, code: &str) -> String {
        first_answer(&self.attributes, code)
    }

    pub fn attr_has(&self, code: &str, value: &str) -> bool {
        has_answer(&self.attributes, code, value)
    }
}

#[derive(Template)]
#[template(path = "staff/new_choose.html")]
struct Choose {
    p: Page,
    groups: Vec<Group>,
    phone: String,
    errors: Errors,
}

/// One possible duplicate, ready to show.
pub struct Possible {
    pub number: String,
    pub status: String,
    pub distance: String,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/new_form.html")]
struct CaseForm {
    p: Page,
    questions: Vec<Question>,
    districts: Vec<Named>,
    e: Intake,
    errors: Errors,
    emergency: Option<String>,
    possible: Vec<Possible>,
    /// The form comes back after the check: offer "file anyway".
    reviewing: bool,
}

#[derive(Deserialize, Default)]
struct StartQuery {
    category: Option<String>,
}

async fn start(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<StartQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::FILE_CASES)?;
    let catalog = Catalog::load(&state, v.locale).await?;
    let e = Intake {
        category: q.category.unwrap_or_default(),
        ..Intake::default()
    };
    if e.category.is_empty() {
        return Ok(choose_page(&state, &v, catalog, e, Errors::default()));
    }
    form_page(&state, &v, actor, &catalog, e, Review::default()).await
}

fn choose_page(
    state: &CasesState,
    v: &Viewer,
    catalog: Catalog,
    e: Intake,
    errors: Errors,
) -> axum::response::Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = Choose {
        p: Page::new(v, state, "new-case-title", "desk").with_errors(&errors),
        groups: grouped(catalog.categories, v.locale),
        phone: e.phone,
        errors,
    };
    render(v, state, status, &page)
}

/// What the check after the first send found.
#[derive(Default)]
struct Review {
    errors: Errors,
    emergency: Option<String>,
    possible: Vec<Possible>,
    reviewing: bool,
}

fn category_of<'a>(
    catalog: &'a Catalog,
    code: &str,
    v: &Viewer,
) -> Result<&'a Category, PageError> {
    catalog
        .categories
        .iter()
        .find(|c| c.code == code && c.active)
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error-service-unknown", v.locale))
}

async fn form_page(
    state: &CasesState,
    v: &Viewer,
    _actor: &Actor,
    catalog: &Catalog,
    mut e: Intake,
    review: Review,
) -> PageResult {
    // The key the form keeps through every step, so it files once however often it is sent.
    if SubmissionKey::parse(&e.submission).is_none() {
        e.submission = SubmissionKey::new().as_str().to_string();
    }
    let category = category_of(catalog, &e.category, v)?;
    let name = category.name.get(v.locale).to_string();
    let status = if review.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let p = Page::new(v, state, "new-case-title", "desk");
    let title = p.t1("new-case-title-of", "category", &name);
    // The duplicates are announced once, by the notice that links to them.
    let p = p.with_title(title).with_errors(&review.errors);
    let page = CaseForm {
        p,
        questions: questions(category, v),
        districts: catalog.district_options(),
        e,
        errors: review.errors,
        emergency: review.emergency,
        possible: review.possible,
        reviewing: review.reviewing,
    };
    Ok(render(v, state, status, &page))
}

/// Which input a refusal from intake concerns.
fn field_of(m: &Message) -> String {
    let id = m.id;
    if let Some(code) = m.args.iter().find(|(k, _)| *k == "code").map(|(_, v)| v)
        && id.starts_with("error-attribute")
    {
        return format!("f-attr-{code}");
    }
    match field_arg(m) {
        Some("address_string" | "address" | "lat" | "long") => return "f-address".into(),
        Some("email") => return "f-email".into(),
        Some("phone") => return "f-phone".into(),
        Some("first_name" | "name") => return "f-name".into(),
        Some("summary") => return "f-description".into(),
        _ => {}
    }
    if id.contains("location") {
        "f-address".into()
    } else if id.contains("description") {
        "f-description".into()
    } else if id.contains("phone") {
        "f-phone".into()
    } else {
        String::new()
    }
}

fn keep(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

async fn step(
    State(state): State<CasesState>,
    v: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::FILE_CASES)?;
    let e = Intake::from_pairs(pairs);
    check_token(&v, &e.csrf)?;
    let catalog = Catalog::load(&state, v.locale).await?;
    if e.category.trim().is_empty() {
        // From the caller's page (phone only), or the chooser sent without a choice.
        let mut errors = Errors::default();
        if e.step == "choose" {
            errors.add(&v, "f-category", &Message::new("error-category-required"));
        }
        return Ok(choose_page(&state, &v, catalog, e, errors));
    }
    if !e.attach.trim().is_empty() {
        return attach(&state, &v, actor, &catalog, e).await;
    }
    match e.step.as_str() {
        "file" => check_then_file(&state, &v, actor, &catalog, e).await,
        "confirm" => file(&state, &v, actor, &catalog, e).await,
        _ => form_page(&state, &v, actor, &catalog, e, Review::default()).await,
    }
}

async fn check_then_file(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    catalog: &Catalog,
    e: Intake,
) -> PageResult {
    let emergency = match state.cases.check_emergency(actor, &e.description) {
        Ok(found) => found.map(|x| v.msg(&x.message())),
        Err(err) => {
            let errors = Errors::from_service(v, err, field_of)?;
            let review = Review {
                errors,
                ..Review::default()
            };
            return form_page(state, v, actor, catalog, e, review).await;
        }
    };
    let possible = possible_duplicates(state, v, actor, catalog, &e).await?;
    if possible.is_empty() && emergency.is_none() {
        return file(state, v, actor, catalog, e).await;
    }
    let review = Review {
        errors: Errors::default(),
        emergency,
        possible,
        reviewing: true,
    };
    form_page(state, v, actor, catalog, e, review).await
}

/// Open cases of the category at the place the caller gives.
async fn possible_duplicates(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    catalog: &Catalog,
    e: &Intake,
) -> Result<Vec<Possible>, super::Stop> {
    let address = address_in_district(&catalog.districts, Some(&e.district), Some(&e.address));
    let found: Vec<Suggestion> = state
        .cases
        .suggest_duplicates(
            actor,
            &e.category,
            None,
            address.as_deref(),
            DuplicatePolicy::default(),
        )
        .await
        .map_err(failed(v))?;
    Ok(found
        .into_iter()
        .map(|d| Possible {
            number: d.case_number,
            status: d.status,
            distance: d
                .distance_m
                .map(|m| {
                    webkit::i18n::tr(
                        v.locale,
                        "duplicate-distance",
                        &[("metres", format!("{m:.0}"))],
                    )
                })
                .unwrap_or_default(),
            reasons: d.reasons.iter().map(|m| v.msg(m)).collect(),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "staff/filed.html")]
struct Filed {
    p: Page,
    case_number: String,
    password: String,
    category_name: String,
    department: String,
    emergency: Option<String>,
    phone: String,
    description: String,
    /// The caller was added to an existing case (no new case, no password).
    attached: bool,
}

/// Where a filing's confirmation is shown.
fn filed_href(key: &SubmissionKey) -> axum::response::Response {
    see_other(&format!("/desk/filed?s={}", encode(key.as_str())))
}

/// The form's submission key (the form always carries one; a form without it is made once as
/// it is).
fn key_of(e: &Intake) -> SubmissionKey {
    SubmissionKey::parse(&e.submission).unwrap_or_else(SubmissionKey::new)
}

async fn file(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    catalog: &Catalog,
    e: Intake,
) -> PageResult {
    let key = key_of(&e);
    let report = NewReport {
        service_code: Some(e.category.clone()),
        // `file_for_caller` puts the district's name before the address.
        address: keep(&e.address),
        zipcode: keep(&e.district),
        description: keep(&e.description),
        attributes: e.attributes.clone(),
        reporter: Reporter {
            phone: keep(&e.phone),
            email: keep(&e.email),
            first_name: keep(&e.name),
            ..Reporter::default()
        },
        ..NewReport::default()
    };
    let made = state
        .platform
        .make_once(&actor.jurisdiction_id, KIND, &key, || async {
            let filed = state.cases.file_for_caller(actor, report).await?;
            Ok(Answer {
                case_number: filed.case_number,
                password: filed.password,
                category_code: filed.category.code,
                department_name: filed.department_name,
                department_code: None,
                emergency: filed.emergency,
                phone: e.phone.clone(),
                description: e.description.clone(),
                attached: false,
            })
        })
        .await
        .map_err(failed(v))?;
    match made {
        Ok(()) => Ok(filed_href(&key)),
        Err(err) => {
            let errors = Errors::from_service(v, err, field_of)?;
            let review = Review {
                errors,
                ..Review::default()
            };
            form_page(state, v, actor, catalog, e, review).await
        }
    }
}

#[derive(Deserialize)]
struct FiledQuery {
    #[serde(default)]
    s: String,
}

/// The confirmation, after the redirect: a reload shows it again.
async fn filed(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<FiledQuery>,
) -> PageResult {
    gate(&v, crate::permissions::FILE_CASES)?;
    let answer = match SubmissionKey::parse(&q.s) {
        Some(key) => state
            .platform
            .submission_answer::<Answer>(&key, KIND)
            .await
            .map_err(failed(&v))?,
        None => SubmissionAnswer::Gone,
    };
    let a = match answer {
        SubmissionAnswer::Ready(a) => a,
        SubmissionAnswer::Pending => return Ok(see_other("/desk")),
        SubmissionAnswer::Gone => {
            return Err(super::Stop::Page(PageError::new(
                StatusCode::NOT_FOUND,
                "error-page-not-found",
                v.locale,
            )));
        }
    };
    let catalog = Catalog::load(&state, v.locale).await?;
    let title = if a.attached {
        "new-case-attached"
    } else {
        "new-case-filed"
    };
    let page = Filed {
        p: Page::new(&v, &state, title, "desk"),
        category_name: catalog.category(&a.category_code),
        department: match &a.department_name {
            Some(name) => name.get(v.locale).to_string(),
            None => catalog.department(a.department_code.as_deref()),
        },
        emergency: a.emergency.as_ref().map(|x| v.msg(&x.message())),
        case_number: a.case_number,
        password: a.password,
        phone: a.phone,
        description: a.description,
        attached: a.attached,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn attach(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    catalog: &Catalog,
    e: Intake,
) -> PageResult {
    let key = key_of(&e);
    let number = e.attach.trim().to_string();
    let caller = AttachCaller {
        phone: e.phone.clone(),
        name: keep(&e.name),
        email: keep(&e.email),
        summary: e.description.clone(),
    };
    let made = state
        .platform
        .make_once(&actor.jurisdiction_id, KIND, &key, || async {
            let work = state.cases.attach_caller(actor, &number, caller).await?;
            Ok(Answer {
                case_number: work.case_number,
                password: String::new(),
                category_code: work.category_code,
                department_name: None,
                department_code: work.department_code,
                emergency: None,
                phone: e.phone.clone(),
                description: e.description.clone(),
                attached: true,
            })
        })
        .await
        .map_err(failed(v))?;
    match made {
        Ok(()) => Ok(filed_href(&key)),
        Err(err) => {
            let errors = Errors::from_service(v, err, field_of)?;
            let possible = possible_duplicates(state, v, actor, catalog, &e).await?;
            let review = Review {
                errors,
                possible,
                reviewing: true,
                emergency: None,
            };
            form_page(state, v, actor, catalog, e, review).await
        }
    }
}
