//! The breach register in pages, for the data protection officer: each breach with its duties
//! and their clocks (overdue in red), one action per duty, and the form to record a new one.
//! PRG; the rules are the app's (`accounts::breaches`).

use crate::accounts::{BREACH_DATA, NewBreach};
use crate::domain::breaches::{self, Breach, DutyState};
use crate::doors::{IdentityState, Viewer, check_token, render, require};
use crate::permissions::MANAGE_BREACHES;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use webkit::page::admin::{Done, done_message};
use webkit::page::forms::{Errors, field_arg};
use webkit::page::{Page, PageResult, failed, see_other};

const HERE: &str = "/admin/breaches";

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route(HERE, get(list).post(record))
        .route("/admin/breaches/{id}/duty", post(duty))
}

/// A duty as a row: what, when due, when done, late or overdue.
struct DutyRow {
    key: &'static str,
    due: Option<i64>,
    done: Option<i64>,
    late: bool,
}

struct BreachRow {
    b: Breach,
    data: String,
    reportable: bool,
    notice_allowed: bool,
    duties: Vec<DutyRow>,
    closable: bool,
}

#[derive(Template)]
#[template(path = "admin/breaches.html")]
struct List {
    p: Page,
    rows: Vec<BreachRow>,
    hours: u32,
    categories: Vec<(&'static str, String)>,
    /// The categories ticked in the form being shown again.
    ticked: Vec<String>,
    f: BreachForm,
    errors: Errors,
}

#[derive(Deserialize, Default, Clone)]
struct BreachForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    discovered_at: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    records: String,
    #[serde(default)]
    system_records: String,
    #[serde(default)]
    special: Option<String>,
    #[serde(default)]
    encrypted: Option<String>,
}

impl List {
    fn is_ticked(&self, key: &str) -> bool {
        self.ticked.iter().any(|t| t == key)
    }
}

impl BreachForm {
    fn checked(&self, field: &str) -> bool {
        match field {
            "special" => self.special.is_some(),
            _ => self.encrypted.is_some(),
        }
    }
}

async fn page(
    state: &IdentityState,
    v: &Viewer,
    f: BreachForm,
    ticked: Vec<String>,
    errors: Errors,
    done: Option<&str>,
) -> PageResult {
    let actor = require(v, MANAGE_BREACHES)?;
    let now = state.identity.platform().now();
    let hours = state.identity.breach_report_hours();
    let rows = state
        .identity
        .breaches(actor)
        .await
        .map_err(failed(v))?
        .into_iter()
        .map(|b| {
            let duties = breaches::duties(&b, hours, now)
                .into_iter()
                .map(|(d, s)| match s {
                    DutyState::Done { at, late } => DutyRow {
                        key: d.as_str(),
                        due: None,
                        done: Some(at),
                        late,
                    },
                    DutyState::Open { due, overdue } => DutyRow {
                        key: d.as_str(),
                        due,
                        done: None,
                        late: overdue,
                    },
                })
                .collect();
            BreachRow {
                data: b
                    .data
                    .iter()
                    .map(|d| crate::purposes::data_category(v.locale, d))
                    .collect::<Vec<_>>()
                    .join("、"),
                reportable: breaches::reportable(&b),
                notice_allowed: breaches::public_notice_allowed(&b),
                closable: b.closed_at.is_none() && breaches::may_close(&b, hours, now),
                duties,
                b,
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = List {
        p: Page::new(v, state, "admin-breaches", "breaches")
            .with_errors(&errors)
            .with_status(done_message(v, done)),
        rows,
        hours,
        categories: BREACH_DATA
            .iter()
            .map(|d| (*d, crate::purposes::data_category(v.locale, d)))
            .collect(),
        ticked,
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn list(State(state): State<IdentityState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    page(
        &state,
        &v,
        BreachForm::default(),
        Vec::new(),
        Errors::default(),
        q.done.as_deref(),
    )
    .await
}

async fn record(
    State(state): State<IdentityState>,
    v: Viewer,
    // Several `data` boxes may be ticked: the pairs, not a struct.
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, MANAGE_BREACHES)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let f = BreachForm {
        _csrf: get("_csrf").unwrap_or_default(),
        discovered_at: get("discovered_at").unwrap_or_default(),
        summary: get("summary").unwrap_or_default(),
        records: get("records").unwrap_or_default(),
        system_records: get("system_records").unwrap_or_default(),
        special: get("special"),
        encrypted: get("encrypted"),
    };
    check_token(&v, &f._csrf)?;
    let ticked: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "data")
        .map(|(_, v)| v.clone())
        .collect();
    let input = NewBreach {
        discovered_at: f.discovered_at.clone(),
        summary: f.summary.clone(),
        data: ticked.clone(),
        records: f.records.clone(),
        system_records: f.system_records.clone(),
        special: f.special.is_some(),
        encrypted: f.encrypted.is_some(),
    };
    match state.identity.record_breach(actor, input).await {
        Ok(_) => Ok(see_other("/admin/breaches?done=created")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| {
                field_arg(m).map_or_else(|| "f-summary".to_string(), |f| format!("f-{f}"))
            })?
            .in_order(&[
                "f-discovered_at",
                "f-summary",
                "f-data",
                "f-records",
                "f-system_records",
            ]);
            page(&state, &v, f, ticked, errors, None).await
        }
    }
}

#[derive(Deserialize, Default)]
struct DutyForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    duty: String,
    #[serde(default)]
    how: Option<String>,
}

async fn duty(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<DutyForm>,
) -> PageResult {
    let actor = require(&v, MANAGE_BREACHES)?;
    check_token(&v, &f._csrf)?;
    state
        .identity
        .breach_duty_done(actor, &id, &f.duty, f.how.as_deref())
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/admin/breaches?done=saved"))
}
