//! The supervisor's dashboard (督導): the backlog by department and category, how long open
//! cases have waited, SLA compliance, the overdue and at-risk lists, and satisfaction, for a
//! period and a department chosen with a plain GET form. Every chart is an SVG drawn here with
//! a table of the same numbers beside it, and every section downloads as CSV
//! (`/supervise/<view>.csv` with the same query). The numbers come from the same services as
//! `GET /api/v1/reports/…`, which check the permission again.

mod chart;
mod csv;
mod density;
mod views;

use crate::doors::CasesState;
use crate::reports::{ReportRequest, ReportScope};
use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chart::BarChart;
use identity::doors::Viewer;
use identity::doors::render;
use platform::ServiceError;
use platform::authz::Actor;
use serde::Deserialize;
use views::{CaseRow, CountRow, Names, RatingRow, ShareRow};
use webkit::page::forms::{Errors, field_arg};
use webkit::page::{Page, encode};
use webkit::page::{PageError, see_other};

/// Cases shown on the page per list; the CSV has them all (up to the services' maximum).
const LIST_ON_PAGE: u64 = 100;

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/supervise", get(dashboard))
        .route("/supervise/{file}", get(download))
}

/// The filter form, as sent.
#[derive(Deserialize, Default)]
struct FilterQuery {
    from: Option<String>,
    until: Option<String>,
    department: Option<String>,
}

impl FilterQuery {
    fn request(&self) -> ReportRequest {
        ReportRequest {
            from: self.from.clone(),
            until: self.until.clone(),
            department: self.department.clone(),
        }
    }
}

/// Who may see statistics: the signed-in staff member, or the way out.
enum Reader<'v> {
    Staff(&'v Actor),
    /// Sign in first (and come back), or a 403 page.
    Away(Response),
}

fn reader(v: &Viewer) -> Reader<'_> {
    let Some(actor) = v.signed_in() else {
        return Reader::Away(see_other(&format!("/sign-in?back={}", encode(&v.here))));
    };
    if !actor.may_somewhere(crate::permissions::VIEW_REPORTS) {
        return Reader::Away(
            PageError::new(StatusCode::FORBIDDEN, "error-forbidden", v.locale).into_response(),
        );
    }
    Reader::Staff(actor)
}

/// The query string that selects the same statistics, for the CSV links.
fn query_of(s: &ReportScope) -> String {
    let mut parts = Vec::new();
    if let Some(d) = s.from {
        parts.push(format!("from={d}"));
    }
    if let Some(d) = s.until {
        parts.push(format!("until={d}"));
    }
    if let Some(d) = &s.department {
        parts.push(format!("department={}", encode(d)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The field of the form a refused filter concerns.
fn field_of(m: &domain::Message) -> String {
    match field_arg(m) {
        Some("from") => "f-from".into(),
        Some("until") => "f-until".into(),
        Some("department") => "f-department".into(),
        _ => String::new(),
    }
}

/// Everything the dashboard shows once the filter is valid.
struct View {
    as_of: i64,
    period: String,
    scope_label: String,
    query: String,
    backlog_total: i64,
    by_department: Vec<CountRow>,
    by_category: Vec<CountRow>,
    backlog_chart: BarChart,
    /// The backlog by district, and its map where the jurisdiction has boundaries.
    by_district: density::DistrictDensity,
    ageing: Vec<CountRow>,
    ageing_chart: BarChart,
    sla_overall: String,
    sla_rate: String,
    sla_departments: Vec<ShareRow>,
    sla_categories: Vec<ShareRow>,
    sla_chart: BarChart,
    overdue: CaseTable,
    at_risk: CaseTable,
    rating_count: i64,
    rating_overall: String,
    rating_average: String,
    distribution: Vec<CountRow>,
    distribution_chart: BarChart,
    rating_departments: Vec<RatingRow>,
}

impl View {
    /// A count as people read it, with thousands separated (`11,500`).
    fn n(&self, x: &i64) -> String {
        views::num(*x)
    }
}

/// The overdue or at-risk list as shown.
struct CaseTable {
    id: &'static str,
    /// The caption, with "100 of 250 shown" when the list is cut.
    caption: String,
    rows: Vec<CaseRow>,
    total: i64,
}

impl CaseTable {
    fn new(v: &Viewer, id: &'static str, caption: &str, rows: Vec<CaseRow>, total: i64) -> Self {
        let mut caption = v.t(caption);
        if total > rows.len() as i64 {
            caption = format!(
                "{caption} {}",
                views::tr(
                    v.locale,
                    "supervise-list-cut",
                    &[
                        ("shown", rows.len().to_string()),
                        ("total", total.to_string())
                    ],
                )
            );
        }
        CaseTable {
            id,
            caption,
            rows,
            total,
        }
    }
}

/// One option of the department filter.
struct DepartmentOption {
    code: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "supervise/dashboard.html")]
struct Dashboard {
    p: Page,
    errors: Errors,
    from: String,
    until: String,
    departments: Vec<DepartmentOption>,
    all_selected: bool,
    /// "All departments", or "All my departments" for department staff.
    all_label: String,
    view: Option<View>,
}

async fn dashboard(
    State(state): State<CasesState>,
    v: Viewer,
    q: Result<Query<FilterQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let actor = match reader(&v) {
        Reader::Staff(a) => a,
        Reader::Away(r) => return Ok(r),
    };
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let names = Names::load(&state, actor, v.locale).await?;
    let wanted = q.department.clone().unwrap_or_default();
    let mut page = Dashboard {
        p: Page::new(&v, &state, "supervise-title", "supervise"),
        errors: Errors::default(),
        from: q.from.clone().unwrap_or_default(),
        until: q.until.clone().unwrap_or_default(),
        departments: names
            .reachable(actor)
            .into_iter()
            .map(|(code, name)| DepartmentOption {
                selected: code == wanted,
                code,
                name,
            })
            .collect(),
        all_selected: wanted.trim().is_empty(),
        all_label: v.t(
            if actor
                .departments_for(crate::permissions::VIEW_REPORTS)
                .is_some()
            {
                "supervise-my-departments"
            } else {
                "supervise-all-departments"
            },
        ),
        view: None,
    };
    let scope = match state.cases.report_scope(actor, &q.request()).await {
        Ok(s) => s,
        Err(e @ ServiceError::Invalid(_)) => {
            page.errors = Errors::from_service(&v, e, field_of)?;
            page.p = page.p.with_errors(&page.errors);
            return Ok(render(&v, &state, StatusCode::BAD_REQUEST, &page));
        }
        Err(e) => return Err(PageError::service(e, v.locale)),
    };
    page.view = Some(load(&state, &v, &names, &scope).await?);
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn load(
    state: &CasesState,
    v: &Viewer,
    names: &Names,
    s: &ReportScope,
) -> Result<View, PageError> {
    let fail = |e| PageError::service(e, v.locale);
    let t = |id: &str| v.t(id);
    let backlog = state.cases.report_backlog(s).await.map_err(fail)?;
    let ageing = state.cases.report_ageing(s).await.map_err(fail)?;
    let sla = state.cases.report_sla(s).await.map_err(fail)?;
    let overdue = state
        .cases
        .report_overdue(s, LIST_ON_PAGE)
        .await
        .map_err(fail)?;
    let at_risk = state
        .cases
        .report_at_risk(s, LIST_ON_PAGE)
        .await
        .map_err(fail)?;
    let ratings = state.cases.report_satisfaction(s).await.map_err(fail)?;
    let by_district = density::district_density(state, v, &s.jurisdiction_id, &backlog).await?;

    let by_department = views::department_counts(names, &backlog.by_department);
    let ageing_rows = views::ageing_rows(v.locale, &ageing);
    let sla_departments = views::department_shares(names, &sla.by_department);
    let distribution = views::distribution_rows(v.locale, &ratings.overall);
    let cases = |n: i64| views::tr(v.locale, "supervise-cases", &[("count", views::num(n))]);
    let backlog_chart = BarChart::new(
        v.locale,
        "chart-backlog",
        t("supervise-backlog-chart"),
        by_department
            .iter()
            .map(|r| chart::Bar::new(&r.name, r.count, cases(r.count)))
            .collect(),
        None,
    );
    let ageing_chart = BarChart::new(
        v.locale,
        "chart-ageing",
        t("supervise-ageing-chart"),
        ageing_rows
            .iter()
            .map(|r| chart::Bar::new(&r.name, r.count, cases(r.count)))
            .collect(),
        None,
    );
    let sla_chart = BarChart::new(
        v.locale,
        "chart-sla",
        t("supervise-sla-chart"),
        sla.by_department
            .iter()
            .zip(&sla_departments)
            .map(|((_, c), row)| {
                chart::Bar::new(
                    &row.name,
                    c.permille().unwrap_or(0),
                    format!("{} ({}/{})", row.rate, c.on_time, c.resolved),
                )
            })
            .collect(),
        Some(1000),
    );
    let distribution_chart = BarChart::new(
        v.locale,
        "chart-satisfaction",
        t("supervise-satisfaction-chart"),
        distribution
            .iter()
            .map(|r| chart::Bar::new(&r.name, r.count, views::num(r.count)))
            .collect(),
        None,
    );
    let rate = views::rate(sla.overall);
    Ok(View {
        as_of: s.now,
        period: views::period(v.locale, s),
        scope_label: match &s.department {
            Some(code) => names.department(&Some(code.clone())),
            None if s.departments.is_some() => t("supervise-my-departments"),
            None => t("supervise-all-departments"),
        },
        query: query_of(s),
        backlog_total: backlog.total,
        by_category: views::category_counts(names, &backlog.by_category),
        by_department,
        backlog_chart,
        by_district,
        ageing: ageing_rows,
        ageing_chart,
        sla_overall: views::tr(
            v.locale,
            "supervise-sla-overall",
            &[
                ("percent", rate.clone()),
                ("on_time", sla.overall.on_time.to_string()),
                ("resolved", sla.overall.resolved.to_string()),
            ],
        ),
        sla_rate: rate,
        sla_departments,
        sla_categories: views::category_shares(names, &sla.by_category),
        sla_chart,
        overdue: CaseTable::new(
            v,
            "t-overdue",
            "supervise-overdue-caption",
            views::case_rows(v.locale, names, &overdue.cases, s.now),
            overdue.total,
        ),
        at_risk: CaseTable::new(
            v,
            "t-at-risk",
            "supervise-at-risk-caption",
            views::case_rows(v.locale, names, &at_risk.cases, s.now),
            at_risk.total,
        ),
        rating_count: ratings.overall.count(),
        rating_overall: views::tr(
            v.locale,
            "supervise-satisfaction-overall",
            &[
                ("count", ratings.overall.count().to_string()),
                ("average", views::average(&ratings.overall)),
            ],
        ),
        rating_average: views::average(&ratings.overall),
        distribution,
        distribution_chart,
        rating_departments: views::rating_rows(names, &ratings.by_department),
    })
}

/// `/supervise/<view>.csv`: one section of the dashboard as a spreadsheet file.
async fn download(
    State(state): State<CasesState>,
    v: Viewer,
    Path(file): Path<String>,
    q: Result<Query<FilterQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Some(view) = file.strip_suffix(".csv").and_then(views::CsvView::parse) else {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            "error-page-not-found",
            v.locale,
        ));
    };
    let actor = match reader(&v) {
        Reader::Staff(a) => a,
        Reader::Away(r) => return Ok(r),
    };
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let scope = state
        .cases
        .report_scope(actor, &q.request())
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let names = Names::load(&state, actor, v.locale).await?;
    let csv = views::csv(&state, v.locale, &names, &scope, view)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let day = webkit::page::dates::ymd(scope.now);
    Ok(csv.into_response(&format!("{}-{day}.csv", view.as_str())))
}
