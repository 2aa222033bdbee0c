//! The identity module's permissions (staff, the second-factor policy, API clients) and the
//! roles that get them: its part of the permission table (`platform::authz`). The codes are
//! stable: they are stored and shown.

use platform::authz::{Permission, PermissionSet, Role};

pub const VIEW_STAFF: Permission = Permission::new("view_staff");
pub const MANAGE_STAFF: Permission = Permission::new("manage_staff");
pub const MANAGE_SECURITY_POLICY: Permission = Permission::new("manage_security_policy");
pub const MANAGE_API_CLIENTS: Permission = Permission::new("manage_api_clients");
/// Keep the register of personal-data breaches and their notification duties.
pub const MANAGE_BREACHES: Permission = Permission::new("manage_breaches");

/// Every permission the identity module declares.
pub const ALL: &[Permission] = &[
    VIEW_STAFF,
    MANAGE_STAFF,
    MANAGE_SECURITY_POLICY,
    MANAGE_API_CLIENTS,
    MANAGE_BREACHES,
];

/// Which roles get the identity module's permissions, within the role's scope.
pub const GRANTS: &[(Role, &[Permission])] = &[
    // A dispatcher sees the staff of their own department.
    (Role::Dispatcher, &[VIEW_STAFF]),
    (Role::Supervisor, &[VIEW_STAFF]),
    (
        Role::JurisdictionAdmin,
        &[
            VIEW_STAFF,
            MANAGE_STAFF,
            MANAGE_SECURITY_POLICY,
            MANAGE_API_CLIENTS,
        ],
    ),
    (Role::PrivacyOfficer, &[MANAGE_BREACHES]),
];

/// The identity module's part of the permission table.
pub const SET: PermissionSet = PermissionSet {
    module: "identity",
    declared: ALL,
    grants: GRANTS,
};
