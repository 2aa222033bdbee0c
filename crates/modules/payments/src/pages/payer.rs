//! The payer's pages, in the GOV.UK Pay pattern: a summary of what is paid and for what, the
//! hand-over to the gateway's cashier, the way back (which asks the gateway, never believes
//! the browser), the outcome with another go after a failure, and a printable receipt.

use super::ntd;
use crate::app::Payment;
use crate::app::online::{CashierForm, PayNext};
use crate::domain::state::PaymentState;
use crate::module::PaymentsState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use identity::doors::{Viewer, check_token, render};
use platform::ServiceError;
use serde::Deserialize;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<PaymentsState> {
    Router::new()
        .route("/pay/{id}", get(summary))
        .route("/pay/{id}/go", post(go))
        .route("/pay/{id}/back", get(back))
        .route("/pay/{id}/result", post(result))
        .route("/pay/{id}/again", post(again))
        .route("/pay/{id}/carrier", post(carrier))
        .route("/pay/{id}/receipt", get(receipt))
}

#[derive(Template)]
#[template(path = "payments/pay.html")]
struct Summary {
    p: Page,
    pay: Payment,
    amount: String,
    /// A gateway to pay through is configured.
    online: bool,
    /// Why the last "pay" did not go through.
    problem: Option<String>,
}

impl Summary {
    fn state(&self) -> &'static str {
        self.pay.state.as_str()
    }
}

async fn show(
    state: &PaymentsState,
    v: &Viewer,
    pay: Payment,
    problem: Option<String>,
    status: StatusCode,
) -> PageResult {
    let title = match pay.state {
        PaymentState::Success => "pay-title-paid",
        PaymentState::Failed => "pay-title-failed",
        PaymentState::Cancelled => "pay-title-cancelled",
        PaymentState::Expired => "pay-title-expired",
        PaymentState::Submitted => "pay-title-waiting",
        _ => "pay-title",
    };
    let page = Summary {
        p: Page::new(v, state, title, "pay"),
        amount: ntd(pay.amount),
        online: state.module.cashier_origin().is_some(),
        pay,
        problem,
    };
    Ok(render(v, state, status, &page))
}

async fn summary(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let pay = state.module.open_summary(&id).await.map_err(failed(&v))?;
    show(&state, &v, pay, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

#[derive(Template)]
#[template(path = "payments/cashier.html")]
struct Cashier {
    p: Page,
    form: CashierForm,
}

/// "Pay": to the cashier, by a form the page posts at once (ECPay takes the checkout as a
/// browser POST; without script the payer presses the button).
async fn go(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<TokenForm>,
) -> PageResult {
    check_token(&v, &f._csrf)?;
    match state.module.pay_online(&id).await {
        Ok(PayNext::Cashier(form)) => {
            let page = Cashier {
                p: Page::new(&v, &state, "pay-to-cashier", "pay"),
                form,
            };
            Ok(render(&v, &state, StatusCode::OK, &page))
        }
        Ok(PayNext::Finished(_)) => Ok(see_other(&format!("/pay/{id}"))),
        Err(e) => show_refusal(&state, &v, &id, e).await,
    }
}

/// The summary again with what went wrong: the gateway not answering (503) or a value refused
/// (400); anything else is an error page.
async fn show_refusal(state: &PaymentsState, v: &Viewer, id: &str, e: ServiceError) -> PageResult {
    if !matches!(e, ServiceError::Unavailable(_) | ServiceError::Invalid(_)) {
        return Err(failed(v)(e));
    }
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let message = e.refusal("pay").messages.first().map(|m| v.msg(m));
    let pay = state.module.for_payer(id).await.map_err(failed(v))?;
    show(state, v, pay, message, status).await
}

/// Back from the cashier: the gateway is asked, then the outcome is shown.
async fn back(State(state): State<PaymentsState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    state.module.came_back(&id).await.map_err(failed(&v))?;
    Ok(see_other(&format!("/pay/{id}")))
}

/// The cashier's `OrderResultURL` post: not believed; the way back asks the gateway.
async fn result(Path(id): Path<String>) -> axum::response::Response {
    let id: String = id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(64)
        .collect();
    see_other(&format!("/pay/{id}/back"))
}

/// Another go after a failure or a cancel.
async fn again(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<TokenForm>,
) -> PageResult {
    check_token(&v, &f._csrf)?;
    let next = state.module.pay_again(&id).await.map_err(failed(&v))?;
    Ok(see_other(&format!("/pay/{}", next.id)))
}

#[derive(Deserialize, Default)]
struct CarrierForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    carrier: String,
}

/// The e-invoice carrier the payer gives.
async fn carrier(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<CarrierForm>,
) -> PageResult {
    check_token(&v, &f._csrf)?;
    match state.module.set_carrier(&id, &f.kind, &f.carrier).await {
        Ok(_) => Ok(see_other(&format!("/pay/{id}"))),
        Err(e) => show_refusal(&state, &v, &id, e).await,
    }
}

#[derive(Template)]
#[template(path = "payments/receipt.html")]
struct Receipt {
    p: Page,
    pay: Payment,
    amount: String,
    refunded: String,
}

/// The receipt of a paid payment, printable.
async fn receipt(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let pay = state.module.for_payer(&id).await.map_err(failed(&v))?;
    if pay.state != PaymentState::Success {
        return Ok(see_other(&format!("/pay/{id}")));
    }
    let page = Receipt {
        p: Page::new(&v, &state, "pay-receipt", "pay"),
        amount: ntd(pay.amount),
        refunded: ntd(pay.refunded),
        pay,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}
