//! The module's REST API.

use crate::module::CounterState;
use utoipa_axum::router::OpenApiRouter;

/// The routes and their documentation, from the same annotations.
pub fn routes() -> OpenApiRouter<CounterState> {
    OpenApiRouter::new()
}
