//! The out-call queue (關懷電話): the calls case work queued, oldest due first with numbers
//! masked; claiming one shows its number to the agent who claimed it; recording the outcome
//! finishes it.

use super::{PageResult, done_message, gate};
use crate::desk::OutcallQuery;
use crate::doors::CasesState;
use crate::store::desk::OutcallRow;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::Actor;
use serde::Deserialize;
use webkit::page::Page;
use webkit::page::forms::Errors;
use webkit::page::see_other;

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/desk/outcalls", get(queue))
        .route("/desk/outcalls/{id}/claim", post(claim))
        .route("/desk/outcalls/{id}/complete", post(complete))
}

pub const OUTCOMES: [&str; 4] = ["reached", "no_answer", "wrong_number", "declined"];

/// One out-call as listed.
pub struct Line {
    pub id: String,
    pub case_number: String,
    pub phone: String,
    pub status: String,
    pub held_by: String,
    pub mine: bool,
    pub due_at: i64,
    pub overdue: bool,
    pub reason_label: String,
    pub outcome_label: String,
    pub script: String,
}

fn line(r: &OutcallRow, me: &str, now: i64, v: &Viewer) -> Line {
    let o = &r.outcall;
    Line {
        reason_label: v.t(&format!("outcall-reason-{}", o.reason)),
        outcome_label: o
            .outcome
            .as_ref()
            .map(|x| v.t(&format!("outcall-outcome-{x}")))
            .unwrap_or_default(),
        script: v.t(&format!("outcall-script-{}", o.reason)),
        id: o.id.clone(),
        case_number: o.case_number.clone().unwrap_or_default(),
        phone: o.citizen_phone.clone().unwrap_or_default(),
        status: o.status.clone(),
        held_by: r
            .claimed_by_name
            .clone()
            .or_else(|| o.claimed_by.clone())
            .unwrap_or_default(),
        mine: o.claimed_by.as_deref() == Some(me),
        due_at: o.due_at,
        overdue: o.done_at.is_none() && o.due_at < now,
    }
}

#[derive(Template)]
#[template(path = "staff/outcalls.html")]
struct Queue {
    p: Page,
    lines: Vec<Line>,
    done_view: bool,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    show: Option<String>,
    done: Option<String>,
}

fn me(actor: &Actor) -> String {
    actor.account_id.clone().unwrap_or_default()
}

async fn queue(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    let done_view = q.show.as_deref() == Some("done");
    let rows = state
        .cases
        .outcall_queue(
            actor,
            OutcallQuery {
                statuses: done_view.then(|| vec!["done".to_string()]),
                limit: 200,
                ..OutcallQuery::default()
            },
        )
        .await
        .map_err(super::failed(&v))?;
    let now = state.platform.now();
    let page = Queue {
        p: Page::new(&v, &state, "outcalls-title", "desk")
            .with_status(done_message(&v, q.done.as_deref())),
        lines: rows.iter().map(|r| line(r, &me(actor), now, &v)).collect(),
        done_view,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "staff/outcall.html")]
struct Call {
    p: Page,
    c: Line,
    outcomes: [&'static str; 4],
    outcome: String,
    note: String,
    errors: Errors,
}

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

/// Claims the call (again, for its holder: nothing changes) and shows it with its number.
async fn call_page(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    id: &str,
    outcome: String,
    note: String,
    errors: Errors,
) -> PageResult {
    let row = match state.cases.claim_outcall(actor, id).await {
        Ok(r) => r,
        Err(e) => {
            // Taken by someone else, or done: back to the queue, with why.
            let errors = Errors::from_service(v, e, |_| String::new())?;
            let message = errors.items.first().map(|e| e.message.clone());
            let rows = state
                .cases
                .outcall_queue(actor, OutcallQuery::default())
                .await
                .map_err(super::failed(v))?;
            let now = state.platform.now();
            let page = Queue {
                p: Page::new(v, state, "outcalls-title", "desk").with_status(message),
                lines: rows.iter().map(|r| line(r, &me(actor), now, v)).collect(),
                done_view: false,
            };
            return Ok(render(v, state, StatusCode::CONFLICT, &page));
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let c = line(&row, &me(actor), state.platform.now(), v);
    let p = Page::new(v, state, "outcall-title", "desk").with_errors(&errors);
    let page = Call {
        p,
        c,
        outcomes: OUTCOMES,
        outcome,
        note,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn claim(
    State(state): State<CasesState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    check_token(&v, &f._csrf)?;
    call_page(
        &state,
        &v,
        actor,
        &id,
        String::new(),
        String::new(),
        Errors::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
struct CompleteForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn complete(
    State(state): State<CasesState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CompleteForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    check_token(&v, &f._csrf)?;
    match state
        .cases
        .complete_outcall(actor, &id, &f.outcome, Some(&f.note))
        .await
    {
        Ok(_) => Ok(see_other("/desk/outcalls?done=outcall")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| {
                if m.id == "error-outcall-outcome" {
                    "f-outcome".to_string()
                } else {
                    "f-note".to_string()
                }
            })?;
            call_page(&state, &v, actor, &id, f.outcome, f.note, errors).await
        }
    }
}
