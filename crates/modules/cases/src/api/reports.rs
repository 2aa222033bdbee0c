//! The supervisor's statistics over the API: backlog, ageing, SLA compliance, the overdue
//! and at-risk lists, and satisfaction. The same numbers as the `/supervise` pages and their
//! CSV files, from the same services.

use super::{ApiError, ApiQuery, Caller, InLang};
use crate::domain::reports::{Compliance, Ratings};
use crate::doors::CasesState;
use crate::reports::{CaseList, ReportRequest, ReportScope};
use axum::Json;
use axum::extract::State;
use domain::datetime::format_unix;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<CasesState> {
    OpenApiRouter::new()
        .routes(routes!(backlog))
        .routes(routes!(ageing))
        .routes(routes!(sla))
        .routes(routes!(overdue))
        .routes(routes!(at_risk))
        .routes(routes!(satisfaction))
}

/// Which cases a statistic covers.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// The first local date of the period (`YYYY-MM-DD`), inclusive.
    from: Option<String>,
    /// The last local date of the period (`YYYY-MM-DD`), inclusive.
    until: Option<String>,
    /// Only this department's cases (one of the caller's, for department staff).
    department: Option<String>,
}

/// Which cases a list covers, and how many to return.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// The first local date cases were received (`YYYY-MM-DD`), inclusive.
    from: Option<String>,
    /// The last local date cases were received (`YYYY-MM-DD`), inclusive.
    until: Option<String>,
    /// Only this department's cases (one of the caller's, for department staff).
    department: Option<String>,
    /// 1–500, default 100.
    limit: Option<u64>,
}

impl ListQuery {
    /// The asked-for number of cases, 100 unless said, at most 500.
    fn limit(&self) -> u64 {
        self.limit.unwrap_or(100).clamp(1, 500)
    }
}

/// What the statistic covers, as the server understood the request.
#[derive(Serialize, ToSchema)]
struct ScopeOut {
    /// The instant ages and due dates were measured at.
    as_of: String,
    /// The department asked for; null for every department the caller may see.
    department: Option<String>,
    /// The departments covered; null for the whole jurisdiction.
    departments: Option<Vec<String>>,
    /// The first local date of the period, or null.
    #[schema(example = "2026-11-01")]
    from: Option<String>,
    /// The last local date of the period, or null.
    #[schema(example = "2026-11-30")]
    until: Option<String>,
}

fn scope_out(s: &ReportScope) -> ScopeOut {
    ScopeOut {
        as_of: format_unix(s.now),
        department: s.department.clone(),
        departments: s.departments.clone(),
        from: s.from.map(|d| d.to_string()),
        until: s.until.map(|d| d.to_string()),
    }
}

async fn scope(
    state: &CasesState,
    caller: &Caller,
    from: Option<String>,
    until: Option<String>,
    department: Option<String>,
) -> Result<ReportScope, ApiError> {
    let request = ReportRequest {
        from,
        until,
        department,
    };
    state
        .cases
        .report_scope(&caller.actor, &request)
        .await
        .in_lang(caller.lang)
}

/// Open cases of one department; `department` is null for cases not yet routed.
#[derive(Serialize, ToSchema)]
struct DepartmentCount {
    count: i64,
    department: Option<String>,
}

/// Open cases of one district; `district` (its code, e.g. `106`) is null for cases whose
/// district is not known (no address naming one, no point inside the boundaries).
#[derive(Serialize, ToSchema)]
struct DistrictCount {
    count: i64,
    district: Option<String>,
}

/// Open cases of one category.
#[derive(Serialize, ToSchema)]
struct CategoryCount {
    /// The category code, e.g. `1999-L01`.
    category: String,
    count: i64,
}

/// Open cases by department and by category, largest first.
#[derive(Serialize, ToSchema)]
struct BacklogOut {
    by_category: Vec<CategoryCount>,
    by_department: Vec<DepartmentCount>,
    by_district: Vec<DistrictCount>,
    scope: ScopeOut,
    /// Every open case covered.
    total: i64,
}

/// The backlog: open cases received in the period, by department, by category and by
/// district.
#[utoipa::path(
    get,
    path = "/api/v1/reports/backlog",
    tag = "reports",
    params(ReportQuery),
    responses((status = 200, description = "The backlog", body = BacklogOut))
)]
async fn backlog(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<BacklogOut>, ApiError> {
    let s = scope(&state, &caller, q.from, q.until, q.department).await?;
    let b = state.cases.report_backlog(&s).await.in_lang(caller.lang)?;
    Ok(Json(BacklogOut {
        by_category: b
            .by_category
            .into_iter()
            .map(|(category, count)| CategoryCount { category, count })
            .collect(),
        by_department: b
            .by_department
            .into_iter()
            .map(|(department, count)| DepartmentCount { count, department })
            .collect(),
        by_district: b
            .by_district
            .into_iter()
            .map(|(district, count)| DistrictCount { count, district })
            .collect(),
        scope: scope_out(&s),
        total: b.total,
    }))
}

/// Open cases of one age group.
#[derive(Serialize, ToSchema)]
struct AgeBucketOut {
    /// `under_1_day`, `1_to_3_days`, `3_to_7_days`, `7_to_30_days` or `over_30_days`.
    #[schema(example = "1_to_3_days")]
    bucket: String,
    count: i64,
    /// The first calendar day of the group since receipt (inclusive).
    from_days: i64,
    /// The end of the group (exclusive); null for the last.
    until_days: Option<i64>,
}

/// Open cases by how long they have been open.
#[derive(Serialize, ToSchema)]
struct AgeingOut {
    /// Every group in order, empty ones included.
    buckets: Vec<AgeBucketOut>,
    scope: ScopeOut,
    total: i64,
}

/// Ageing: open cases received in the period by calendar days since receipt (at `as_of`).
#[utoipa::path(
    get,
    path = "/api/v1/reports/ageing",
    tag = "reports",
    params(ReportQuery),
    responses((status = 200, description = "Open cases by age", body = AgeingOut))
)]
async fn ageing(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<AgeingOut>, ApiError> {
    let s = scope(&state, &caller, q.from, q.until, q.department).await?;
    let buckets = state.cases.report_ageing(&s).await.in_lang(caller.lang)?;
    Ok(Json(AgeingOut {
        total: buckets.iter().map(|(_, n)| n).sum(),
        buckets: buckets
            .into_iter()
            .map(|(b, count)| AgeBucketOut {
                bucket: b.as_str().to_string(),
                count,
                from_days: b.from_days(),
                until_days: b.until_days(),
            })
            .collect(),
        scope: scope_out(&s),
    }))
}

/// Resolved cases and how many by their resolution due date.
#[derive(Serialize, ToSchema)]
struct ComplianceOut {
    on_time: i64,
    /// The share on time in percent with one decimal; null when nothing was resolved.
    #[schema(example = 87.5)]
    percent: Option<f64>,
    resolved: i64,
}

fn compliance_out(c: Compliance) -> ComplianceOut {
    ComplianceOut {
        on_time: c.on_time,
        percent: c.percent(),
        resolved: c.resolved,
    }
}

/// SLA compliance of one department (null: cases without one).
#[derive(Serialize, ToSchema)]
struct DepartmentCompliance {
    department: Option<String>,
    on_time: i64,
    percent: Option<f64>,
    resolved: i64,
}

/// SLA compliance of one category.
#[derive(Serialize, ToSchema)]
struct CategoryCompliance {
    category: String,
    on_time: i64,
    percent: Option<f64>,
    resolved: i64,
}

/// SLA compliance overall, by department and by category, lowest share first.
#[derive(Serialize, ToSchema)]
struct SlaReportOut {
    by_category: Vec<CategoryCompliance>,
    by_department: Vec<DepartmentCompliance>,
    overall: ComplianceOut,
    scope: ScopeOut,
}

/// SLA compliance: cases resolved in the period that had a resolution due date, and the
/// share resolved by it (pauses while waiting for the citizen included). Imported history
/// has no due date and is not counted.
#[utoipa::path(
    get,
    path = "/api/v1/reports/sla",
    tag = "reports",
    params(ReportQuery),
    responses((status = 200, description = "SLA compliance", body = SlaReportOut))
)]
async fn sla(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<SlaReportOut>, ApiError> {
    let s = scope(&state, &caller, q.from, q.until, q.department).await?;
    let r = state.cases.report_sla(&s).await.in_lang(caller.lang)?;
    Ok(Json(SlaReportOut {
        by_category: r
            .by_category
            .into_iter()
            .map(|(category, c)| CategoryCompliance {
                category,
                on_time: c.on_time,
                percent: c.percent(),
                resolved: c.resolved,
            })
            .collect(),
        by_department: r
            .by_department
            .into_iter()
            .map(|(department, c)| DepartmentCompliance {
                department,
                on_time: c.on_time,
                percent: c.percent(),
                resolved: c.resolved,
            })
            .collect(),
        overall: compliance_out(r.overall),
        scope: scope_out(&s),
    }))
}

/// An open case on a supervision list.
#[derive(Serialize, ToSchema)]
struct WatchedCaseOut {
    /// Whole calendar days since the case was received.
    age_days: i64,
    case_number: String,
    category: String,
    department: Option<String>,
    requested_at: String,
    /// The resolution due date; null while no clock runs.
    resolution_due: Option<String>,
    /// The calendar the due dates were counted on: `business`, `24x7` or
    /// `business_through_closures` (see `SlaPolicy`).
    sla_calendar: &'static str,
    /// `at_risk`, `breached`, `running`, `paused` or `met`, as SLA supervision last saw it.
    sla_state: Option<String>,
    status: String,
}

/// A supervision list, earliest resolution due date first.
#[derive(Serialize, ToSchema)]
struct CaseListOut {
    cases: Vec<WatchedCaseOut>,
    scope: ScopeOut,
    /// How many cases are on the list (more than `cases` when cut at `limit`).
    total: i64,
}

fn list_out(list: CaseList, s: &ReportScope) -> CaseListOut {
    CaseListOut {
        cases: list
            .cases
            .into_iter()
            .map(|w| WatchedCaseOut {
                age_days: w.age_days,
                case_number: w.case.case_number,
                category: w.case.category_code,
                department: w.case.department_code,
                requested_at: format_unix(w.case.requested_at),
                resolution_due: w.case.resolution_due_at.map(format_unix),
                sla_calendar: w.calendar.as_str(),
                sla_state: w.case.sla_state,
                status: w.case.status,
            })
            .collect(),
        scope: scope_out(s),
        total: list.total,
    }
}

/// Overdue: open cases received in the period and past their resolution due date, most
/// overdue first.
#[utoipa::path(
    get,
    path = "/api/v1/reports/overdue",
    tag = "reports",
    params(ListQuery),
    responses((status = 200, description = "Overdue cases", body = CaseListOut))
)]
async fn overdue(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<CaseListOut>, ApiError> {
    let limit = q.limit();
    let s = scope(&state, &caller, q.from, q.until, q.department).await?;
    let list = state
        .cases
        .report_overdue(&s, limit)
        .await
        .in_lang(caller.lang)?;
    Ok(Json(list_out(list, &s)))
}

/// At risk: open cases received in the period, not yet overdue, that SLA supervision
/// flagged (a clock close to its due date, or a missed acknowledgement or first response).
#[utoipa::path(
    get,
    path = "/api/v1/reports/at-risk",
    tag = "reports",
    params(ListQuery),
    responses((status = 200, description = "Cases at risk", body = CaseListOut))
)]
async fn at_risk(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<CaseListOut>, ApiError> {
    let limit = q.limit();
    let s = scope(&state, &caller, q.from, q.until, q.department).await?;
    let list = state
        .cases
        .report_at_risk(&s, limit)
        .await
        .in_lang(caller.lang)?;
    Ok(Json(list_out(list, &s)))
}

/// Survey answers.
#[derive(Serialize, ToSchema)]
struct RatingsOut {
    /// The average score (1–5) with two decimals; null without answers.
    #[schema(example = 4.25)]
    average: Option<f64>,
    count: i64,
    /// How many answers gave 1, 2, 3, 4 and 5.
    #[schema(example = json!([1, 0, 2, 5, 12]))]
    distribution: Vec<i64>,
}

fn ratings_out(r: &Ratings) -> RatingsOut {
    RatingsOut {
        average: r.average(),
        count: r.count(),
        distribution: r.counts.to_vec(),
    }
}

/// Survey answers about one department's cases.
#[derive(Serialize, ToSchema)]
struct DepartmentRatings {
    average: Option<f64>,
    count: i64,
    department: Option<String>,
    /// How many answers gave 1, 2, 3, 4 and 5.
    distribution: Vec<i64>,
}

/// Satisfaction overall and by department, most answered first.
#[derive(Serialize, ToSchema)]
struct SatisfactionOut {
    by_department: Vec<DepartmentRatings>,
    overall: RatingsOut,
    scope: ScopeOut,
}

/// Satisfaction: surveys answered in the period, with the average and each score's count.
#[utoipa::path(
    get,
    path = "/api/v1/reports/satisfaction",
    tag = "reports",
    params(ReportQuery),
    responses((status = 200, description = "Satisfaction", body = SatisfactionOut))
)]
async fn satisfaction(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<SatisfactionOut>, ApiError> {
    let s = scope(&state, &caller, q.from, q.until, q.department).await?;
    let r = state
        .cases
        .report_satisfaction(&s)
        .await
        .in_lang(caller.lang)?;
    Ok(Json(SatisfactionOut {
        by_department: r
            .by_department
            .iter()
            .map(|(department, ratings)| {
                let RatingsOut {
                    average,
                    count,
                    distribution,
                } = ratings_out(ratings);
                DepartmentRatings {
                    average,
                    count,
                    department: department.clone(),
                    distribution,
                }
            })
            .collect(),
        overall: ratings_out(&r.overall),
        scope: scope_out(&s),
    }))
}
