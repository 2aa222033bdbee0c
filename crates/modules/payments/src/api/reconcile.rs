//! Reconciliation over the API: a day's report per provider, asking the provider about a day,
//! and the finance office's CSV.

use crate::app::reconcile::{DayReport, Pass};
use crate::domain::reconcile::Finding;
use crate::module::PaymentsState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity::doors::Caller;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::{BadRequest, Forbidden};
use webkit::{ApiError, ApiQuery, JsonBody, reply};

pub fn routes() -> OpenApiRouter<PaymentsState> {
    OpenApiRouter::new()
        .routes(routes!(reconciliation_report))
        .routes(routes!(check_with_provider))
        .routes(routes!(export_payments))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DayQuery {
    /// A Taipei day, `YYYY-MM-DD`.
    day: String,
    /// `ecpay`, `wallet` or `cash`.
    method: String,
    #[serde(rename = "locale")]
    _locale: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ReconciliationLine {
    trade_no: String,
    payment_id: Option<String>,
    /// `matched`, `missing_at_provider`, `missing_here` or `amount_differs`.
    finding: String,
    state: Option<String>,
    ours: Option<i64>,
    theirs: Option<i64>,
    provider_status: Option<String>,
}

/// A day's reconciliation of one provider.
#[derive(Serialize, ToSchema)]
struct ReconciliationReport {
    day: String,
    method: String,
    ours_total: i64,
    theirs_total: i64,
    /// Trades whose provider's word is not known yet (ask with the check).
    unchecked: usize,
    lines: Vec<ReconciliationLine>,
}

pub(crate) fn finding_key(f: Finding) -> &'static str {
    match f {
        Finding::Matched => "matched",
        Finding::MissingAtProvider => "missing_at_provider",
        Finding::MissingHere => "missing_here",
        Finding::AmountDiffers => "amount_differs",
    }
}

/// A day's trades of one provider set against the provider's word on each.
#[utoipa::path(
    get,
    path = "/api/v1/payments/reconciliation",
    tag = "payments",
    params(DayQuery),
    responses(
        (status = 200, description = "The report", body = ReconciliationReport),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    )
)]
async fn reconciliation_report(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> Response {
    let result = state
        .module
        .day_report(&caller.actor, &q.day, &q.method)
        .await;
    reply(caller.lang, StatusCode::OK, result, |r: DayReport| {
        ReconciliationReport {
            day: r.day,
            method: r.method,
            ours_total: r.ours_total,
            theirs_total: r.theirs_total,
            unchecked: r.unchecked,
            lines: r
                .lines
                .into_iter()
                .map(|l| ReconciliationLine {
                    finding: finding_key(l.finding).into(),
                    trade_no: l.trade_no,
                    payment_id: l.payment_id,
                    state: l.state.map(|s| s.as_str().to_string()),
                    ours: l.ours,
                    theirs: l.theirs,
                    provider_status: l.provider_status,
                })
                .collect(),
        }
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReconciliationCheck {
    /// A Taipei day, `YYYY-MM-DD`.
    day: String,
    /// `ecpay`, `wallet` or `cash`.
    method: String,
}

/// What asking the provider did.
#[derive(Serialize, ToSchema)]
struct ReconciliationPass {
    asked: usize,
    settled: usize,
    unanswered: usize,
}

/// Asks the provider about every trade of a day now, settling what its answers settle.
#[utoipa::path(
    post,
    path = "/api/v1/payments/reconciliation/check",
    tag = "payments",
    request_body = ReconciliationCheck,
    responses(
        (status = 200, description = "Asked", body = ReconciliationPass),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    )
)]
async fn check_with_provider(
    State(state): State<PaymentsState>,
    caller: Caller,
    JsonBody(b): JsonBody<ReconciliationCheck>,
) -> Response {
    let result = state
        .module
        .check_day(&caller.actor, &b.day, &b.method)
        .await;
    reply(caller.lang, StatusCode::OK, result, |p: Pass| {
        ReconciliationPass {
            asked: p.asked,
            settled: p.settled,
            unanswered: p.unanswered,
        }
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    /// The first Taipei day, `YYYY-MM-DD`.
    from: String,
    /// The last Taipei day, `YYYY-MM-DD` (at most a year after `from`).
    until: String,
    #[serde(rename = "locale")]
    _locale: Option<String>,
}

/// The payments settled paid and the refunds made in the days, as CSV (UTF-8), for the
/// finance office.
#[utoipa::path(
    get,
    path = "/api/v1/payments/export.csv",
    tag = "payments",
    params(ExportQuery),
    responses(
        (status = 200, description = "The CSV", content_type = "text/csv", body = String),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    )
)]
async fn export_payments(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Response {
    match state
        .module
        .export_csv(&caller.actor, &q.from, &q.until)
        .await
    {
        Ok(csv) => csv_response(csv, &format!("payments-{}-{}.csv", q.from, q.until)),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

/// A CSV download.
pub(crate) fn csv_response(csv: String, name: &str) -> Response {
    let mut r = csv.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
