//! The error answers every module's OpenAPI operations name: `responses((status = 404,
//! response = NotFound))` refers to `#/components/responses/NotFound`, which the composition
//! root's document defines once (`web::api::doc`) with the [`crate::Problem`] schema.

use utoipa::openapi::{Ref, RefOr, Response};

pub use crate::{Problem, ProblemItem};

/// The error answers every operation may give, by status, with the name they have in
/// `components/responses`.
pub const PROBLEMS: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "The input is invalid: every problem is listed in `errors`, and nothing was changed.",
    ),
    (
        401,
        "Unauthorized",
        "Not signed in: no session or token, an expired session, an invalid token, or a second factor still pending.",
    ),
    (
        403,
        "Forbidden",
        "Not allowed: the caller lacks the permission, the CSRF token is missing or wrong, the request is cross-site, or a second factor must first be enrolled.",
    ),
    (
        404,
        "NotFound",
        "Not found, or not visible to the caller (which cannot tell the two apart).",
    ),
    (
        409,
        "Conflict",
        "The request conflicts with the current state.",
    ),
    (
        413,
        "PayloadTooLarge",
        "The body is too large (64 KB for JSON; 10 MB per photo, 52 MB per multipart body).",
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body is not `application/json`.",
    ),
    (
        429,
        "TooManyRequests",
        "Too many attempts: try again after `Retry-After` seconds.",
    ),
    (
        503,
        "ServiceUnavailable",
        "An outside service this needs (a payment provider, a city's identity provider) did not answer; the message says what became of the request.",
    ),
];

macro_rules! problem_responses {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("The `", stringify!($name), "` error answer, for `responses((status = …, response = ", stringify!($name), "))`.")]
        pub struct $name;

        impl<'a> utoipa::ToResponse<'a> for $name {
            fn response() -> (&'a str, RefOr<Response>) {
                (stringify!($name), RefOr::Ref(Ref::from_response_name(stringify!($name))))
            }
        }
    )*};
}

problem_responses!(
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    ServiceUnavailable,
);

/// A reference to the error answer for `status`, for `responses(...)`.
pub fn problem_ref(status: u16) -> RefOr<Response> {
    let name = PROBLEMS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map_or("BadRequest", |(_, name, _)| name);
    RefOr::Ref(Ref::from_response_name(name))
}
