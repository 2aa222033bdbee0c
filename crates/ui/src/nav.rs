//! The frame's menu: which areas the signed-in account reaches. Every page's frame asks this
//! module, never an area's own pages, so the frame depends on no area.

use crate::page::Viewer;
use services::authz::Permission;

/// The sections of the administration: where, the title's text id (its lead is `<id>-lead`),
/// and the permission it needs.
pub const ADMIN_SECTIONS: [(&str, &str, Permission); 8] = [
    (
        "/admin/categories",
        "admin-categories",
        Permission::ManageCaseRules,
    ),
    ("/admin/rules", "admin-rules", Permission::ManageCaseRules),
    ("/admin/sla", "admin-sla", Permission::ManageCaseRules),
    ("/admin/staff", "admin-staff", Permission::ManageStaff),
    (
        "/admin/api-clients",
        "admin-clients",
        Permission::ManageApiClients,
    ),
    (
        "/admin/webhooks",
        "admin-webhooks",
        Permission::ManageWebhooks,
    ),
    (
        "/admin/templates",
        "admin-templates",
        Permission::ManageNotifications,
    ),
    (
        "/admin/answers",
        "admin-answers",
        Permission::ManageKnowledge,
    ),
];

/// Whether `v` may use any section (the menu shows "Administration").
pub fn may_administer(v: &Viewer) -> bool {
    ADMIN_SECTIONS.iter().any(|(_, _, p)| v.may(*p))
}
