//! stub

use axum::Router;
use web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
