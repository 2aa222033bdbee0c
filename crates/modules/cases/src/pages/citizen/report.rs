//! Reporting a problem: choose a category (grouped, searchable without JavaScript), then one
//! form with the category's questions, the place (map pin or district and address), the
//! description, photos, contact details with the notification preference, and the
//! personal-data notice. The answer shows the case number and its password once.

use super::filed;
use super::jurisdiction;
use crate::casework::{CitizenReport, Notice};
use crate::doors::CasesState;
use crate::intake::NewReport;
use crate::pages::category_form::{
    Answers, Group, Question, add_answer, first_answer, grouped, has_answer, questions,
};
use crate::pages::multipart::read_multipart;
use crate::store::cases::Reporter;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::Message;
use domain::catalog::{Category, District};
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::submissions::SubmissionKey;
use serde::Deserialize;
use webkit::page::Page;
use webkit::page::PageError;
use webkit::page::forms::{Errors, field_arg};

/// Photos and text together; the services check each photo's size and count.
const MAX_FORM_BYTES: usize = 52 * 1024 * 1024;

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/report", get(choose))
        .route("/report/emergency", axum::routing::post(emergency_check))
        .route(
            "/report/{code}",
            get(form)
                .post(submit)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
}

/// What the description typed so far reads like, for the warning beside it.
#[derive(Deserialize)]
struct EmergencyCheck {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    description: String,
}

/// The "call 119 / 110" warning, or nothing: the fragment htmx swaps into the form's live
/// region while the citizen types (the same warning is rendered into the form when it comes
/// back, and on the confirmation, without JavaScript).
#[derive(Template)]
#[template(path = "citizen/emergency_live.html")]
struct EmergencyLive {
    warning: Option<String>,
}

fn emergency_warning(v: &Viewer, description: &str) -> Option<String> {
    crate::domain::rules::emergency(description).map(|e| v.msg(&e.message()))
}

async fn emergency_check(
    State(_state): State<CasesState>,
    v: Viewer,
    Form(f): Form<EmergencyCheck>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let live = EmergencyLive {
        warning: emergency_warning(&v, &f.description),
    };
    let html = live.render().map_err(|_| {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "error-internal",
            v.locale,
        )
    })?;
    Ok(axum::response::Html(html).into_response())
}

#[derive(Deserialize)]
struct Search {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "citizen/choose.html")]
struct Choose {
    p: Page,
    q: String,
    groups: Vec<Group>,
    count: usize,
}

/// Whether a category matches a search: its name in either language, its group, or a keyword.
fn matches(c: &Category, q: &str) -> bool {
    let q = text::to_halfwidth(q).to_lowercase();
    [
        &c.name.zh,
        &c.name.en,
        &c.group.zh,
        &c.group.en,
        &c.keywords,
    ]
    .iter()
    .any(|field| field.to_lowercase().contains(&q))
}

async fn choose(
    State(state): State<CasesState>,
    v: Viewer,
    Query(s): Query<Search>,
) -> Result<Response, PageError> {
    let j = jurisdiction(&state.platform, v.locale).await?;
    let list = state
        .platform
        .services(&j, None)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let q = s.q.unwrap_or_default().trim().to_string();
    let categories: Vec<Category> = list
        .categories
        .into_iter()
        .filter(|c| q.is_empty() || matches(c, &q))
        .collect();
    let count = categories.len();
    let mut p = Page::new(&v, &state, "report-choose-title", "report");
    if !q.is_empty() {
        let found = p.t1("report-search-count", "count", count.to_string());
        p = p.with_status(Some(found));
    }
    let page = Choose {
        groups: grouped(categories, v.locale),
        count,
        q,
        p,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// What the citizen entered, kept to show the form again after an error.
#[derive(Default, Clone)]
pub struct Entered {
    pub district: String,
    pub address: String,
    pub lat: String,
    pub long: String,
    pub description: String,
    pub attributes: Answers,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub notify: String,
    pub consent: bool,
    /// The form's submission key (`platform::submissions`): the same form files once.
    pub submission: String,
}

impl Entered {
    pub fn attr(&self, code: &str) -> String {
        first_answer(&self.attributes, code)
    }

    pub fn attr_has(&self, code: &str, value: &str) -> bool {
        has_answer(&self.attributes, code, value)
    }
}

#[derive(Template)]
#[template(path = "citizen/report.html")]
struct ReportForm {
    p: Page,
    category: Category,
    category_name: String,
    questions: Vec<Question>,
    districts: Vec<District>,
    e: Entered,
    errors: Errors,
    /// For categories whose reports are often emergencies: the warning before the form.
    prone: Option<String>,
    /// The warning for the description entered, when the form comes back.
    live: EmergencyLive,
}

async fn category(
    state: &CasesState,
    v: &Viewer,
    code: &str,
) -> Result<(domain::catalog::Jurisdiction, Category), PageError> {
    let j = jurisdiction(&state.platform, v.locale).await?;
    let c = state
        .platform
        .service(&j, code)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    if !c.active {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            "error-service-unknown",
            v.locale,
        ));
    }
    Ok((j, c))
}

async fn show_form(
    state: &CasesState,
    v: &Viewer,
    j: &domain::catalog::Jurisdiction,
    c: Category,
    e: Entered,
    errors: Errors,
) -> Result<Response, PageError> {
    let districts = state
        .platform
        .districts(j)
        .await
        .map_err(|err| PageError::service(err, v.locale))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let name = c.name.get(v.locale).to_string();
    let p = Page::new(v, state, "report-title", "report");
    let title = p.t1("report-title-of", "category", &name);
    let p = p.with_title(title).with_errors(&errors);
    let prone = crate::domain::rules::emergency::emergency_prone(&c.code)
        .map(|kind| v.t(&format!("emergency-prone-{}", kind.as_str())));
    let live = EmergencyLive {
        warning: emergency_warning(v, &e.description),
    };
    let page = ReportForm {
        p,
        prone,
        live,
        questions: questions(&c, v),
        category_name: name,
        category: c,
        districts,
        e,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn form(
    State(state): State<CasesState>,
    v: Viewer,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let (j, c) = category(&state, &v, &code).await?;
    // Nothing is chosen for the citizen (GOV.UK: never pre-select); a signed-in citizen's
    // contact details are filled in.
    let mut e = Entered {
        submission: SubmissionKey::new().as_str().to_string(),
        ..Entered::default()
    };
    if let Some(actor) = v.signed_in().filter(|a| a.is_citizen())
        && let Ok(profile) = state.identity.my_profile(actor).await
    {
        e.email = profile.email.unwrap_or_default();
        e.phone = profile.mobile.unwrap_or_default();
    }
    show_form(&state, &v, &j, c, e, Errors::default()).await
}

/// A message about an attribute names it by its question, not its code — but keeps the code
/// in `field` so the error links to the right input.
fn with_labels(c: &Category, v: &Viewer, mut m: Message) -> Message {
    let code = m
        .args
        .iter()
        .find(|(k, _)| *k == "code")
        .map(|(_, value)| value.clone());
    if let Some(code) = code
        && let Some(def) = c.attributes.iter().find(|a| a.code == code)
    {
        for (k, value) in m.args.iter_mut() {
            if *k == "code" {
                *value = def.description.get(v.locale).to_string();
            }
        }
        m.args.push(("attribute", code));
    }
    m
}

/// Which input a refusal from intake concerns.
fn field_of(m: &Message) -> String {
    let id = m.id;
    if let Some(code) = m
        .args
        .iter()
        .find(|(k, _)| *k == "attribute")
        .map(|(_, v)| v)
    {
        return format!("f-attr-{code}");
    }
    if id.contains("place") {
        return "f-address".into();
    }
    if id.contains("consent") {
        return "f-consent".into();
    }
    if let Some(field) = field_arg(m) {
        return match field {
            "address_string" | "address" => "f-address".into(),
            "lat" | "long" => "f-address".into(),
            other => format!("f-{}", other.replace('_', "-")),
        };
    }
    if id.contains("location") || id.contains("lat") || id.contains("long") {
        "f-address".into()
    } else if id.contains("description") {
        "f-description".into()
    } else if id.contains("media") || id.contains("photo") || id.contains("image") {
        "f-photos".into()
    } else if id.contains("email") {
        "f-email".into()
    } else if id.contains("phone") || id.contains("mobile") {
        "f-phone".into()
    } else {
        String::new()
    }
}

async fn submit(
    State(state): State<CasesState>,
    v: Viewer,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (j, c) = category(&state, &v, &code).await?;
    let mut e = Entered::default();
    let mut token = String::new();
    let posted = read_multipart(&v, multipart).await?;
    let photos = posted.photos;
    for (name, value) in posted.fields {
        match name.as_str() {
            "_csrf" => token = value,
            "district" => e.district = value,
            "address" => e.address = value,
            "lat" => e.lat = value,
            "long" => e.long = value,
            "description" => e.description = value,
            "first_name" => e.first_name = value,
            "last_name" => e.last_name = value,
            "email" => e.email = value,
            "phone" => e.phone = value,
            "notify" => e.notify = value,
            "consent" => e.consent = value == "yes",
            "submission" => e.submission = value,
            other => add_answer(&mut e.attributes, other, value),
        }
    }
    check_token(&v, &token)?;
    let keep = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    // The place, the contact for the chosen notice and consent are checked (and the district
    // put before the address) by `report_from_web`, as for the REST API.
    let report = CitizenReport {
        report: NewReport {
            service_code: Some(c.code.clone()),
            lat: keep(&e.lat),
            long: keep(&e.long),
            address: keep(&e.address),
            address_id: None,
            zipcode: keep(&e.district),
            description: keep(&e.description),
            attributes: e.attributes.clone(),
            media_urls: Vec::new(),
            media: photos,
            reporter: Reporter {
                email: keep(&e.email),
                phone: keep(&e.phone),
                first_name: keep(&e.first_name),
                last_name: keep(&e.last_name),
                device_id: None,
                account_id: None,
                client_reference: None,
            },
        },
        consent: e.consent,
        notice: Notice::parse(&e.notify),
    };
    let citizen = v.signed_in().filter(|a| a.is_citizen());
    // A form without a key (sent by something other than the page) is filed once as it is.
    let key = SubmissionKey::parse(&e.submission).unwrap_or_else(SubmissionKey::new);
    e.submission = key.as_str().to_string();
    let made = state
        .platform
        .make_once(&j.id, filed::KIND, &key, || async {
            let case = state
                .cases
                .report_from_web(&j, citizen, &v.client, report)
                .await?;
            let due_at = state
                .cases
                .public_case(&j, &case.case_number, false)
                .await
                .ok()
                .and_then(|c| c.expected_at);
            Ok(filed::Answer {
                due_at,
                ..filed::Answer::from(case)
            })
        })
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    match made {
        Ok(()) => Ok(filed::filed_href(&key)),
        Err(platform::ServiceError::Invalid(problems)) => {
            let mut errors = Errors::default();
            for m in problems {
                let m = with_labels(&c, &v, m);
                errors.add(&v, &field_of(&m), &m);
            }
            show_form(&state, &v, &j, c, e, errors).await
        }
        Err(err) => {
            let errors = Errors::from_service(&v, err, field_of)?;
            show_form(&state, &v, &j, c, e, errors).await
        }
    }
}
