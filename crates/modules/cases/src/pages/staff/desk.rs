//! The agent's console: who is calling (lookup by number, audited with the reason), the care
//! flag, the contact log for calls that create no case, the 110/119 check, and links to a new
//! case, the answers and the out-call queue.

use super::{Catalog, Named, PageResult, done_message, failed, gate};
use crate::desk::{CallerHistory, ContactQuery, NewContact, OutcallQuery};
use crate::doors::CasesState;
use crate::store::desk::ContactRow;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::Message;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::Actor;
use serde::Deserialize;
use webkit::page::Page;
use webkit::page::forms::{Errors, field_arg};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/desk", get(console))
        .route("/desk/caller", post(lookup))
        .route("/desk/care-flag", post(care_flag))
        .route("/desk/contacts", post(log_contact))
        .route("/desk/emergency", post(emergency))
}

/// The service types of the contact log, in the order the form offers them.
pub const CONTACT_TYPES: [&str; 5] = ["consult", "transfer", "inform", "emergency", "dispatch"];

/// What the agent entered in the contact log form.
#[derive(Deserialize, Default, Clone)]
pub struct ContactForm {
    #[serde(default)]
    pub _csrf: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub service_type: String,
    #[serde(default)]
    pub category_code: String,
    #[serde(default)]
    pub case_number: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub emergency_kind: String,
    /// Where to go back to: the caller page keeps its reason to look the caller up again.
    #[serde(default)]
    pub reason: String,
}

/// One line of a contact list.
pub struct ContactLine {
    pub at: i64,
    pub phone: String,
    pub kind: String,
    pub category: String,
    pub case_number: String,
    pub summary: String,
    pub agent: String,
    pub emergency: String,
}

pub fn contact_lines(rows: &[ContactRow], catalog: &Catalog, v: &Viewer) -> Vec<ContactLine> {
    rows.iter()
        .map(|r| {
            let c = &r.contact;
            ContactLine {
                at: c.created_at,
                phone: c.caller_phone.clone(),
                kind: v.t(&format!("contact-type-{}", c.service_type)),
                category: c
                    .category_code
                    .as_deref()
                    .map(|code| catalog.category(code))
                    .unwrap_or_default(),
                case_number: c.case_number.clone().unwrap_or_default(),
                summary: c.summary.clone(),
                agent: r.agent_name.clone().unwrap_or_default(),
                emergency: c.emergency_kind.clone().unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/desk.html")]
struct Console {
    p: Page,
    phone: String,
    reason: String,
    description: String,
    /// The 110/119 redirect to read to the caller, if the last check or call found one.
    emergency: Option<String>,
    /// A check was made and found nothing.
    checked_clear: bool,
    contact: ContactForm,
    contact_types: [&'static str; 5],
    categories: Vec<Named>,
    recent: Vec<ContactLine>,
    queued_outcalls: usize,
    errors: Errors,
    on_caller: bool,
}

/// Renders the console with what was entered, the errors and an announced status.
#[allow(clippy::too_many_arguments)]
async fn console_page(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    status: StatusCode,
    mut page: ConsoleInput,
    errors: Errors,
    message: Option<String>,
) -> PageResult {
    let catalog = Catalog::load(state, v.locale).await?;
    let recent = state
        .cases
        .contacts(
            actor,
            ContactQuery {
                limit: 15,
                ..ContactQuery::default()
            },
        )
        .await
        .map_err(failed(v))?;
    let queued = state
        .cases
        .outcall_queue(
            actor,
            OutcallQuery {
                statuses: Some(vec!["queued".into()]),
                limit: 200,
                ..OutcallQuery::default()
            },
        )
        .await
        .map_err(failed(v))?
        .len();
    if page.reason.is_empty() {
        page.reason = v.t("desk-reason-default");
    }
    let p = Page::new(v, state, "desk-title", "desk")
        .with_errors(&errors)
        .with_status(message);
    let console = Console {
        p,
        phone: page.phone,
        reason: page.reason,
        description: page.description,
        emergency: page.emergency,
        checked_clear: page.checked_clear,
        contact: page.contact,
        contact_types: CONTACT_TYPES,
        categories: catalog.category_options(),
        recent: contact_lines(&recent, &catalog, v),
        queued_outcalls: queued,
        errors,
        on_caller: false,
    };
    Ok(render(v, state, status, &console))
}

#[derive(Default)]
struct ConsoleInput {
    phone: String,
    reason: String,
    description: String,
    emergency: Option<String>,
    checked_clear: bool,
    contact: ContactForm,
}

/// The console's query: a redirect's done key, or a number to look up (from the staff search).
#[derive(Deserialize, Default)]
struct ConsoleQuery {
    done: Option<String>,
    #[serde(default)]
    phone: String,
}

async fn console(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<ConsoleQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    let message = done_message(&v, q.done.as_deref());
    console_page(
        &state,
        &v,
        actor,
        StatusCode::OK,
        ConsoleInput {
            phone: q.phone.trim().chars().take(40).collect(),
            ..ConsoleInput::default()
        },
        Errors::default(),
        message,
    )
    .await
}

#[derive(Deserialize, Default)]
struct LookupForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    reason: String,
}

/// Which input of the lookup a refusal concerns.
fn lookup_field(m: &Message) -> String {
    if m.id.contains("reason") {
        "f-reason".into()
    } else {
        "f-phone".into()
    }
}

#[derive(Template)]
#[template(path = "staff/caller.html")]
struct CallerPage {
    p: Page,
    h: CallerHistory,
    reason: String,
    cases: Vec<CallerCaseLine>,
    contacts: Vec<ContactLine>,
    contact: ContactForm,
    contact_types: [&'static str; 5],
    categories: Vec<Named>,
    flag_note: String,
    errors: Errors,
    on_caller: bool,
}

pub struct CallerCaseLine {
    pub number: String,
    pub status: String,
    pub category: String,
    pub requested_at: i64,
}

/// Looks the caller up and shows their history; problems with the number or reason go back to
/// the console beside the fields.
async fn show_caller(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    phone: &str,
    reason: &str,
    extra: CallerExtra,
) -> PageResult {
    let h = match state.cases.lookup_caller(actor, phone, reason).await {
        Ok(h) => h,
        Err(e) => {
            let errors = Errors::from_service(v, e, lookup_field)?;
            let input = ConsoleInput {
                phone: phone.to_string(),
                reason: reason.to_string(),
                ..ConsoleInput::default()
            };
            return console_page(
                state,
                v,
                actor,
                StatusCode::BAD_REQUEST,
                input,
                errors,
                None,
            )
            .await;
        }
    };
    let catalog = Catalog::load(state, v.locale).await?;
    let cases = h
        .cases
        .iter()
        .map(|c| CallerCaseLine {
            number: c.case_number.clone(),
            status: c.status.clone(),
            category: match v.locale {
                domain::Locale::En => c.category_name_en.clone().or(c.category_name_zh.clone()),
                domain::Locale::ZhTw => c.category_name_zh.clone(),
            }
            .unwrap_or_else(|| c.category_code.clone()),
            requested_at: c.requested_at,
        })
        .collect();
    let contacts = contact_lines(&h.contacts, &catalog, v);
    let display = h.number.display();
    let status = if extra.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let p = Page::new(v, state, "caller-title", "desk");
    let title = p.t1("caller-heading", "number", &display);
    let p = p
        .with_title(title)
        .with_errors(&extra.errors)
        .with_status(extra.message);
    let mut contact = extra.contact;
    contact.phone = h.number.key().to_string();
    let page = CallerPage {
        p,
        flag_note: h
            .care_flag
            .as_ref()
            .map(|f| f.note.clone())
            .unwrap_or_default(),
        h,
        reason: reason.to_string(),
        cases,
        contacts,
        contact,
        contact_types: CONTACT_TYPES,
        categories: catalog.category_options(),
        errors: extra.errors,
        on_caller: true,
    };
    Ok(render(v, state, status, &page))
}

#[derive(Default)]
struct CallerExtra {
    contact: ContactForm,
    errors: Errors,
    message: Option<String>,
}

async fn lookup(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<LookupForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    check_token(&v, &f._csrf)?;
    show_caller(
        &state,
        &v,
        actor,
        &f.phone,
        &f.reason,
        CallerExtra::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
struct FlagForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    /// `set` or `clear`.
    #[serde(default)]
    action: String,
}

async fn care_flag(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<FlagForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    check_token(&v, &f._csrf)?;
    let result = if f.action == "clear" {
        state.cases.unflag_caller(actor, &f.phone).await
    } else {
        state
            .cases
            .flag_caller(actor, &f.phone, &f.note)
            .await
            .map(|_| ())
    };
    let extra = match result {
        Ok(()) => CallerExtra {
            message: Some(v.t(if f.action == "clear" {
                "care-flag-cleared"
            } else {
                "care-flag-saved"
            })),
            ..CallerExtra::default()
        },
        Err(e) => CallerExtra {
            errors: Errors::from_service(&v, e, |_| "f-flag-note".to_string())?,
            ..CallerExtra::default()
        },
    };
    show_caller(&state, &v, actor, &f.phone, &f.reason, extra).await
}

/// Which input of the contact form a refusal concerns.
fn contact_field(m: &Message) -> String {
    let id = m.id;
    match field_arg(m) {
        Some("summary") => return "f-c-summary".into(),
        Some("emergency_kind") => return "f-c-kind".into(),
        _ => {}
    }
    if id.contains("phone") {
        "f-c-phone".into()
    } else if id == "error-contact-type" {
        "f-c-type".into()
    } else if id.contains("emergency") {
        "f-c-kind".into()
    } else if id == "error-service-unknown" {
        "f-c-category".into()
    } else if id.contains("request-unknown") || id.contains("case") {
        "f-c-case".into()
    } else {
        String::new()
    }
}

async fn log_contact(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<ContactForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    check_token(&v, &f._csrf)?;
    let keep = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let result = state
        .cases
        .log_contact(
            actor,
            NewContact {
                phone: f.phone.clone(),
                service_type: f.service_type.clone(),
                category_code: keep(&f.category_code),
                summary: f.summary.clone(),
                case_number: keep(&f.case_number),
                emergency_kind: keep(&f.emergency_kind),
            },
        )
        .await;
    // From the caller's page (which carries the reason), the answer is that page again.
    let from_caller = !f.reason.trim().is_empty();
    match result {
        Ok(logged) => {
            let message = Some(v.t("contact-logged"));
            let emergency = logged.emergency.as_ref().map(|e| v.msg(&e.message()));
            if from_caller && emergency.is_none() {
                let extra = CallerExtra {
                    message,
                    ..CallerExtra::default()
                };
                return show_caller(&state, &v, actor, &f.phone, &f.reason, extra).await;
            }
            let input = ConsoleInput {
                emergency,
                ..ConsoleInput::default()
            };
            console_page(
                &state,
                &v,
                actor,
                StatusCode::CREATED,
                input,
                Errors::default(),
                message,
            )
            .await
        }
        Err(e) => {
            let errors = Errors::from_service(&v, e, contact_field)?;
            if from_caller {
                let extra = CallerExtra {
                    contact: f.clone(),
                    errors,
                    message: None,
                };
                return show_caller(&state, &v, actor, &f.phone, &f.reason, extra).await;
            }
            let input = ConsoleInput {
                contact: f,
                ..ConsoleInput::default()
            };
            console_page(
                &state,
                &v,
                actor,
                StatusCode::BAD_REQUEST,
                input,
                errors,
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
struct EmergencyForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    description: String,
}

async fn emergency(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<EmergencyForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    check_token(&v, &f._csrf)?;
    match state.cases.check_emergency(actor, &f.description) {
        Ok(found) => {
            let emergency = found.as_ref().map(|e| v.msg(&e.message()));
            let message = Some(v.t(if emergency.is_some() {
                "emergency-found"
            } else {
                "emergency-none"
            }));
            let input = ConsoleInput {
                checked_clear: emergency.is_none(),
                emergency,
                description: f.description,
                ..ConsoleInput::default()
            };
            console_page(
                &state,
                &v,
                actor,
                StatusCode::OK,
                input,
                Errors::default(),
                message,
            )
            .await
        }
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-description".to_string())?;
            let input = ConsoleInput {
                description: f.description,
                ..ConsoleInput::default()
            };
            console_page(
                &state,
                &v,
                actor,
                StatusCode::BAD_REQUEST,
                input,
                errors,
                None,
            )
            .await
        }
    }
}
