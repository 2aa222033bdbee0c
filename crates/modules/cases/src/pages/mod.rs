//! The cases module's web pages: the citizen's (home, report, track, survey, my cases), the
//! staff's (the agent's desk, intake, out-calls, answers, the work queue, a case, the field
//! crews' pages), supervision, and the hotline's administration. Pages call
//! [`crate::CasesApp`] exactly as the REST API does. Templates are in `templates/`; the frame
//! (`base.html`) is webkit's. The module's menu entries and admin sections are [`NAV`].

mod admin;
mod category_form;
mod citizen;
mod multipart;
mod nav;
pub(crate) mod staff;
mod supervise;

pub use nav::NAV;

use crate::doors::CasesState;
use axum::Router;

/// Every page route of the module.
pub fn routes() -> Router<CasesState> {
    Router::new()
        .merge(citizen::routes())
        .merge(staff::routes())
        .merge(supervise::routes())
        .merge(admin::routes())
}
