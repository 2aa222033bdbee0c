//! Identity's staff page: enrolling the second factor (`/account/second-factor`).

mod second_factor;

use axum::Router;
use web::AppState;

pub use webkit::page::{PageResult, Stop};

/// The staff pages of identity: the second factor.
pub fn routes() -> Router<AppState> {
    Router::new().merge(second_factor::routes())
}
