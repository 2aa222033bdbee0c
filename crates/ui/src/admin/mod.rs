//! The administration pages (`/admin…`): the catalogue, routing and triage rules, SLA
//! policies and the business calendar, staff and roles, API clients, webhooks and
//! notification templates. Each section needs its own permission; the index lists the
//! sections the signed-in account may use. Every page is plain HTML forms: lists of rows are
//! edited as rows of inputs (with a few empty ones for additions), never with JavaScript.
//! Services check every permission again.

mod categories;
mod clients;
mod departments;
pub(crate) mod jobs;
mod notify;
mod rules;
mod sla;
mod staff;
mod webhooks;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::Message;
use identity::doors::Viewer;
use identity::doors::render;
use platform::authz::{Actor, Permission};
use web::AppState;
use webkit::page::PageError;
use webkit::page::{Page, encode};

/// The administration of the platform and identity.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .merge(departments::routes())
        .merge(staff::routes())
        .merge(clients::routes())
        .merge(webhooks::routes())
        .merge(notify::routes())
        .merge(jobs::routes())
}

/// The administration of the cases module: categories, case rules, SLA and calendar.
pub fn case_routes() -> Router<AppState> {
    Router::new()
        .merge(categories::routes())
        .merge(rules::routes())
        .merge(sla::routes())
}

/// Why an admin page is not shown: an error page, or a redirect (to sign in, by location).
pub enum Stop {
    Page(PageError),
    Redirect(String),
}

impl From<PageError> for Stop {
    fn from(e: PageError) -> Self {
        Stop::Page(e)
    }
}

impl IntoResponse for Stop {
    fn into_response(self) -> Response {
        match self {
            Stop::Page(e) => e.into_response(),
            Stop::Redirect(to) => webkit::page::see_other(&to),
        }
    }
}

pub type PageResult = Result<Response, Stop>;

/// The signed-in actor if they hold `permission`: otherwise a redirect to sign in (with the
/// way back), or 403.
pub fn require(v: &Viewer, permission: Permission) -> Result<&Actor, Stop> {
    let Some(actor) = v.signed_in() else {
        let path = v.here.split('?').next().unwrap_or("/admin");
        return Err(Stop::Redirect(format!("/sign-in?back={}", encode(path))));
    };
    if !v.may(permission) {
        return Err(Stop::Page(PageError::new(
            StatusCode::FORBIDDEN,
            "error-forbidden",
            v.locale,
        )));
    }
    Ok(actor)
}

/// A service failure as an error page.
pub fn failed(v: &Viewer) -> impl Fn(platform::ServiceError) -> Stop + '_ {
    |e| Stop::Page(PageError::service(e, v.locale))
}

/// A form as name/value pairs in the order sent: for rows of inputs (`a3_code`) and repeated
/// checkboxes, which a fixed struct cannot hold.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value sent under `name` (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn token(&self) -> &str {
        self.get("_csrf")
    }
}

/// The `field` argument of a service message, if any.
pub fn field_of(m: &Message) -> Option<&str> {
    webkit::page::forms::field_arg(m)
}

/// The `row` argument of a service message, if any.
pub fn row_of(m: &Message) -> Option<&str> {
    m.args
        .iter()
        .find(|(k, _)| *k == "row")
        .map(|(_, v)| v.as_str())
}

/// A status line after a redirect (`?done=saved`), announced to screen readers.
pub fn done_message(v: &Viewer, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "saved" => "admin-done-saved",
        "created" => "admin-done-created",
        "deleted" => "admin-done-deleted",
        "revoked" => "admin-done-revoked",
        "queued" => "admin-done-queued",
        "reset" => "admin-done-reset",
        "enabled" => "admin-done-enabled",
        "disabled" => "admin-done-disabled",
        _ => return None,
    };
    Some(v.t(key))
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

/// One section of the administration.
pub struct Section {
    pub href: &'static str,
    pub title: String,
    pub lead: String,
}

/// The sections `v` may use, in the order they are shown.
pub fn sections(v: &Viewer, state: &AppState) -> Vec<Section> {
    state
        .doors
        .navigation
        .admin_sections(v)
        .map(|(href, key)| Section {
            href,
            title: v.t(key),
            lead: v.t(&format!("{key}-lead")),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct Index {
    p: Page,
    sections: Vec<Section>,
}

async fn index(State(state): State<AppState>, v: Viewer) -> PageResult {
    if v.signed_in().is_none() {
        return Ok(webkit::page::see_other("/sign-in?back=/admin"));
    }
    let sections = sections(&v, &state);
    if sections.is_empty() {
        return Err(PageError::new(StatusCode::FORBIDDEN, "error-forbidden", v.locale).into());
    }
    let page = Index {
        p: Page::new(&v, &state, "admin-title", "admin"),
        sections,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use domain::Locale;
    use platform::authz::Role;

    /// Labels built from codes (`admin-role-{role}`, `admin-event-{type}`, …) exist in both
    /// languages for every code the services can produce.
    #[test]
    fn every_label_built_from_a_code_is_translated() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(Role::ALL.iter().map(|r| format!("admin-role-{r}")));
        keys.extend(
            platform::webhooks::EVENT_TYPES
                .iter()
                .map(|e| format!("admin-event-{}", e.replace('.', "-"))),
        );
        keys.extend(
            [
                store::webhooks::STATUS_QUEUED,
                store::webhooks::STATUS_SENDING,
                store::webhooks::STATUS_DELIVERED,
                store::webhooks::STATUS_FAILED,
                store::webhooks::STATUS_DEAD,
            ]
            .iter()
            .map(|s| format!("admin-delivery-{s}")),
        );
        keys.extend(
            platform::notify::templates::SPECS
                .iter()
                .map(|s| format!("admin-template-{}", s.key)),
        );
        keys.extend(
            ["pending", "active", "disabled"]
                .iter()
                .map(|s| format!("admin-account-{s}")),
        );
        keys.extend(
            domain::category::Datatype::NAMES
                .iter()
                .map(|d| format!("admin-datatype-{d}")),
        );
        keys.extend(
            domain::category::Urgency::NAMES
                .iter()
                .map(|u| format!("admin-urgency-{u}")),
        );
        for clock in super::sla::CLOCKS {
            keys.push(format!("admin-clock-{clock}"));
            keys.push(format!("admin-clock-{clock}-hint"));
        }
        for kind in ["holiday", "makeup_workday", "closure"] {
            keys.push(format!("admin-calendar-kind-{kind}"));
            keys.push(format!("admin-calendar-kind-{kind}-hint"));
        }
        for kind in domain::catalog::DepartmentKind::ALL {
            keys.push(format!("admin-kind-{}", kind.as_str()));
        }
        for t in domain::category::ServiceType::ALL {
            keys.push(format!("admin-service-type-{}", t.as_str()));
        }
        for kind in platform::jobs::KINDS {
            keys.push(format!("admin-job-kind-{}", kind.replace('.', "-")));
        }
        for trouble in ["dead", "stuck", "overdue"] {
            keys.push(format!("admin-job-{trouble}"));
        }
        for section in [
            "categories",
            "rules",
            "sla",
            "staff",
            "clients",
            "webhooks",
            "templates",
            "jobs",
            "answers",
        ] {
            keys.push(format!("admin-{section}-lead"));
        }
        for key in &keys {
            for locale in Locale::ALL {
                assert!(webkit::i18n::has(locale, key), "{key} in {locale:?}");
            }
        }
    }
}
