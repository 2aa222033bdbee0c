//! The frame's and the platform's parts of the navigation registry (`webkit::page::nav`); each
//! module's part comes with its doors (`webkit::module::ModuleDoors::navigation`), given to the
//! frame only for the modules that run.

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

/// The frame's and the platform's parts.
pub fn parts() -> Vec<NavPart> {
    vec![FRAME, PLATFORM]
}
