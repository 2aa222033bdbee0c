//! The frame's menu: which areas the signed-in account reaches, of the modules this instance
//! runs. Every page's frame asks this module, never an area's own pages, so the frame depends
//! on no area. An entry names its module, and a module switched off (`[modules]`) shows none.

use crate::page::Viewer;
use platform::Module;
use platform::authz::Permission;

/// An entry of the main menu: where, its section key (the page that is current), the text id
/// of its label, its module, and who sees it.
pub struct MenuEntry {
    pub href: &'static str,
    pub section: &'static str,
    pub label: &'static str,
    pub module: Module,
    pub shown: fn(&Viewer) -> bool,
}

/// The main menu, in order.
pub const MAIN_MENU: [MenuEntry; 9] = [
    MenuEntry {
        href: "/",
        section: "home",
        label: "nav-home",
        module: Module::Platform,
        shown: |_| true,
    },
    MenuEntry {
        href: "/report",
        section: "report",
        label: "nav-report",
        module: Module::Cases,
        shown: |_| true,
    },
    MenuEntry {
        href: "/track",
        section: "track",
        label: "nav-track",
        module: Module::Cases,
        shown: |_| true,
    },
    MenuEntry {
        href: "/my/cases",
        section: "my",
        label: "nav-my-cases",
        module: Module::Cases,
        shown: Viewer::is_citizen,
    },
    MenuEntry {
        href: "/desk",
        section: "desk",
        label: "nav-desk",
        module: Module::Cases,
        shown: |v| v.may(cases::permissions::HANDLE_CALLS),
    },
    MenuEntry {
        href: "/work",
        section: "work",
        label: "nav-work",
        module: Module::Cases,
        shown: |v| v.may(cases::permissions::DISPATCH_CASES),
    },
    MenuEntry {
        href: "/field",
        section: "field",
        label: "nav-field",
        module: Module::Cases,
        shown: |v| {
            v.may(cases::permissions::WORK_CASES) && !v.may(cases::permissions::DISPATCH_CASES)
        },
    },
    MenuEntry {
        href: "/supervise",
        section: "supervise",
        label: "nav-supervise",
        module: Module::Cases,
        shown: |v| {
            v.may(cases::permissions::VIEW_REPORTS)
                || v.may(platform::permissions::VIEW_AUDIT)
                || v.may(platform::permissions::MANAGE_CASE_RULES)
        },
    },
    MenuEntry {
        href: "/admin",
        section: "admin",
        label: "nav-admin",
        module: Module::Platform,
        shown: may_administer,
    },
];

/// The main menu as `v` sees it: (where, section key, label).
pub fn main_menu(v: &Viewer) -> Vec<(&'static str, &'static str, String)> {
    MAIN_MENU
        .iter()
        .filter(|e| v.modules.runs(e.module) && (e.shown)(v))
        .map(|e| (e.href, e.section, v.t(e.label)))
        .collect()
}

/// The sections of the administration: where, the title's text id (its lead is `<id>-lead`),
/// the permissions that open it (any of them), and its module.
pub const ADMIN_SECTIONS: [(&str, &str, &[Permission], Module); 9] = [
    (
        "/admin/categories",
        "admin-categories",
        &[platform::permissions::MANAGE_CASE_RULES],
        Module::Cases,
    ),
    (
        "/admin/rules",
        "admin-rules",
        &[platform::permissions::MANAGE_CASE_RULES],
        Module::Cases,
    ),
    (
        "/admin/sla",
        "admin-sla",
        &[platform::permissions::MANAGE_CASE_RULES],
        Module::Cases,
    ),
    (
        "/admin/staff",
        "admin-staff",
        &[identity::permissions::MANAGE_STAFF],
        Module::Identity,
    ),
    (
        "/admin/api-clients",
        "admin-clients",
        &[identity::permissions::MANAGE_API_CLIENTS],
        Module::Identity,
    ),
    (
        "/admin/webhooks",
        "admin-webhooks",
        &[platform::permissions::MANAGE_WEBHOOKS],
        Module::Platform,
    ),
    (
        "/admin/templates",
        "admin-templates",
        &[platform::permissions::MANAGE_NOTIFICATIONS],
        Module::Platform,
    ),
    // Each kind of job is seen by who manages that kind (`admin::jobs`).
    (
        "/admin/jobs",
        "admin-jobs",
        &[
            platform::permissions::MANAGE_NOTIFICATIONS,
            platform::permissions::MANAGE_WEBHOOKS,
        ],
        Module::Platform,
    ),
    (
        "/admin/answers",
        "admin-answers",
        &[cases::permissions::MANAGE_KNOWLEDGE],
        Module::Cases,
    ),
];

/// The administration's sections `v` may use, of the modules that run.
pub fn admin_sections(v: &Viewer) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    ADMIN_SECTIONS
        .iter()
        .filter(|(_, _, any, module)| v.modules.runs(*module) && any.iter().any(|p| v.may(*p)))
        .map(|(href, key, ..)| (*href, *key))
}

/// Whether `v` may use any section (the menu shows "Administration").
pub fn may_administer(v: &Viewer) -> bool {
    admin_sections(v).next().is_some()
}
