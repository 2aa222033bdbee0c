//! The module's REST API, for staff and department systems: ask for a payment, find and read
//! payments, take one at the counter, refund, and reconcile. Each handler parses, calls the
//! app, and renders; the rules are the app's.

mod counter;
mod payments;
mod reconcile;

pub(crate) use reconcile::{csv_response, finding_key};

use crate::module::PaymentsState;
use utoipa_axum::router::OpenApiRouter;

/// The routes and their documentation, from the same annotations.
pub fn routes() -> OpenApiRouter<PaymentsState> {
    payments::routes()
        .merge(counter::routes())
        .merge(reconcile::routes())
}
