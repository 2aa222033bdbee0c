//! The frame's and the platform's parts of the navigation registry (`webkit::page::nav`); each
//! module's part comes with its doors (`webkit::module::ModuleDoors::navigation`), given to the
//! frame only for the modules that run.

use webkit::page::nav::{AdminSection, FRAME, NavPart, Opens};

/// The platform's administration: webhooks, notification templates, the job queue.
pub const PLATFORM: NavPart = NavPart {
    menu: &[],
    admin: &[
        AdminSection {
            href: "/admin/webhooks",
            title: "admin-webhooks",
            opens: Opens::AnyOf(&[platform::permissions::MANAGE_WEBHOOKS]),
            order: 60,
        },
        AdminSection {
            href: "/admin/templates",
            title: "admin-templates",
            opens: Opens::AnyOf(&[platform::permissions::MANAGE_NOTIFICATIONS]),
            order: 70,
        },
        // Each kind of job is seen by who administers that kind (`admin::jobs`).
        AdminSection {
            href: "/admin/jobs",
            title: "admin-jobs",
            opens: Opens::JobAdministrators,
            order: 80,
        },
    ],
    search: &[],
};

/// The frame's and the platform's parts.
pub fn parts() -> Vec<NavPart> {
    vec![FRAME, PLATFORM]
}
