//! The counter module: online services with 24-hour Smart Desk pickup (docs/COUNTER.md). A
//! jurisdiction's catalogue of services with forms as data; applications with clerk review on
//! the business calendar's review clock, fees through the payments module, and a hash-chained
//! event log; Smart Desk lockers with one-time codes and a signed device API; agent pickup
//! under an identity mandate; and reservations with queue numbers.
//!
//! The rooms: [`domain`] the pure rules; `store` its queries; [`app`] its use cases, the
//! module's only API; `api` and `pages` its doors; [`module`] the wiring.

mod api;
pub mod app;
mod device_api;
pub mod domain;
pub mod module;
mod pages;
mod store;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use app::CounterApp;
pub use app::fees::FeeListener;
pub use module::{CounterDoors, MODULE};

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::routes().into_openapi()
}
