//! The clerk's pages: the queue (per service and office, soonest due first) and an
//! application with its answers, documents, checks and history, and one decision at a time.

use super::applications::document_response;
use super::fields::{self, FieldView};
use super::ntd;
use crate::app::Application;
use crate::app::apply::ApplicationView;
use crate::app::issue::IssueTo;
use crate::app::pickup::HandOver;
use crate::app::review::QueueQuery;
use crate::domain::application::{Role, State as AppState, allowed};
use crate::module::{CounterState, REVIEW_APPLICATIONS};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::identity::PersonalId;
use identity::doors::{Viewer, check_token, gate, render};
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<CounterState> {
    Router::new()
        .route("/staff/counter", get(queue))
        .route("/staff/counter/{id}", get(show))
        .route("/staff/counter/{id}/receipt", get(receipt))
        .route("/staff/counter/{id}/{action}", post(act))
        .route("/staff/counter/{id}/documents/{doc}", get(document))
}

struct QueueRow {
    a: Application,
    service: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "counter/queue.html")]
struct QueuePage {
    p: Page,
    rows: Vec<QueueRow>,
    q: QueueForm,
    states: Vec<&'static str>,
    services: Vec<(String, String)>,
    offices: Vec<(String, String)>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct QueueForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    after: String,
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

async fn queue(
    State(state): State<CounterState>,
    v: Viewer,
    Query(q): Query<QueueForm>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    let query = QueueQuery {
        state: AppState::parse(&q.state).filter(|s| {
            AppState::QUEUE.contains(s) || s.is_final() || *s == AppState::ReadyForPickup
        }),
        service: non_empty(&q.service),
        office: non_empty(&q.office),
        after: q
            .after
            .split_once('.')
            .and_then(|(due, id)| Some((due.parse().ok()?, id.to_string()))),
    };
    let m = &state.module;
    let found = m.queue(actor, &query).await.map_err(failed(&v))?;
    let catalogue = m
        .catalogue(&actor.jurisdiction_id)
        .await
        .map_err(failed(&v))?;
    let now = m.platform().now();
    let next = (found.len() as u64 == crate::app::review::QUEUE_PAGE)
        .then(|| found.last())
        .flatten()
        .map(|last| {
            format!(
                "state={}&service={}&office={}&after={}.{}",
                q.state,
                q.service,
                q.office,
                last.due_at.unwrap_or(0),
                last.id
            )
        });
    let rows = found
        .into_iter()
        .map(|a| QueueRow {
            service: catalogue.service(&a.service_code).map_or_else(
                || a.service_code.clone(),
                |s| s.name.get(v.locale).to_string(),
            ),
            overdue: a.state.in_review() && a.due_at.is_some_and(|d| d < now),
            a,
        })
        .collect();
    let page = QueuePage {
        p: Page::new(&v, &state, "counter-queue-title", "counter"),
        rows,
        states: AppState::ALL
            .iter()
            .filter(|s| **s != AppState::Draft)
            .map(|s| s.as_str())
            .collect(),
        services: catalogue
            .services
            .iter()
            .map(|s| (s.code.clone(), s.name.get(v.locale).to_string()))
            .collect(),
        offices: catalogue
            .offices
            .iter()
            .map(|(o, _)| (o.code.clone(), o.name.get(v.locale).to_string()))
            .collect(),
        q,
        next,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// A check a clerk sees beside the answers.
struct Check {
    label: String,
    ok: bool,
    detail: String,
}

#[derive(Template)]
#[template(path = "counter/clerk_application.html")]
struct AppPage {
    p: Page,
    a: Application,
    service: String,
    office: String,
    fee: String,
    fields: Vec<FieldView>,
    checks: Vec<Check>,
    events: Vec<(i64, String, String, String)>,
    actions: Vec<&'static str>,
    /// The free doors of the office's Smart Desk (for issuing to a locker).
    free_doors: Vec<(String, String)>,
    door: String,
    f: ActionForm,
    errors: Errors,
    done: String,
}

#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    done: String,
    /// Where to issue: `counter`, `post` or a door's id.
    #[serde(default)]
    to: String,
    /// Who takes it at the counter: `applicant` or `agent`.
    #[serde(default)]
    who: String,
    #[serde(default)]
    last4: String,
    #[serde(default)]
    code: String,
}

fn checks(v: &Viewer, view: &ApplicationView) -> Vec<Check> {
    let mut out = Vec::new();
    for f in &view.form.fields {
        let Some(value) = view.application.answers.get(&f.key) else {
            continue;
        };
        if f.kind == crate::domain::forms::FieldKind::IdNumber {
            let parsed = PersonalId::parse(value);
            out.push(Check {
                label: f.label.get(v.locale).to_string(),
                ok: parsed.is_ok(),
                detail: match parsed {
                    Ok(id) => v.t(match id.kind() {
                        domain::identity::PersonalIdKind::NationalId => "counter-check-id-national",
                        _ => "counter-check-id-resident",
                    }),
                    Err(m) => v.msg(&m),
                },
            });
        }
    }
    let documents = view.documents.len();
    out.push(Check {
        label: v.t("counter-check-documents"),
        ok: view
            .form
            .fields
            .iter()
            .filter(|f| f.kind == crate::domain::forms::FieldKind::File && f.required)
            .filter(|f| view.form.applies(f, &view.application.answers))
            .all(|f| view.application.answers.contains_key(&f.key)),
        detail: documents.to_string(),
    });
    out.push(Check {
        label: v.t("counter-check-consent"),
        ok: view.application.consent_version.is_some(),
        detail: view
            .application
            .consent_version
            .map(|n| format!("v{n}"))
            .unwrap_or_default(),
    });
    out
}

async fn page(
    state: &CounterState,
    v: &Viewer,
    actor: &platform::authz::Actor,
    view: ApplicationView,
    f: ActionForm,
    errors: Errors,
) -> PageResult {
    let a = view.application.clone();
    let catalogue = state
        .module
        .catalogue(&a.jurisdiction_id)
        .await
        .map_err(failed(v))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut actions: Vec<&'static str> = allowed(a.state, Role::Clerk)
        .iter()
        .map(|x| x.as_str())
        .collect();
    if a.fee > 0
        && a.paid_at.is_none()
        && matches!(a.state, AppState::Approved | AppState::ReadyForPickup)
    {
        actions.push("fee");
    }
    // Handing over happens at the counter; the locker hands over by itself.
    actions.retain(|x| *x != "pick_up" || a.place.as_deref() == Some("counter"));
    actions
        .retain(|x| *x != "expire" && (*x != "to_counter" || a.place.as_deref() == Some("door")));
    let mut free_doors = Vec::new();
    let mut door = String::new();
    if let Ok(sites) = state.module.smart_desks(actor).await
        && let Some(site) = sites
            .into_iter()
            .find(|s| s.site.office_code == a.office_code)
    {
        for d in &site.doors {
            if Some(&d.id) == a.door_id.as_ref() {
                door = d.label();
            }
            if d.state == "free" && a.state == AppState::Approved && a.pickup == "locker" {
                let size = v.t(&format!("counter-size-{}", d.size));
                free_doors.push((d.id.clone(), format!("{} ({size})", d.label())));
            }
        }
    }
    let page = AppPage {
        p: Page::new(v, state, "counter-clerk-title", "counter")
            .with_title(format!("{} {}", a.number, view.service.name.get(v.locale)))
            .with_errors(&errors),
        service: view.service.name.get(v.locale).to_string(),
        office: catalogue
            .office(&a.office_code)
            .map(|(o, _)| o.name.get(v.locale).to_string())
            .unwrap_or_default(),
        fee: if a.fee == 0 {
            v.t("counter-fee-free")
        } else {
            ntd(a.fee)
        },
        fields: fields::views(&view.form, &a.answers, &view.documents, v.locale),
        checks: checks(v, &view),
        events: view
            .events
            .iter()
            .map(|e| {
                (
                    e.event.created_at,
                    v.t(&format!("counter-event-{}", e.event.kind)),
                    e.event.actor.clone(),
                    e.event.data.clone(),
                )
            })
            .collect(),
        actions,
        free_doors,
        door,
        done: f.done.clone(),
        a,
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn show(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(f): Query<ActionForm>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    let view = state
        .module
        .application_for_clerk(actor, &id)
        .await
        .map_err(failed(&v))?;
    page(&state, &v, actor, view, f, Errors::default()).await
}

async fn act(
    State(state): State<CounterState>,
    v: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    check_token(&v, &f._csrf)?;
    let m = &state.module;
    let result = match action.as_str() {
        "start_review" => m.start_review(actor, &id).await.map(|_| ()),
        "request_correction" => m.request_correction(actor, &id, &f.note).await.map(|_| ()),
        "approve" => m.approve(actor, &id).await.map(|_| ()),
        "to_counter" => m.to_counter(actor, &id).await.map(|_| ()),
        "issue" => {
            let to = match f.to.as_str() {
                "counter" => IssueTo::Counter,
                "post" => IssueTo::Post,
                door => IssueTo::Door(door.to_string()),
            };
            m.issue(actor, &id, to).await.map(|_| ())
        }
        "pick_up" => {
            let who = if f.who == "agent" {
                HandOver::Agent {
                    code: f.code.clone(),
                    id_last4: f.last4.clone(),
                }
            } else {
                HandOver::Applicant {
                    id_last4: f.last4.clone(),
                }
            };
            m.hand_over(actor, &id, who).await.map(|_| ())
        }
        "reject" => m.reject(actor, &id, &f.note).await.map(|_| ()),
        "fee" => {
            let created = m.fee_at_counter(actor, &id).await.map_err(failed(&v))?;
            return Ok(see_other(&format!(
                "/staff/payments/{}",
                created.payment.id
            )));
        }
        _ => {
            return Err(webkit::page::PageError::new(
                StatusCode::NOT_FOUND,
                "error-not-found",
                v.locale,
            )
            .into());
        }
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/counter/{id}?done={action}"))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| match m.id {
                "counter-error-id-mismatch"
                | "counter-error-code-shape"
                | "counter-kiosk-wrong" => "f-last4".to_string(),
                _ if action == "issue" => "f-to".to_string(),
                _ => format!("f-note-{action}"),
            })?;
            let view = m
                .application_for_clerk(actor, &id)
                .await
                .map_err(failed(&v))?;
            page(&state, &v, actor, view, f, errors).await
        }
    }
}

async fn document(
    State(state): State<CounterState>,
    v: Viewer,
    Path((id, doc)): Path<(String, String)>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    let (kind, body) = state
        .module
        .document_for_clerk(actor, &id, &doc)
        .await
        .map_err(failed(&v))?;
    Ok(document_response(&kind, body))
}

#[derive(Template)]
#[template(path = "counter/receipt.html")]
struct ReceiptPage {
    p: Page,
    a: Application,
    service: String,
    office: String,
    applicant: String,
    fee: String,
}

/// The issue's receipt, to print and put with the document (the applicant's ID masked).
async fn receipt(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    let view = state
        .module
        .application_for_clerk(actor, &id)
        .await
        .map_err(failed(&v))?;
    let a = view.application;
    let catalogue = state
        .module
        .catalogue(&a.jurisdiction_id)
        .await
        .map_err(failed(&v))?;
    let masked = a
        .answers
        .get("applicant_id")
        .and_then(|i| PersonalId::parse(i).ok())
        .map(|i| i.masked())
        .unwrap_or_default();
    let page = ReceiptPage {
        p: Page::new(&v, &state, "counter-receipt-title", "counter"),
        service: view.service.name.get(v.locale).to_string(),
        office: catalogue
            .office(&a.office_code)
            .map(|(o, _)| o.name.get(v.locale).to_string())
            .unwrap_or_default(),
        applicant: format!(
            "{} {masked}",
            a.answers.get("applicant_name").cloned().unwrap_or_default()
        ),
        fee: if a.fee == 0 {
            v.t("counter-fee-free")
        } else {
            ntd(a.fee)
        },
        a,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
