//! The staff case page: the working state, the SLA clocks, the whole timeline (internal events
//! included) and one small form for each operation the lifecycle allows now and the viewer may
//! do. Everyone who may see the case opens it (an agent answering "what is happening with my
//! case?", a supervisor following an overdue case); only the holding department acts.

use super::actions::{self, ActionForm, EventLine};
use super::{Catalog, Named, PageResult, Stop, done_message, failed, gate, sla_tag};
use crate::domain::case_event::CaseEventKind;
use crate::domain::lifecycle::OperationKind;
use crate::doors::CasesState;
use crate::store::case_work::WorkView;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use identity::accounts::StaffView;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::{Actor, Role};
use std::collections::HashMap;
use webkit::page::forms::Errors;
use webkit::page::see_other;
use webkit::page::{Page, encode};

pub fn routes() -> Router<CasesState> {
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
    /// The calendar the due dates count on, in words (empty where it is not known).
    pub sla_calendar: String,
    pub photos: Vec<String>,
    /// The category's questions and the citizen's answers, in words.
    pub answers: Vec<Answer>,
    /// Where the reporter placed the case, for a map and a navigation link.
    pub point: Option<domain::geo::Point>,
    /// How to reach the reporters, for those who may.
    pub reporters: Reporters,
    /// The case on a map, where the jurisdiction has boundaries and the case a point.
    pub map: Option<super::maps::CaseMap>,
}

/// One answer to a category's question (pole number, lamps out, pothole size).
pub struct Answer {
    pub label: String,
    pub value: String,
}

/// The reporters' contact details on a case page: offered to those who may read them, and
/// shown (and audited) only when asked for.
#[derive(Default)]
pub struct Reporters {
    pub may: bool,
    pub shown: Option<Vec<crate::casework::ReporterContact>>,
}

/// The answers a case's reporter gave, labelled by the category's questions in the page's
/// language, list values by their names; answers to questions the category no longer asks
/// keep their code.
pub fn answers(w: &WorkView, catalog: &Catalog) -> Vec<Answer> {
    let given: Vec<domain::category::AttributeAnswer> =
        serde_json::from_str(&w.attributes).unwrap_or_default();
    let defs = catalog
        .categories
        .iter()
        .find(|c| c.code == w.category_code)
        .map(|c| c.attributes.as_slice())
        .unwrap_or_default();
    given
        .into_iter()
        .filter(|a| a.values.iter().any(|v| !v.trim().is_empty()))
        .map(|a| {
            let def = defs.iter().find(|d| d.code == a.code);
            let value = a
                .values
                .iter()
                .map(|v| {
                    def.and_then(|d| d.values.iter().find(|x| x.key == *v))
                        .map_or_else(|| v.clone(), |x| x.name.get(catalog.locale).to_string())
                })
                .collect::<Vec<_>>()
                .join(if catalog.locale == domain::Locale::ZhTw {
                    "、"
                } else {
                    ", "
                });
            Answer {
                label: def.map_or_else(
                    || a.code.clone(),
                    |d| d.description.get(catalog.locale).to_string(),
                ),
                value,
            }
        })
        .collect()
}

pub fn facts(
    w: &WorkView,
    catalog: &Catalog,
    names: &HashMap<String, String>,
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
        sla_calendar: String::new(),
        photos: serde_json::from_str(&w.media_urls).unwrap_or_default(),
        answers: answers(w, catalog),
        point: w
            .lat
            .zip(w.lon)
            .and_then(|(lat, lon)| domain::geo::Point::new(lat, lon).ok()),
        reporters: Reporters::default(),
        map: None,
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
    read_only: bool,
    /// The action whose form is open when none came back refused.
    next: &'static str,
}

/// The likely next step of a case among the offered actions: give it to a field worker,
/// resolve it once someone is at work on it, close it once resolved.
fn next_step(w: &WorkView, legal: &[&'static str]) -> &'static str {
    let offered = |a: &str| legal.contains(&a);
    if offered("assign_worker") && w.assignee_id.is_none() {
        "assign_worker"
    } else if offered("resolve") && matches!(w.status.as_str(), "in_progress" | "on_site") {
        "resolve"
    } else if offered("close") {
        "close"
    } else {
        ""
    }
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.legal.contains(&action)
    }

    fn kept(&self, action: &str, field: &str) -> String {
        self.f.kept(action, field)
    }

    /// Whether an action's form is open: the one that came back refused, or else the case's
    /// likely next step (one at a time: the others stay folded).
    fn open(&self, action: &str) -> bool {
        if self.f.action.is_empty() {
            action == self.next
        } else {
            self.f.action == action
        }
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
pub struct DoneQuery {
    pub done: Option<String>,
    /// `show`: the reporters' contact details are shown (a read that is audited).
    pub reporters: Option<String>,
}

impl DoneQuery {
    pub fn show_reporters(&self) -> bool {
        self.reporters.as_deref() == Some("show")
    }
}

/// Which desk a staff case page belongs to: where it sits and which operations it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    /// The dispatcher's `/work/cases/…`: every operation.
    Dispatch,
    /// The field worker's `/field/cases/…`: the field operations.
    Field,
}

impl Desk {
    fn section(self) -> &'static str {
        match self {
            Desk::Dispatch => "work",
            Desk::Field => "field",
        }
    }

    fn operations(self) -> &'static [&'static str] {
        match self {
            Desk::Dispatch => &actions::DISPATCH,
            Desk::Field => &actions::FIELD,
        }
    }
}

/// What every staff case page shows, built once for both desks: the frame, the case, its
/// facts and timeline, and the desk's operations the lifecycle allows now.
pub struct CaseView {
    pub p: Page,
    pub w: WorkView,
    pub x: Facts,
    pub events: Vec<EventLine>,
    pub legal: Vec<&'static str>,
    pub outcomes: Vec<&'static str>,
    pub action_base: String,
    pub form_base: String,
    /// The local date today, the earliest a deferral can be planned for.
    pub today: String,
    /// 400 when a form came back refused.
    pub status: StatusCode,
    pub catalog: Catalog,
    /// The viewer may see the case but do nothing to it (it is another department's).
    pub read_only: bool,
}

/// The case page of `desk` for `number`; `names` gives staff names by account id.
pub async fn case_view(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    number: &str,
    desk: Desk,
    names: &HashMap<String, String>,
    show_reporters: bool,
) -> Result<CaseView, Stop> {
    let detail = state
        .cases
        .case_detail(actor, number)
        .await
        .map_err(failed(v))?;
    let may_contact = crate::casework::may_contact(actor, &detail.work);
    let reporters = Reporters {
        may: may_contact,
        shown: if show_reporters && may_contact {
            Some(
                state
                    .cases
                    .reporter_contacts(actor, number)
                    .await
                    .map_err(failed(v))?,
            )
        } else {
            None
        },
    };
    let catalog = Catalog::load(state, v.locale).await?;
    let w = detail.work;
    // A personal-data request's deadline is extended once, while it runs.
    let extendable = crate::domain::data_requests::may_extend(
        &w.category_code,
        detail
            .events
            .iter()
            .any(|e| e.event.kind == CaseEventKind::DeadlineExtended.as_str()),
        w.resolution_due_at,
        state.cases.platform.now(),
    )
    .is_ok();
    let legal: Vec<&'static str> = desk
        .operations()
        .iter()
        .copied()
        .filter(|a| actions::legal(&w.status, w.cosign_department_code.is_some(), a))
        // Only a personal-data request has a deadline the law lets be extended.
        .filter(|a| *a != "extend_deadline" || extendable)
        .filter(|a| OperationKind::parse(a).is_some_and(|k| crate::casework::may_do(actor, &w, k)))
        .collect();
    let read_only = legal.is_empty()
        && !desk.operations().iter().any(|a| {
            OperationKind::parse(a).is_some_and(|k| crate::casework::may_do(actor, &w, k))
        });
    let p = Page::new(v, state, "case-title", desk.section());
    let title = p.t1("case-heading", "number", &w.case_number);
    let p = p.with_title(title);
    let base = format!("/{}/cases/{}/act", desk.section(), encode(&w.case_number));
    let said = facts(&w, &catalog, names, v);
    Ok(CaseView {
        p,
        x: Facts {
            sla_calendar: v.t(&format!("sla-calendar-{}", detail.sla_calendar.as_str())),
            reporters,
            map: said.point.and_then(|p| {
                super::maps::case_map(state, v, &actor.jurisdiction_id, p, &said.place)
            }),
            ..said
        },
        events: actions::event_lines(&detail.events, v, &catalog, names),
        legal,
        outcomes: actions::outcomes(),
        action_base: base.clone(),
        form_base: base,
        today: webkit::page::dates::ymd(state.platform.now()),
        status: StatusCode::OK,
        w,
        catalog,
        read_only,
    })
}

impl CaseView {
    /// The page shown again after a form: with its problems (400), or the done message.
    pub fn after(mut self, errors: &Errors, message: Option<String>) -> CaseView {
        if !errors.is_empty() {
            self.status = StatusCode::BAD_REQUEST;
        }
        self.p = self.p.with_errors(errors).with_status(message);
        self
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
    show_reporters: bool,
) -> PageResult {
    let staff = state.identity.list_staff(actor).await.unwrap_or_default();
    let names = staff
        .iter()
        .map(|s| (s.id.clone(), s.display_name.clone()))
        .collect();
    let c = case_view(
        state,
        v,
        actor,
        number,
        Desk::Dispatch,
        &names,
        show_reporters,
    )
    .await?
    .after(&errors, message);
    let current = c.w.department_code.clone();
    let page = CasePage {
        workers: field_workers(&staff, c.w.department_code.as_deref()),
        departments: c
            .catalog
            .department_options(false)
            .into_iter()
            .filter(|d| Some(&d.code) != current.as_ref())
            .collect(),
        utilities: c.catalog.department_options(true),
        p: c.p,
        x: c.x,
        events: c.events,
        outcomes: c.outcomes,
        action_base: c.action_base,
        form_base: c.form_base,
        today: c.today,
        next: next_step(&c.w, &c.legal),
        legal: c.legal,
        read_only: c.read_only,
        w: c.w,
        f,
        errors,
    };
    Ok(render(v, state, c.status, &page))
}

async fn show(
    State(state): State<CasesState>,
    v: Viewer,
    Path(number): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::VIEW_CASES)?;
    let message = done_message(&v, q.done.as_deref());
    page(
        &state,
        &v,
        actor,
        &number,
        ActionForm::default(),
        Errors::default(),
        message,
        q.show_reporters(),
    )
    .await
}

/// What became of a case after an operation, for where the page goes next.
pub enum Applied {
    /// The caller still sees the case: its page is shown again with the done message.
    Stays,
    /// The case has left the caller's reach (reassigned, its co-sign completed): back to the
    /// queue.
    Left,
}

/// Applies one operation; afterwards the page is shown again (with the errors beside the
/// form that failed, or the done message).
pub async fn apply(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    number: &str,
    f: &ActionForm,
) -> Result<Result<Applied, Errors>, Stop> {
    // A response template stands in for a resolution note that was not typed.
    let mut f = f.clone();
    if f.action == "resolve"
        && f.note.trim().is_empty()
        && actions::NOTE_TEMPLATES.contains(&f.template.as_str())
    {
        f.note = v.t(&format!("note-template-{}", f.template));
    }
    let f = &f;
    let op = match actions::operation(f) {
        Ok(op) => op,
        Err(m) => {
            let mut errors = Errors::default();
            errors.add(v, &(actions::field_of(&f.action))(&m), &m);
            return Ok(Err(errors));
        }
    };
    match state.cases.operate(actor, number, op).await {
        Ok(work) if crate::casework::may_view(actor, &work) => Ok(Ok(Applied::Stays)),
        Ok(_) => Ok(Ok(Applied::Left)),
        Err(e) => Ok(Err(Errors::from_service(
            v,
            e,
            actions::field_of(&f.action),
        )?)),
    }
}

async fn act(
    State(state): State<CasesState>,
    v: Viewer,
    Path(number): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::VIEW_CASES)?;
    check_token(&v, &f._csrf)?;
    match apply(&state, &v, actor, &number, &f).await? {
        // The case has left the department: back to its queue, saying where it went.
        Ok(_) if f.action == "reassign" => Ok(see_other(&format!(
            "/work?done=reassigned&moved={}&to={}",
            encode(&number),
            encode(&f.department)
        ))),
        Ok(Applied::Left) => Ok(see_other(&format!(
            "/work?done={}",
            encode(&f.action.replace('_', "-"))
        ))),
        Ok(Applied::Stays) => Ok(see_other(&format!(
            "/work/cases/{}?done={}",
            encode(&number),
            encode(&f.action.replace('_', "-"))
        ))),
        Err(errors) => page(&state, &v, actor, &number, f, errors, None, false).await,
    }
}
