//! Asking for a payment, finding payments, reading one with its history, refunding.

use crate::app::{Payment, PaymentAsk, PaymentDetail, Refund, Search, refunds::RefundAsk};
use crate::domain::state::PaymentState;
use crate::module::PaymentsState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{Locale, Message};
use identity::doors::Caller;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::{BadRequest, Forbidden, NotFound, ServiceUnavailable};
use webkit::{ApiError, ApiPath, ApiQuery, JsonBody, page_limit, reply};

pub fn routes() -> OpenApiRouter<PaymentsState> {
    OpenApiRouter::new()
        .routes(routes!(search_payments, request_payment))
        .routes(routes!(get_payment))
        .routes(routes!(refund_payment))
        .routes(routes!(resolve_refund))
}

/// A payment.
#[derive(Serialize, ToSchema)]
pub(super) struct PaymentOut {
    id: String,
    /// `created`, `started`, `submitted`, `success`, `failed`, `cancelled` or `expired`.
    state: String,
    /// Whole NT$.
    amount: i64,
    reference: String,
    description: String,
    /// Who asked: a module's key, `link` (staff), `api`.
    owner: String,
    /// The trade number the gateway or wallet sees.
    trade_no: String,
    /// `ecpay`, `wallet` or `cash`, once chosen.
    method: Option<String>,
    /// The provider's own reference: ECPay's TradeNo, the wallet's transaction, a cash receipt.
    provider_ref: Option<String>,
    payment_type: Option<String>,
    /// The e-invoice carrier, when the payer gave one.
    carrier_kind: Option<String>,
    carrier_id: Option<String>,
    refunded: i64,
    /// Where the payer pays (online payments).
    next_url: String,
    return_url: String,
    created_at: String,
    expires_at: String,
    settled_at: Option<String>,
    failure: Option<String>,
    /// A retry of this payment.
    retry_of: Option<String>,
}

pub(super) fn payment_out(p: Payment, next_url: String) -> PaymentOut {
    PaymentOut {
        id: p.id,
        state: p.state.as_str().into(),
        amount: p.amount,
        reference: p.reference,
        description: p.description,
        owner: p.owner,
        trade_no: p.trade_no,
        method: p.method,
        provider_ref: p.provider_ref,
        payment_type: p.payment_type,
        carrier_kind: p.carrier_kind,
        carrier_id: p.carrier_id,
        refunded: p.refunded,
        next_url,
        return_url: p.return_url,
        created_at: domain::datetime::format_unix(p.created_at),
        expires_at: domain::datetime::format_unix(p.expires_at),
        settled_at: p.settled_at.map(domain::datetime::format_unix),
        failure: p.failure,
        retry_of: p.retry_of,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewPayment {
    /// Your own reference (an application's number): one payment per reference is paid;
    /// asking again while one is unfinished returns it.
    #[schema(example = "A-2026-000123")]
    reference: String,
    #[schema(example = "戶籍謄本 1 份")]
    description: String,
    /// Whole NT$, 1 to 10,000,000.
    #[schema(example = 15)]
    amount: i64,
    /// Where the payer goes after paying: a path here, or your system's http(s) address.
    #[schema(example = "https://dept.example.gov.tw/applications/123")]
    return_url: String,
    /// The citizen's account, when known.
    payer_account_id: Option<String>,
    /// The payer's language: `zh-TW` (default) or `en`.
    language: Option<String>,
    /// Paid at a counter (wallet barcode or cash) instead of online.
    #[serde(default)]
    counter: bool,
}

/// Asks for a payment; the payer pays it at `next_url`. A department's system hears the
/// outcome through the webhooks `payment.succeeded` and `payment.failed`.
#[utoipa::path(
    post,
    path = "/api/v1/payments",
    tag = "payments",
    request_body = NewPayment,
    responses(
        (status = 201, description = "Asked for", body = PaymentOut),
        (status = 200, description = "Already asked for under this reference and not finished: that payment", body = PaymentOut),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    )
)]
async fn request_payment(
    State(state): State<PaymentsState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewPayment>,
) -> Response {
    let language = match b.language.as_deref() {
        None => Locale::ZhTw,
        Some(tag) => match Locale::from_tag(tag) {
            Some(l) => l,
            None => {
                return ApiError::new(
                    StatusCode::BAD_REQUEST,
                    Message::new("error-payment-language"),
                )
                .in_lang(caller.lang)
                .into_response();
            }
        },
    };
    let ask = PaymentAsk {
        reference: b.reference,
        description: b.description,
        amount: b.amount,
        return_url: b.return_url,
        payer_account_id: b.payer_account_id,
        language,
        counter: b.counter,
    };
    match state.module.request_payment(&caller.actor, true, ask).await {
        Ok(c) => {
            let status = if c.existing {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            (status, axum::Json(payment_out(c.payment, c.next_url))).into_response()
        }
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    /// A trade number, reference, provider reference (TradeNo, wallet transaction, receipt)
    /// or payment id.
    q: Option<String>,
    state: Option<String>,
    /// `ecpay`, `wallet` or `cash`.
    method: Option<String>,
    /// Asked for at or after (RFC 3339).
    from: Option<String>,
    /// Asked for before (RFC 3339).
    until: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    limit: Option<u64>,
    #[serde(rename = "locale")]
    _locale: Option<String>,
}

/// A page of payments.
#[derive(Serialize, ToSchema)]
struct PaymentPage {
    payments: Vec<PaymentOut>,
    /// Pass as `cursor` for the next page; absent on the last.
    next: Option<String>,
}

fn bad(message: &'static str, caller: &Caller) -> Response {
    ApiError::new(StatusCode::BAD_REQUEST, Message::new(message))
        .in_lang(caller.lang)
        .into_response()
}

/// Finds the jurisdiction's payments, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/payments",
    tag = "payments",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of payments", body = PaymentPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    )
)]
async fn search_payments(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Response {
    let time = |t: &Option<String>| -> Result<Option<i64>, ()> {
        match t {
            None => Ok(None),
            Some(s) => domain::datetime::parse(s).map(Some).map_err(|_| ()),
        }
    };
    let (Ok(from), Ok(until)) = (time(&q.from), time(&q.until)) else {
        return bad("error-payment-search-time", &caller);
    };
    let state_filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => match PaymentState::parse(s) {
            Some(s) => Some(s),
            None => return bad("error-payment-search-state", &caller),
        },
    };
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => match c
            .split_once('.')
            .and_then(|(t, id)| Some((t.parse().ok()?, id.to_string())))
        {
            Some(b) => Some(b),
            None => return bad("error-payment-cursor", &caller),
        },
    };
    let search = Search {
        text: q.q.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        state: state_filter,
        method: q.method.filter(|m| !m.is_empty()),
        from,
        until,
        before,
    };
    let limit = page_limit(q.limit);
    let result = state.module.search(&caller.actor, &search, limit).await;
    let app = state.module.clone();
    reply(caller.lang, StatusCode::OK, result, move |list| {
        let next = (list.len() as u64 == limit)
            .then(|| list.last().map(|p| format!("{}.{}", p.created_at, p.id)))
            .flatten();
        PaymentPage {
            payments: list
                .into_iter()
                .map(|p| {
                    let next_url = app.payer_url(&p.id);
                    payment_out(p, next_url)
                })
                .collect(),
            next,
        }
    })
}

/// A change to a payment, from its hash-chained history.
#[derive(Serialize, ToSchema)]
struct PaymentEventOut {
    kind: String,
    actor: String,
    from_state: Option<String>,
    to_state: Option<String>,
    amount: Option<i64>,
    /// What the provider or the person said (JSON).
    data: serde_json::Value,
    at: String,
    hash: String,
}

#[derive(Serialize, ToSchema)]
struct PaymentRefundOut {
    id: String,
    amount: i64,
    reason: String,
    /// `gateway`, `wallet` or `manual`.
    how: String,
    /// `pending` (asked of the provider, no answer yet: the money is reserved), `done` or
    /// `refused`.
    state: String,
    provider_ref: Option<String>,
    created_by: String,
    at: String,
}

fn payment_refund_out(r: Refund) -> PaymentRefundOut {
    PaymentRefundOut {
        id: r.id,
        amount: r.amount,
        reason: r.reason,
        how: r.how,
        state: r.state,
        provider_ref: r.provider_ref,
        created_by: r.created_by,
        at: domain::datetime::format_unix(r.created_at),
    }
}

/// A payment with its history.
#[derive(Serialize, ToSchema)]
struct PaymentDetailOut {
    payment: PaymentOut,
    events: Vec<PaymentEventOut>,
    refunds: Vec<PaymentRefundOut>,
}

/// A payment, its events and its refunds.
#[utoipa::path(
    get,
    path = "/api/v1/payments/{id}",
    tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    responses(
        (status = 200, description = "The payment", body = PaymentDetailOut),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn get_payment(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Response {
    let result = state.module.detail(&caller.actor, &id).await;
    let app = state.module.clone();
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        move |d: PaymentDetail| {
            let next_url = app.payer_url(&d.payment.id);
            PaymentDetailOut {
                payment: payment_out(d.payment, next_url),
                events: d
                    .events
                    .into_iter()
                    .map(|e| PaymentEventOut {
                        kind: e.event.kind,
                        actor: e.event.actor,
                        from_state: e.event.from_state,
                        to_state: e.event.to_state,
                        amount: e.event.amount,
                        data: serde_json::from_str(&e.event.data).unwrap_or_default(),
                        at: domain::datetime::format_unix(e.event.created_at),
                        hash: e.hash,
                    })
                    .collect(),
                refunds: d.refunds.into_iter().map(payment_refund_out).collect(),
            }
        },
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewPaymentRefund {
    /// Whole NT$, at most what is left of the payment.
    amount: i64,
    reason: String,
    /// A current code of the caller's authenticator app (a step up).
    code: String,
}

/// Refunds part or all of what was taken for a payment (also one paid after it ended):
/// through the gateway for a card, the wallet for a wallet payment, otherwise recorded as a
/// manual refund. A provider that does not answer leaves the refund `pending` (503): check
/// with the provider before asking again.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/refunds",
    tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    request_body = NewPaymentRefund,
    responses(
        (status = 201, description = "Refunded", body = PaymentRefundOut),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
async fn refund_payment(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    JsonBody(b): JsonBody<NewPaymentRefund>,
) -> Response {
    let ask = RefundAsk {
        amount: b.amount,
        reason: b.reason,
        code: b.code,
    };
    let result = state.module.refund(&caller.actor, &id, ask).await;
    reply(caller.lang, StatusCode::CREATED, result, payment_refund_out)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RefundResolution {
    /// `done`: the provider did give the money back; `refused`: it did not (the reserved
    /// amount is released).
    outcome: String,
    /// A current code of the caller's authenticator app (a step up).
    code: String,
}

/// Settles a refund left `pending` (the provider did not answer), after checking with the
/// provider what became of it.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/refunds/{refund_id}/resolve",
    tag = "payments",
    params(
        ("id" = String, Path, description = "The payment's id"),
        ("refund_id" = String, Path, description = "The refund's id"),
    ),
    request_body = RefundResolution,
    responses(
        (status = 200, description = "Settled", body = PaymentRefundOut),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn resolve_refund(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiPath((id, refund_id)): ApiPath<(String, String)>,
    JsonBody(b): JsonBody<RefundResolution>,
) -> Response {
    let done = match b.outcome.as_str() {
        "done" => true,
        "refused" => false,
        _ => return bad("error-refund-outcome", &caller),
    };
    let result = state
        .module
        .resolve_refund(&caller.actor, &id, &refund_id, done, &b.code)
        .await;
    reply(caller.lang, StatusCode::OK, result, payment_refund_out)
}
