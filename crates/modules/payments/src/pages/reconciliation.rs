//! Staff's reconciliation pages: a day's trades of one provider against the provider's word,
//! asking the provider about every trade of the day, and the finance office's CSV.

use super::ntd;
use super::staff::done_text;
use crate::app::reconcile::{self, DayReport, METHODS};
use crate::module::{PaymentsState, VIEW_PAYMENTS};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use identity::doors::{Viewer, check_token, render, require};
use serde::Deserialize;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<PaymentsState> {
    Router::new()
        .route("/staff/payments/reconciliation", get(report))
        .route("/staff/payments/reconciliation/check", post(check_day))
        .route("/staff/payments/export.csv", get(export))
}

#[derive(Deserialize, Default)]
struct DayQuery {
    #[serde(default)]
    day: String,
    #[serde(default)]
    method: String,
    done: Option<String>,
}

struct LineRow {
    line: reconcile::ReportLine,
    finding: &'static str,
    ours: String,
    theirs: String,
}

#[derive(Template)]
#[template(path = "payments/staff_report.html")]
struct ReportPage {
    p: Page,
    r: DayReport,
    rows: Vec<LineRow>,
    methods: [&'static str; 3],
    ours_total: String,
    theirs_total: String,
    problems: usize,
}

async fn report(
    State(state): State<PaymentsState>,
    v: Viewer,
    Query(q): Query<DayQuery>,
) -> PageResult {
    let actor = require(&v, VIEW_PAYMENTS)?;
    let day = if q.day.is_empty() {
        reconcile::day_of(state.module.platform.now())
    } else {
        q.day.clone()
    };
    let method = if q.method.is_empty() {
        "ecpay".to_string()
    } else {
        q.method.clone()
    };
    let r = state
        .module
        .day_report(actor, &day, &method)
        .await
        .map_err(failed(&v))?;
    let rows: Vec<LineRow> = r
        .lines
        .iter()
        .map(|l| LineRow {
            finding: crate::api::finding_key(l.finding),
            ours: l.ours.map(ntd).unwrap_or_default(),
            theirs: l.theirs.map(ntd).unwrap_or_default(),
            line: l.clone(),
        })
        .collect();
    let page = ReportPage {
        p: Page::new(&v, &state, "payments-report", "payments")
            .with_status(done_text(&v, q.done.as_deref())),
        problems: rows.iter().filter(|r| r.finding != "matched").count(),
        ours_total: ntd(r.ours_total),
        theirs_total: ntd(r.theirs_total),
        rows,
        methods: METHODS,
        r,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Deserialize, Default)]
struct CheckForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    method: String,
}

async fn check_day(
    State(state): State<PaymentsState>,
    v: Viewer,
    axum::extract::Form(f): axum::extract::Form<CheckForm>,
) -> PageResult {
    let actor = require(&v, VIEW_PAYMENTS)?;
    check_token(&v, &f._csrf)?;
    state
        .module
        .check_day(actor, &f.day, &f.method)
        .await
        .map_err(failed(&v))?;
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("day", &f.day)
        .append_pair("method", &f.method)
        .append_pair("done", "checked")
        .finish();
    Ok(see_other(&format!("/staff/payments/reconciliation?{q}")))
}

#[derive(Deserialize, Default)]
struct ExportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

async fn export(
    State(state): State<PaymentsState>,
    v: Viewer,
    Query(q): Query<ExportQuery>,
) -> Result<Response, webkit::page::Stop> {
    let actor = require(&v, VIEW_PAYMENTS)?;
    let csv = state
        .module
        .export_csv(actor, &q.from, &q.until)
        .await
        .map_err(failed(&v))?;
    Ok(crate::api::csv_response(
        csv,
        &format!("payments-{}-{}.csv", q.from, q.until),
    ))
}
