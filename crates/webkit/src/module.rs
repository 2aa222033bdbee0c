//! A module's doors as the composition root plugs them in: besides what every module brings
//! ([`platform::ModuleHandle`]: its definition and job kinds), its part of the navigation, its
//! routes over its own state and its part of the OpenAPI document. The composition root
//! (`web::Modules`) builds the shared [`Doors`] from the parts of the modules that run, hands
//! them to each module's [`ModuleDoors::routes`], puts the API routes under the API's limits
//! and merges everything under the same middleware; a module switched off gives nothing.
//! "How to add a module" in docs/ARCHITECTURE.md walks through one.

use crate::Doors;
use crate::page::nav::NavPart;
use axum::Router;

/// A module's doors.
pub trait ModuleDoors: platform::ModuleHandle {
    /// Its main-menu entries and administration sections.
    fn navigation(&self) -> NavPart;

    /// Its routes, each router with the module's own state already applied.
    fn routes(&self, doors: &Doors) -> ModuleRoutes;

    /// Its part of the OpenAPI document: the documentation of its `api` routes, from the same
    /// annotations (`utoipa_axum::routes!`).
    fn openapi(&self) -> utoipa::openapi::OpenApi;

    /// Whether its pages answer `/`. When no running module's do, `/` is where an account
    /// starts (identity's start page).
    fn serves_home(&self) -> bool {
        false
    }

    /// Its paths whose next segment is personal data (a caller's phone number): the request
    /// log shows the placeholder instead (see [`loggable_path`]).
    fn private_paths(&self) -> &'static [PrivatePath] {
        &[]
    }

    /// What answers for the personal data it holds about citizens, if it holds any: their
    /// "my data" page and download gather from every running module's.
    fn data_holder(&self) -> Option<std::sync::Arc<dyn platform::personal_data::DataHolder>> {
        None
    }
}

/// A path prefix whose next segment is personal data, and what the log shows in its place.
#[derive(Debug, Clone, Copy)]
pub struct PrivatePath {
    /// e.g. `/api/v1/callers/`
    pub prefix: &'static str,
    /// e.g. `{phone}`
    pub placeholder: &'static str,
}

/// The request path as it may be logged: the segment after a private prefix is replaced by its
/// placeholder.
pub fn loggable_path<'a>(path: &'a str, private: &[PrivatePath]) -> std::borrow::Cow<'a, str> {
    for p in private {
        if let Some(rest) = path.strip_prefix(p.prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return std::borrow::Cow::Owned(format!("{}{}{tail}", p.prefix, p.placeholder));
        }
    }
    std::borrow::Cow::Borrowed(path)
}

/// A module's routes.
#[derive(Default)]
pub struct ModuleRoutes {
    /// Under `/api/v1/`: served with the API's body limit and `Cache-Control: no-store`, and
    /// answered `application/problem+json` when nothing matches.
    pub api: Router,
    /// Its pages and anything else it serves, as they are.
    pub pages: Router,
}

#[cfg(test)]
mod tests {
    use super::{PrivatePath, loggable_path};

    #[test]
    fn personal_data_in_paths_is_not_logged() {
        const PRIVATE: &[PrivatePath] = &[
            PrivatePath {
                prefix: "/api/v1/callers/",
                placeholder: "{phone}",
            },
            PrivatePath {
                prefix: "/api/v1/care-flags/",
                placeholder: "{phone}",
            },
        ];
        let logged = |p| loggable_path(p, PRIVATE).into_owned();
        assert_eq!(
            logged("/api/v1/callers/0912-345-678"),
            "/api/v1/callers/{phone}"
        );
        assert_eq!(
            logged("/api/v1/care-flags/%2B886912345678"),
            "/api/v1/care-flags/{phone}"
        );
        assert_eq!(
            logged("/api/v1/callers/0912345678/more"),
            "/api/v1/callers/{phone}/more"
        );
        assert_eq!(logged("/api/v1/cases"), "/api/v1/cases");
        assert_eq!(
            loggable_path("/api/v1/callers/0912", &[]),
            "/api/v1/callers/0912"
        );
    }
}
