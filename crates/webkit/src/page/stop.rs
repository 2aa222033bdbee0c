//! Why a page is not shown: an error page or a redirect (to sign in, to the next step of a
//! sign-in), as the handlers of every module's pages return it.

use super::{PageError, Visitor, see_other};
use axum::response::{IntoResponse, Response};
use platform::ServiceError;

/// Why a page is not shown: a redirect (to sign in, say) or an error page.
pub enum Stop {
    /// See other: the local path to go to.
    Redirect(String),
    Page(PageError),
}

impl From<PageError> for Stop {
    fn from(e: PageError) -> Stop {
        Stop::Page(e)
    }
}

impl IntoResponse for Stop {
    fn into_response(self) -> Response {
        match self {
            Stop::Redirect(to) => see_other(&to),
            Stop::Page(e) => e.into_response(),
        }
    }
}

/// What a page handler answers.
pub type PageResult = Result<Response, Stop>;

/// A service failure as an error page.
pub fn failed(v: &dyn Visitor) -> impl Fn(ServiceError) -> Stop + '_ {
    move |e| Stop::Page(PageError::service(e, v.locale()))
}
