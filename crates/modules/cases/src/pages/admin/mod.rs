//! The hotline's administration: the catalogue's categories, routing and triage rules, SLA
//! policies and the business calendar. Each needs `manage_case_rules`; the module checks it
//! again on every change.

mod categories;
mod rule_form;
mod rules;
pub(crate) mod sla;

pub use identity::doors::require;
pub use webkit::page::admin::{Done, Fields, done_message, field_of, row_of};
pub use webkit::page::{PageResult, Stop, failed};

use crate::doors::CasesState;
use axum::Router;

pub fn routes() -> Router<CasesState> {
    Router::new()
        .merge(categories::routes())
        .merge(rules::routes())
        .merge(rule_form::routes())
        .merge(sla::routes())
}

#[cfg(test)]
mod tests {
    use domain::Locale;

    /// Labels built from codes of the SLA and calendar pages exist in both languages.
    #[test]
    fn every_label_built_from_a_code_is_translated() {
        crate::module::install_messages().unwrap();
        let mut keys: Vec<String> = Vec::new();
        for clock in super::sla::CLOCKS {
            keys.push(format!("admin-clock-{clock}"));
            keys.push(format!("admin-clock-{clock}-hint"));
        }
        for kind in ["holiday", "makeup_workday", "closure"] {
            keys.push(format!("admin-calendar-kind-{kind}"));
            keys.push(format!("admin-calendar-kind-{kind}-hint"));
        }
        for key in &keys {
            for locale in Locale::ALL {
                assert!(webkit::i18n::has(locale, key), "{key} in {locale:?}");
            }
        }
    }
}
