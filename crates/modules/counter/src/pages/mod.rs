//! The module's pages: the citizen's (the catalogue, a service, an application from draft to
//! pickup) in the GOV.UK patterns, and the clerk's (the queue, an application with its
//! documents and decisions).

mod admin;
mod applications;
mod bookings;
mod catalogue;
mod clerk;
mod fields;
mod smart_desk;

use crate::module::{CounterState, MANAGE_COUNTER, REVIEW_APPLICATIONS};
use axum::Router;
use webkit::page::nav::{AdminSection, MenuEntry, NavPart, Opens, Start, Visitor};

pub fn routes() -> Router<CounterState> {
    Router::new()
        .merge(catalogue::routes())
        .merge(applications::routes())
        .merge(clerk::routes())
        .merge(smart_desk::routes())
        .merge(bookings::routes())
        .merge(admin::routes())
        .merge(crate::device_api::routes())
}

fn not_staff(v: &dyn Visitor) -> bool {
    v.is_citizen() || v.signed_in_label().is_none()
}

/// The citizen's "online services" and the clerk's queue.
pub const NAV: NavPart = NavPart {
    menu: &[
        MenuEntry {
            href: "/services",
            section: "services",
            label: "counter-nav-services",
            order: 25,
            shown: |v, _| not_staff(v),
            start: None,
        },
        MenuEntry {
            href: "/staff/counter",
            section: "counter",
            label: "counter-nav-queue",
            order: 65,
            shown: |v, _| v.may(REVIEW_APPLICATIONS),
            start: Some(Start::at(55)),
        },
    ],
    admin: &[AdminSection {
        href: "/admin/counter",
        title: "counter-admin-title",
        opens: Opens::AnyOf(&[MANAGE_COUNTER]),
        order: 60,
    }],
    search: &[],
};

/// The jurisdiction a page serves: the signed-in person's, else the instance's.
pub(crate) async fn jurisdiction_of(
    state: &CounterState,
    v: &identity::doors::Viewer,
) -> Result<String, webkit::page::PageError> {
    match v.signed_in() {
        Some(a) => Ok(a.jurisdiction_id.clone()),
        None => Ok(
            webkit::page::jurisdiction(state.module.platform(), v.locale)
                .await?
                .id,
        ),
    }
}

/// NT$ with thousands separators.
pub(crate) fn ntd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("NT${out}")
}
