//! The administration pages (`/admin…`): the catalogue, routing and triage rules, SLA
//! policies and the business calendar, staff and roles, API clients, webhooks and
//! notification templates. Each section needs its own permission; the index lists the
//! sections the signed-in account may use. Every page is plain HTML forms: lists of rows are
//! edited as rows of inputs (with a few empty ones for additions), never with JavaScript.
//! Services check every permission again.

mod departments;
pub(crate) mod jobs;
mod notify;
mod webhooks;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use identity::doors::Viewer;
use identity::doors::render;
use web::AppState;
use webkit::page::Page;
use webkit::page::PageError;

/// The administration of the platform and identity.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .merge(departments::routes())
        .merge(webhooks::routes())
        .merge(notify::routes())
        .merge(jobs::routes())
}

pub use identity::doors::require;
pub use webkit::page::admin::{Done, Fields, done_message, field_of};
pub use webkit::page::{PageResult, Stop, failed};

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
        // The index shows every module's sections: their messages are the modules' own.
        web::Modules::install_locales().unwrap();
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
            platform::notify::templates::all_specs().map(|s| format!("admin-template-{}", s.key)),
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
        for kind in domain::catalog::DepartmentKind::ALL {
            keys.push(format!("admin-kind-{}", kind.as_str()));
        }
        for t in domain::category::ServiceType::ALL {
            keys.push(format!("admin-service-type-{}", t.as_str()));
        }
        for kind in web::COMPILED.iter().flat_map(|m| m.job_kinds) {
            keys.push(format!("admin-job-kind-{}", kind.name.replace('.', "-")));
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
