//! Identity's web pages: signing up, in (with the second factor) and out, resetting a
//! password, where an account starts (`/start`), enrolling the second factor, and the
//! administration of staff and API clients. Templates are in `templates/`; the frame is
//! webkit's. The module's admin sections are [`NAV`].

mod account;
mod breaches;
mod city_login;
mod clients;
mod consents;
mod mandates;
mod my_data;
mod mydata;
mod passkeys;
mod second_factor;
mod staff;

pub use account::start;

use crate::doors::IdentityState;
use axum::Router;
use webkit::page::nav::{AdminSection, MenuEntry, NavPart, Opens};

/// A refusal of the app as the page that asked shows it, in the viewer's language.
fn failed(
    v: &crate::doors::Viewer,
) -> impl Fn(platform::ServiceError) -> webkit::page::PageError + '_ {
    move |e| webkit::page::PageError::service(e, v.locale)
}

/// Every page route of the module.
pub fn routes() -> Router<IdentityState> {
    Router::new()
        .merge(account::routes())
        .merge(city_login::routes())
        .merge(consents::routes())
        .merge(mandates::routes())
        .merge(my_data::routes())
        .merge(mydata::routes())
        .merge(passkeys::routes())
        .merge(second_factor::routes())
        .merge(staff::routes())
        .merge(clients::routes())
        .merge(breaches::routes())
}

/// Identity's menu (a citizen's account) and administration (staff and API clients).
pub const NAV: NavPart = NavPart {
    menu: &[
        MenuEntry {
            href: "/account",
            section: "account",
            label: "nav-account",
            order: 35,
            shown: |v, _| v.is_citizen(),
            start: None,
        },
        // A staff member's own passkeys (citizens reach theirs from their account page).
        MenuEntry {
            href: "/account/passkeys",
            section: "passkeys",
            label: "nav-passkeys",
            order: 950,
            shown: |v, _| v.signed_in_label().is_some() && !v.is_citizen(),
            start: None,
        },
        // The data protection officer's work: the breach register, where they start.
        MenuEntry {
            href: "/admin/breaches",
            section: "breaches",
            label: "nav-breaches",
            order: 860,
            shown: |v, _| v.may(crate::permissions::MANAGE_BREACHES),
            start: Some(webkit::page::nav::Start::at(20)),
        },
    ],
    admin: &[
        AdminSection {
            href: "/admin/staff",
            title: "admin-staff",
            opens: Opens::AnyOf(&[crate::permissions::MANAGE_STAFF]),
            order: 40,
        },
        AdminSection {
            href: "/admin/api-clients",
            title: "admin-clients",
            opens: Opens::AnyOf(&[crate::permissions::MANAGE_API_CLIENTS]),
            order: 50,
        },
        AdminSection {
            href: "/admin/breaches",
            title: "admin-breaches",
            opens: Opens::AnyOf(&[crate::permissions::MANAGE_BREACHES]),
            order: 60,
        },
    ],
    search: &[],
};
