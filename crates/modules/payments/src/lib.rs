//! The payments module: one way for every paying part of civicdesk (counter fees, social-housing
//! rent, facility deposits, group-buying orders) to ask for money and hear that it was paid,
//! through a gateway on ECPay's AIO protocol, a mobile wallet's barcode at the counter, or cash;
//! with one append-only, hash-chained ledger, reconciliation against the providers, and refunds
//! (`docs/PAYMENTS.md`).
//!
//! The rooms: [`domain`] the pure rules (the state machine, amounts, trade numbers,
//! `CheckMacValue` and ECPay's messages, the wallet's, e-invoice carriers, reconciliation);
//! `store` its queries; [`app`] its use cases, the module's only API; `api` and `pages` its
//! doors; [`module`] the wiring.

mod api;
pub mod app;
pub mod domain;
pub mod module;
mod pages;
mod store;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use app::{Created, Payment, PaymentAsk, PaymentListener, PaymentsApp};
pub use module::{MODULE, PaymentsDoors};

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::routes().into_openapi()
}
