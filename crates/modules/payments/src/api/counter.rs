//! The counter over the API: a clerk's point-of-sale system takes a payment from a wallet
//! barcode or in cash.

use super::payments::{PaymentOut, payment_out};
use crate::app::counter::CounterOutcome;
use crate::module::PaymentsState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use identity::doors::Caller;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webkit::openapi::{BadRequest, Forbidden, NotFound, ServiceUnavailable};
use webkit::{ApiPath, JsonBody, reply};

pub fn routes() -> OpenApiRouter<PaymentsState> {
    OpenApiRouter::new()
        .routes(routes!(take_wallet))
        .routes(routes!(take_cash))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WalletPaymentBody {
    /// The payment barcode the payer's wallet app shows.
    #[schema(example = "280000000000000001")]
    barcode: String,
}

/// What the wallet did.
#[derive(Serialize, ToSchema)]
struct WalletPaymentOut {
    payment: PaymentOut,
    /// Whether the wallet took the money.
    paid: bool,
    /// When declined (nothing taken; ask for another barcode): the wallet's code and words.
    declined_code: Option<String>,
    declined_message: Option<String>,
}

/// Takes a payment from a wallet barcode. A decline leaves the payment to be taken again
/// (another barcode, or cash); a wallet that does not answer is 503 and reconciliation asks it
/// again.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/wallet",
    tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    request_body = WalletPaymentBody,
    responses(
        (status = 200, description = "Paid, or declined", body = WalletPaymentOut),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    )
)]
async fn take_wallet(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    JsonBody(b): JsonBody<WalletPaymentBody>,
) -> Response {
    let result = state
        .module
        .take_wallet(&caller.actor, &id, &b.barcode)
        .await;
    let app = state.module.clone();
    reply(caller.lang, StatusCode::OK, result, move |o| match o {
        CounterOutcome::Paid(p) => {
            let url = app.payer_url(&p.id);
            WalletPaymentOut {
                payment: payment_out(p, url),
                paid: true,
                declined_code: None,
                declined_message: None,
            }
        }
        CounterOutcome::Declined {
            payment,
            code,
            message,
        } => {
            let url = app.payer_url(&payment.id);
            WalletPaymentOut {
                payment: payment_out(payment, url),
                paid: false,
                declined_code: Some(code),
                declined_message: Some(message),
            }
        }
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CashPaymentBody {
    /// The number of the receipt the clerk gave (used once in the jurisdiction).
    #[schema(example = "R-115-000123")]
    receipt: String,
}

/// Takes a payment in cash.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/cash",
    tag = "payments",
    params(("id" = String, Path, description = "The payment's id")),
    request_body = CashPaymentBody,
    responses(
        (status = 200, description = "Paid", body = PaymentOut),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn take_cash(
    State(state): State<PaymentsState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    JsonBody(b): JsonBody<CashPaymentBody>,
) -> Response {
    let result = state.module.take_cash(&caller.actor, &id, &b.receipt).await;
    let app = state.module.clone();
    reply(caller.lang, StatusCode::OK, result, move |p| {
        let url = app.payer_url(&p.id);
        payment_out(p, url)
    })
}
