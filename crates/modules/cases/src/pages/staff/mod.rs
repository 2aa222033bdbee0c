//! The staff side: the agent's console (`/desk`), the knowledge base (`/desk/answers`, edited at
//! `/admin/answers`), the dispatcher's queue and case page (`/work`), the field worker's
//! assignments (`/field`), and enrolling the second factor (`/account/second-factor`).
//!
//! Every page first checks that a full staff session holds the page's permission somewhere
//! ([`gate`]); the services check again against the case or department acted on.

mod actions;
mod answers;
mod case;
mod desk;
mod field;
pub(crate) mod find;
mod intake;
mod maps;
mod outcalls;
mod work;

use crate::doors::CasesState;
use axum::Router;
use domain::Locale;
use domain::catalog::{Category, Department, DepartmentKind, District};
use identity::doors::Viewer;
use webkit::page::PageError;
use webkit::page::jurisdiction;

/// The staff pages of the cases module: the desk, intake, out-calls, answers, the work queue,
/// a case and the field crews' pages.
pub fn routes() -> Router<CasesState> {
    Router::new()
        .merge(desk::routes())
        .merge(intake::routes())
        .merge(outcalls::routes())
        .merge(answers::routes())
        .merge(work::routes())
        .merge(case::routes())
        .merge(field::routes())
        .merge(find::routes())
}

pub use identity::doors::gate;
pub use webkit::page::{PageResult, Stop, failed};

/// The catalogue the staff pages name things from.
pub struct Catalog {
    pub categories: Vec<Category>,
    pub districts: Vec<District>,
    pub departments: Vec<Department>,
    pub locale: Locale,
}

/// A code and its name in the page's language, for `<select>`s.
#[derive(Debug, Clone)]
pub struct Named {
    pub code: String,
    pub name: String,
}

impl Catalog {
    pub async fn load(state: &CasesState, locale: Locale) -> Result<Catalog, PageError> {
        let j = jurisdiction(&state.platform, locale).await?;
        let fail = |e| PageError::service(e, locale);
        let categories = state
            .platform
            .services(&j, None)
            .await
            .map_err(fail)?
            .categories;
        let districts = state.platform.districts(&j).await.map_err(fail)?;
        let departments = state.platform.departments(&j).await.map_err(fail)?;
        Ok(Catalog {
            categories,
            districts,
            departments,
            locale,
        })
    }

    pub fn category(&self, code: &str) -> String {
        self.categories
            .iter()
            .find(|c| c.code == code)
            .map_or_else(|| code.to_string(), |c| c.name.get(self.locale).to_string())
    }

    pub fn department(&self, code: Option<&str>) -> String {
        let Some(code) = code else {
            return String::new();
        };
        self.departments
            .iter()
            .find(|d| d.code == code)
            .map_or_else(|| code.to_string(), |d| d.name.get(self.locale).to_string())
    }

    /// Where a case is, in words: its address (which usually names the district already), or
    /// the district with it.
    pub fn place(&self, w: &crate::store::case_work::WorkView) -> String {
        let district = self
            .districts
            .iter()
            .find(|d| Some(&d.code) == w.district_code.as_ref());
        match (&w.address, district) {
            (Some(a), Some(d)) if a.contains(d.name.zh.as_str()) => a.clone(),
            (Some(a), Some(d)) => format!("{} {a}", d.name.get(self.locale)),
            (Some(a), None) => a.clone(),
            (None, Some(d)) => d.name.get(self.locale).to_string(),
            (None, None) => String::new(),
        }
    }

    pub fn category_options(&self) -> Vec<Named> {
        self.categories
            .iter()
            .filter(|c| c.active)
            .map(|c| Named {
                code: c.code.clone(),
                name: format!("{} · {}", c.group.get(self.locale), c.name.get(self.locale)),
            })
            .collect()
    }

    pub fn district_options(&self) -> Vec<Named> {
        self.districts
            .iter()
            .map(|d| Named {
                code: d.code.clone(),
                name: d.name.get(self.locale).to_string(),
            })
            .collect()
    }

    /// City departments (`utility: false`) or outside utilities (`utility: true`).
    pub fn department_options(&self, utility: bool) -> Vec<Named> {
        self.departments
            .iter()
            .filter(|d| (d.kind == DepartmentKind::Utility) == utility)
            .map(|d| Named {
                code: d.code.clone(),
                name: d.name.get(self.locale).to_string(),
            })
            .collect()
    }
}

/// The tag of an SLA state: its CSS class and its label key.
pub fn sla_tag(state: Option<&str>) -> (&'static str, String) {
    match state {
        Some("breached") => ("danger", "sla-breached".into()),
        Some("at_risk") => ("warn", "sla-at_risk".into()),
        Some("running") => ("ok", "sla-running".into()),
        Some("paused") => ("info", "sla-paused".into()),
        Some("met") => ("ok", "sla-met".into()),
        _ => ("info", "sla-none".into()),
    }
}

/// A status message for a redirect's `?done=` key, if it names one this page knows.
pub fn done_message(v: &Viewer, done: Option<&str>) -> Option<String> {
    let key = format!("done-{}", done?);
    key.chars()
        .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
        .then(|| webkit::i18n::has(v.locale, &key))
        .filter(|known| *known)
        .map(|_| v.t(&key))
}

/// A refusal in words, for a list of results (one line per case).
pub fn service_message(v: &Viewer, e: platform::ServiceError) -> String {
    use platform::ServiceError as E;
    match e {
        E::Invalid(ms) => ms.iter().map(|m| v.msg(m)).collect::<Vec<_>>().join(" "),
        E::NotFound(m)
        | E::Forbidden(m)
        | E::Unauthenticated(m)
        | E::TooLarge(m)
        | E::Unavailable(m) => v.msg(&m),
        E::RateLimited { message, .. } => v.msg(&message),
        other => {
            tracing::error!(error = %other, "operation failed");
            v.t("error-internal")
        }
    }
}
