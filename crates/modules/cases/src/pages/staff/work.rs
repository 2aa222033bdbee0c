//! The dispatcher's queue: open cases of their departments, breached first, then those at risk,
//! then by due date; filters as a GET form (status, category, district, SLA state, text); saved
//! views (a named filter set per account); and bulk assignment to one field worker, case by
//! case, with a result page that lists what worked and what did not.

use super::case::field_workers;
use super::{Catalog, Named, PageResult, done_message, failed, gate, sla_tag};
use crate::casework::{Operation, QueueRequest, SLA_STATES};
use crate::domain::lifecycle::CaseStatus;
use crate::doors::CasesState;
use crate::store::case_work::WorkView;
use crate::store::knowledge::SavedView;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post};
use domain::Message;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::Actor;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::see_other;
use webkit::page::{Page, encode};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/work", get(queue))
        .route("/work/assign", post(bulk_assign))
        .route("/work/views", post(save_view))
        .route("/work/views/{id}/delete", post(delete_view))
}

/// Cases per page of the queue.
const PAGE: u64 = 100;

/// The queue's filters, as the GET form sends them.
#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub sla: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub done: Option<String>,
    /// After a reassignment (`done=reassigned`): the case that left, and its new department.
    #[serde(default)]
    pub moved: String,
    #[serde(default)]
    pub to: String,
}

impl Filters {
    /// The filters as a query string (without the page), for links and saved views.
    pub fn query(&self) -> String {
        [
            ("status", &self.status),
            ("category", &self.category),
            ("district", &self.district),
            ("department", &self.department),
            ("sla", &self.sla),
            ("q", &self.q),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn is_filtered(&self) -> bool {
        !self.query().is_empty()
    }

    fn request(&self) -> QueueRequest {
        let one = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        QueueRequest {
            department: one(&self.department),
            statuses: one(&self.status).map(|s| vec![s]),
            category: one(&self.category),
            district: one(&self.district),
            sla_states: one(&self.sla).map(|s| vec![s]),
            text: one(&self.q),
            by_risk: true,
            limit: PAGE + 1,
            offset: self.page.saturating_mul(PAGE),
            ..QueueRequest::default()
        }
    }
}

/// One case of the queue, ready to show.
pub struct Line {
    pub number: String,
    pub category: String,
    /// The address, or the district with it.
    pub place: String,
    pub received_at: i64,
    /// How long ago it was received: "5 hours", "3 days".
    pub age: String,
    /// The resolution clock in hours: "12 h left", "3 h overdue" (empty without a due date).
    pub countdown: String,
    pub overdue: bool,
    pub status: String,
    pub sla_class: &'static str,
    pub sla_label: String,
    pub urgency: String,
    pub assignee: String,
    pub summary: String,
}

/// A duration in words, in whole hours under two days and whole days beyond.
fn hours_or_days(v: &Viewer, seconds: i64) -> String {
    let hours = seconds.max(0) / 3600;
    if hours < 48 {
        webkit::i18n::tr(v.locale, "duration-hours", &[("n", hours.to_string())])
    } else {
        webkit::i18n::tr(
            v.locale,
            "duration-days",
            &[("n", (hours / 24).to_string())],
        )
    }
}

fn line(
    w: &WorkView,
    catalog: &Catalog,
    names: &std::collections::HashMap<String, String>,
    v: &Viewer,
    now: i64,
) -> Line {
    let (sla_class, key) = sla_tag(w.sla_state.as_deref());
    let summary: String = w.description.chars().take(60).collect();
    let open =
        !crate::domain::lifecycle::CaseStatus::parse(&w.status).is_some_and(|s| s.is_final());
    let (countdown, overdue) = match w.resolution_due_at.filter(|_| open) {
        Some(due) if due >= now => (
            webkit::i18n::tr(
                v.locale,
                "countdown-left",
                &[("time", hours_or_days(v, due - now))],
            ),
            false,
        ),
        Some(due) => (
            webkit::i18n::tr(
                v.locale,
                "countdown-over",
                &[("time", hours_or_days(v, now - due))],
            ),
            true,
        ),
        None => (String::new(), false),
    };
    Line {
        number: w.case_number.clone(),
        category: catalog.category(&w.category_code),
        place: catalog.place(w),
        received_at: w.requested_at,
        age: hours_or_days(v, now - w.requested_at),
        countdown,
        overdue,
        status: w.status.clone(),
        sla_class,
        sla_label: v.t(&key),
        urgency: w.urgency.clone(),
        assignee: w
            .assignee_id
            .as_ref()
            .and_then(|id| names.get(id).cloned())
            .unwrap_or_default(),
        summary,
    }
}

#[derive(Template)]
#[template(path = "staff/work.html")]
struct Queue {
    p: Page,
    f: Filters,
    query: String,
    filtered: bool,
    lines: Vec<Line>,
    more: bool,
    statuses: Vec<&'static str>,
    sla_states: [&'static str; 5],
    categories: Vec<Named>,
    districts: Vec<Named>,
    departments: Vec<Named>,
    workers: Vec<Named>,
    views: Vec<SavedView>,
    view_name: String,
    errors: Errors,
    /// The page's cases on a map (pins linking to them), where they have points.
    map: Option<String>,
}

async fn queue_page(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    f: Filters,
    errors: Errors,
    view_name: String,
) -> PageResult {
    let catalog = Catalog::load(state, v.locale).await?;
    let (cases, mut errors) = match state.cases.case_queue(actor, f.request()).await {
        Ok(c) => (c, errors),
        Err(e) => {
            let mut errs = Errors::from_service(v, e, |m| {
                if m.id.contains("sla") {
                    "f-sla".to_string()
                } else if m.id.contains("status") {
                    "f-status".to_string()
                } else {
                    "f-department".to_string()
                }
            })?;
            errs.items.extend(errors.items);
            (Vec::new(), errs)
        }
    };
    let staff = state.identity.list_staff(actor).await.unwrap_or_default();
    let names = staff
        .iter()
        .map(|s| (s.id.clone(), s.display_name.clone()))
        .collect();
    let views = state.cases.saved_views(actor).await.map_err(failed(v))?;
    let more = cases.len() as u64 > PAGE;
    let departments = match actor.departments_for(crate::permissions::VIEW_CASES) {
        None => catalog.department_options(false),
        Some(mine) => mine
            .into_iter()
            .map(|code| Named {
                name: catalog.department(Some(&code)),
                code,
            })
            .collect(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    errors
        .items
        .dedup_by(|a, b| a.field == b.field && a.message == b.message);
    let lines: Vec<Line> = cases
        .iter()
        .take(PAGE as usize)
        .map(|w| line(w, &catalog, &names, v, state.platform.now()))
        .collect();
    let page_cases = &cases[..cases.len().min(PAGE as usize)];
    let map = super::maps::queue_map(state, v, &actor.jurisdiction_id, page_cases, |w| {
        format!(
            "{} {} {}",
            w.case_number,
            catalog.category(&w.category_code),
            catalog.place(w)
        )
    });
    let mut p = Page::new(v, state, "work-title", "work").with_errors(&errors);
    let reassigned = (f.done.as_deref() == Some("reassigned") && !f.moved.is_empty()).then(|| {
        webkit::i18n::tr(
            v.locale,
            "done-reassigned-to",
            &[
                ("number", f.moved.clone()),
                ("department", catalog.department(Some(f.to.as_str()))),
            ],
        )
    });
    let message = reassigned
        .or_else(|| done_message(v, f.done.as_deref()))
        .or_else(|| Some(p.t1("work-count", "count", lines.len().to_string())));
    p = p.with_status(message);
    let page = Queue {
        p,
        query: f.query(),
        filtered: f.is_filtered(),
        lines,
        more,
        statuses: CaseStatus::ALL.iter().map(|s| s.as_str()).collect(),
        sla_states: SLA_STATES,
        categories: catalog.category_options(),
        districts: catalog.district_options(),
        departments,
        workers: field_workers(&staff, None),
        views,
        view_name,
        errors,
        map,
        f,
    };
    Ok(render(v, state, status, &page))
}

async fn queue(State(state): State<CasesState>, v: Viewer, Query(f): Query<Filters>) -> PageResult {
    let actor = gate(&v, crate::permissions::DISPATCH_CASES)?;
    queue_page(&state, &v, actor, f, Errors::default(), String::new()).await
}

/// The filters of a queue URL's query string (`back` of the forms).
fn filters_of(query: &str) -> Filters {
    format!("/work?{query}")
        .parse::<Uri>()
        .ok()
        .and_then(|uri| Query::<Filters>::try_from_uri(&uri).ok())
        .map(|q| q.0)
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
struct ViewForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

async fn save_view(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<ViewForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::DISPATCH_CASES)?;
    check_token(&v, &f._csrf)?;
    // Only filters the queue knows are kept.
    let query = filters_of(&f.query).query();
    match state.cases.save_view(actor, &f.name, &query).await {
        Ok(view) => {
            let sep = if view.query.is_empty() { "" } else { "&" };
            Ok(see_other(&format!(
                "/work?{}{sep}done=view-saved",
                view.query
            )))
        }
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-view-name".to_string())?;
            queue_page(&state, &v, actor, filters_of(&query), errors, f.name).await
        }
    }
}

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

async fn delete_view(
    State(state): State<CasesState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::DISPATCH_CASES)?;
    check_token(&v, &f._csrf)?;
    state
        .cases
        .delete_view(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/work?done=view-deleted"))
}

/// What happened to one case of a bulk assignment.
pub struct Outcome {
    pub number: String,
    pub ok: bool,
    pub message: String,
}

#[derive(Template)]
#[template(path = "staff/bulk_result.html")]
struct BulkResult {
    p: Page,
    assignee: String,
    outcomes: Vec<Outcome>,
    succeeded: usize,
    failed: usize,
    back: String,
}

async fn bulk_assign(
    State(state): State<CasesState>,
    v: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::DISPATCH_CASES)?;
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    check_token(&v, &value("_csrf"))?;
    let back = filters_of(&value("back")).query();
    let assignee = value("assignee");
    let mut numbers: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "case")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    numbers.dedup();
    let mut errors = Errors::default();
    if numbers.is_empty() {
        errors.add(&v, "f-bulk-cases", &Message::new("error-bulk-none"));
    }
    if assignee.trim().is_empty() {
        errors.add(
            &v,
            "f-bulk-assignee",
            &Message::new("error-field-required").arg("field", "assignee_id"),
        );
    }
    if !errors.is_empty() {
        return queue_page(&state, &v, actor, filters_of(&back), errors, String::new()).await;
    }
    let staff = state.identity.list_staff(actor).await.unwrap_or_default();
    let assignee_name = staff
        .iter()
        .find(|s| s.id == assignee)
        .map_or_else(|| assignee.clone(), |s| s.display_name.clone());
    let mut outcomes = Vec::with_capacity(numbers.len());
    for number in numbers {
        let op = Operation::AssignWorker {
            account_id: assignee.clone(),
        };
        // Each case on its own: one refusal does not stop the others.
        let outcome = match state.cases.operate(actor, &number, op).await {
            Ok(_) => Outcome {
                number,
                ok: true,
                message: v.t("bulk-assigned"),
            },
            Err(e) => {
                let message = super::service_message(&v, e);
                Outcome {
                    number,
                    ok: false,
                    message,
                }
            }
        };
        outcomes.push(outcome);
    }
    let succeeded = outcomes.iter().filter(|o| o.ok).count();
    let failed = outcomes.len() - succeeded;
    // The status (a success) says only what was done; refusals are listed apart.
    let done = (succeeded > 0).then(|| {
        webkit::i18n::tr(
            v.locale,
            "bulk-done",
            &[
                ("count", succeeded.to_string()),
                ("name", assignee_name.clone()),
            ],
        )
    });
    let p = Page::new(&v, &state, "bulk-title", "work").with_status(done);
    let page = BulkResult {
        p,
        assignee: assignee_name,
        outcomes,
        succeeded,
        failed,
        back,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
