//! Each module's part of the navigation registry (`webkit::page::nav`): its main-menu entries
//! and its administration sections, given to the frame only for the modules that run.

use platform::ModulesConfig;
use webkit::page::nav::{AdminSection, FRAME, NavPart};

/// The platform's administration: webhooks, notification templates, the job queue.
pub const PLATFORM: NavPart = NavPart {
    menu: &[],
    admin: &[
        AdminSection {
            href: "/admin/webhooks",
            title: "admin-webhooks",
            any_of: &[platform::permissions::MANAGE_WEBHOOKS],
            order: 60,
        },
        AdminSection {
            href: "/admin/templates",
            title: "admin-templates",
            any_of: &[platform::permissions::MANAGE_NOTIFICATIONS],
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
    let mut parts = vec![FRAME, PLATFORM, identity::pages::NAV];
    if modules.cases {
        parts.push(cases::pages::NAV);
    }
    parts
}
