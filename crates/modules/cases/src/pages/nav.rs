//! The hotline's part of the navigation registry (`webkit::page::nav`).

use platform::authz::Permission;
use webkit::page::nav::{AdminSection, MenuEntry, NavPart};

/// The hotline's menu: reporting and tracking for everyone, then the staff's work places.
pub const NAV: NavPart = NavPart {
    menu: &[
        MenuEntry {
            href: "/report",
            section: "report",
            label: "nav-report",
            order: 10,
            shown: |_, _| true,
        },
        MenuEntry {
            href: "/track",
            section: "track",
            label: "nav-track",
            order: 20,
            shown: |_, _| true,
        },
        MenuEntry {
            href: "/my/cases",
            section: "my",
            label: "nav-my-cases",
            order: 30,
            shown: |v, _| v.is_citizen(),
        },
        MenuEntry {
            href: "/desk",
            section: "desk",
            label: "nav-desk",
            order: 40,
            shown: |v, _| v.may(Permission::HandleCalls),
        },
        MenuEntry {
            href: "/work",
            section: "work",
            label: "nav-work",
            order: 50,
            shown: |v, _| v.may(Permission::DispatchCases),
        },
        MenuEntry {
            href: "/field",
            section: "field",
            label: "nav-field",
            order: 60,
            shown: |v, _| v.may(Permission::WorkCases) && !v.may(Permission::DispatchCases),
        },
        MenuEntry {
            href: "/supervise",
            section: "supervise",
            label: "nav-supervise",
            order: 70,
            shown: |v, _| {
                v.may(Permission::ViewReports)
                    || v.may(Permission::ViewAudit)
                    || v.may(Permission::ManageCaseRules)
            },
        },
    ],
    admin: &[
        AdminSection {
            href: "/admin/categories",
            title: "admin-categories",
            any_of: &[Permission::ManageCaseRules],
            order: 10,
        },
        AdminSection {
            href: "/admin/rules",
            title: "admin-rules",
            any_of: &[Permission::ManageCaseRules],
            order: 20,
        },
        AdminSection {
            href: "/admin/sla",
            title: "admin-sla",
            any_of: &[Permission::ManageCaseRules],
            order: 30,
        },
        AdminSection {
            href: "/admin/answers",
            title: "admin-answers",
            any_of: &[Permission::ManageKnowledge],
            order: 90,
        },
    ],
};
