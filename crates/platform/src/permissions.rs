//! The platform's own permissions (the audit trail, personal-data reads, notifications,
//! webhooks, the catalogue and its case rules) and the roles that get them: its part of the
//! permission table (`authz::registry`). The codes are stable: they are stored and shown.

use crate::authz::{Permission, PermissionSet, Role};

pub const VIEW_AUDIT: Permission = Permission::new("view_audit");
/// A staff read of a citizen's personal data (audited).
pub const READ_PERSONAL_DATA: Permission = Permission::new("read_personal_data");
pub const MANAGE_NOTIFICATIONS: Permission = Permission::new("manage_notifications");
pub const VIEW_NOTIFICATION_LOG: Permission = Permission::new("view_notification_log");
/// The catalogue (departments, districts, categories and their questions) and the case rules it
/// carries: declared here because the catalogue's administration is the platform's
/// (`catalog_admin`); the cases module's rule screens check the same permission.
pub const MANAGE_CASE_RULES: Permission = Permission::new("manage_case_rules");
pub const MANAGE_WEBHOOKS: Permission = Permission::new("manage_webhooks");

/// Every permission the platform declares.
pub const ALL: &[Permission] = &[
    VIEW_AUDIT,
    READ_PERSONAL_DATA,
    MANAGE_NOTIFICATIONS,
    VIEW_NOTIFICATION_LOG,
    MANAGE_CASE_RULES,
    MANAGE_WEBHOOKS,
];

/// Which roles get the platform's permissions, within the role's scope.
pub const GRANTS: &[(Role, &[Permission])] = &[
    (Role::Agent, &[READ_PERSONAL_DATA]),
    (
        Role::Supervisor,
        &[VIEW_AUDIT, READ_PERSONAL_DATA, VIEW_NOTIFICATION_LOG],
    ),
    (Role::CounterClerk, &[READ_PERSONAL_DATA]),
    // Community managers hold nothing yet: the smart-community module will grant theirs.
    (Role::CommunityManager, &[]),
    (
        Role::JurisdictionAdmin,
        &[
            VIEW_AUDIT,
            READ_PERSONAL_DATA,
            MANAGE_NOTIFICATIONS,
            VIEW_NOTIFICATION_LOG,
            MANAGE_CASE_RULES,
            MANAGE_WEBHOOKS,
        ],
    ),
];

/// The platform's part of the permission table.
pub const SET: PermissionSet = PermissionSet {
    module: "platform",
    declared: ALL,
    grants: GRANTS,
};
