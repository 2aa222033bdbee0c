//! Each module's part of the navigation registry (`webkit::page::nav`): its main-menu entries
//! and its administration sections, given to the frame only for the modules that run.

use platform::ModulesConfig;
use platform::authz::Permission;
use webkit::page::nav::{AdminSection, FRAME, NavPart};

/// Identity's administration: staff and API clients.
pub const IDENTITY: NavPart = NavPart {
    menu: &[],
    admin: &[
        AdminSection {
            href: "/admin/staff",
            title: "admin-staff",
            any_of: &[Permission::ManageStaff],
            order: 40,
        },
        AdminSection {
            href: "/admin/api-clients",
            title: "admin-clients",
            any_of: &[Permission::ManageApiClients],
            order: 50,
        },
    ],
};

/// The platform's administration: webhooks, notification templates, the job queue.
pub const PLATFORM: NavPart = NavPart {
    menu: &[],
    admin: &[
        AdminSection {
            href: "/admin/webhooks",
            title: "admin-webhooks",
            any_of: &[Permission::ManageWebhooks],
            order: 60,
        },
        AdminSection {
            href: "/admin/templates",
            title: "admin-templates",
            any_of: &[Permission::ManageNotifications],
            order: 70,
        },
        // Each kind of job is seen by who manages that kind (`admin::jobs`).
        AdminSection {
            href: "/admin/jobs",
            title: "admin-jobs",
            any_of: crate::admin::jobs::PERMISSIONS,
            order: 80,
        },
    ],
};

/// The parts of the modules that run.
pub fn parts(modules: ModulesConfig) -> Vec<NavPart> {
    let mut parts = vec![FRAME, PLATFORM, IDENTITY];
    if modules.cases {
        parts.push(cases::pages::NAV);
    }
    parts
}
