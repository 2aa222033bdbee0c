//! The frame's menu: which areas the signed-in account reaches. Every page's frame asks this
//! module, never an area's own pages, so the frame depends on no area.

use crate::page::Viewer;
use platform::authz::Permission;

/// The sections of the administration: where, the title's text id (its lead is `<id>-lead`),
/// and the permissions that open it (any of them).
pub const ADMIN_SECTIONS: [(&str, &str, &[Permission]); 9] = [
    (
        "/admin/categories",
        "admin-categories",
        &[Permission::ManageCaseRules],
    ),
    (
        "/admin/rules",
        "admin-rules",
        &[Permission::ManageCaseRules],
    ),
    ("/admin/sla", "admin-sla", &[Permission::ManageCaseRules]),
    ("/admin/staff", "admin-staff", &[Permission::ManageStaff]),
    (
        "/admin/api-clients",
        "admin-clients",
        &[Permission::ManageApiClients],
    ),
    (
        "/admin/webhooks",
        "admin-webhooks",
        &[Permission::ManageWebhooks],
    ),
    (
        "/admin/templates",
        "admin-templates",
        &[Permission::ManageNotifications],
    ),
    // Each kind of job is seen by who manages that kind (`admin::jobs`).
    (
        "/admin/jobs",
        "admin-jobs",
        &[Permission::ManageNotifications, Permission::ManageWebhooks],
    ),
    (
        "/admin/answers",
        "admin-answers",
        &[Permission::ManageKnowledge],
    ),
];

/// Whether `v` may use any section (the menu shows "Administration").
pub fn may_administer(v: &Viewer) -> bool {
    ADMIN_SECTIONS
        .iter()
        .any(|(_, _, any)| any.iter().any(|p| v.may(*p)))
}
