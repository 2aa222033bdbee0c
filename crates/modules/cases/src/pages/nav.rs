//! The hotline's part of the navigation registry (`webkit::page::nav`).
use webkit::page::nav::{AdminSection, MenuEntry, NavPart, Opens, Start, Visitor};

/// Whether the viewer is not signed-in staff: staff headers carry their work places, not the
/// citizen's links.
fn not_staff(v: &dyn Visitor) -> bool {
    v.is_citizen() || v.signed_in_label().is_none()
}

/// The hotline's menu: reporting and tracking for citizens and visitors, then the staff's work
/// places.
pub const NAV: NavPart = NavPart {
    menu: &[
        MenuEntry {
            href: "/report",
            section: "report",
            label: "nav-report",
            order: 10,
            shown: |v, _| not_staff(v),
            start: None,
        },
        MenuEntry {
            href: "/track",
            section: "track",
            label: "nav-track",
            order: 20,
            shown: |v, _| not_staff(v),
            start: None,
        },
        MenuEntry {
            href: "/my/cases",
            section: "my",
            label: "nav-my-cases",
            order: 30,
            shown: |v, _| v.is_citizen(),
            start: Some(Start::at(60)),
        },
        MenuEntry {
            href: "/desk",
            section: "desk",
            label: "nav-desk",
            order: 40,
            shown: |v, _| v.may(crate::permissions::HANDLE_CALLS),
            start: Some(Start::at(50)),
        },
        MenuEntry {
            href: "/work",
            section: "work",
            label: "nav-work",
            order: 50,
            shown: |v, _| v.may(crate::permissions::DISPATCH_CASES),
            start: Some(Start::at(20)),
        },
        MenuEntry {
            href: "/field",
            section: "field",
            label: "nav-field",
            order: 60,
            shown: |v, _| {
                v.may(crate::permissions::WORK_CASES) && !v.may(crate::permissions::DISPATCH_CASES)
            },
            start: Some(Start::at(40)),
        },
        MenuEntry {
            href: "/supervise",
            section: "supervise",
            label: "nav-supervise",
            order: 70,
            shown: |v, _| {
                v.may(crate::permissions::VIEW_REPORTS)
                    || v.may(platform::permissions::VIEW_AUDIT)
                    || v.may(platform::permissions::MANAGE_CASE_RULES)
            },
            start: Some(Start::at(30)),
        },
    ],
    admin: &[
        AdminSection {
            href: "/admin/categories",
            title: "admin-categories",
            opens: Opens::AnyOf(&[platform::permissions::MANAGE_CASE_RULES]),
            order: 10,
        },
        AdminSection {
            href: "/admin/rules",
            title: "admin-rules",
            opens: Opens::AnyOf(&[platform::permissions::MANAGE_CASE_RULES]),
            order: 20,
        },
        AdminSection {
            href: "/admin/sla",
            title: "admin-sla",
            opens: Opens::AnyOf(&[platform::permissions::MANAGE_CASE_RULES]),
            order: 30,
        },
        AdminSection {
            href: "/admin/answers",
            title: "admin-answers",
            opens: Opens::AnyOf(&[crate::permissions::MANAGE_KNOWLEDGE]),
            order: 90,
        },
    ],
    search: &[crate::pages::staff::find::SEARCH],
};
