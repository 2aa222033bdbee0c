//! The cases module's permissions (cases, calls, dispatch, field work, reports, knowledge) and
//! the roles that get them: its part of the permission table (`platform::authz`). The codes are
//! stable: they are stored and shown. The case rules' screens check the platform's
//! `MANAGE_CASE_RULES`, which the catalogue's administration shares.

use platform::authz::{Permission, PermissionSet, Role};

pub const VIEW_CASES: Permission = Permission::new("view_cases");
pub const FILE_CASES: Permission = Permission::new("file_cases");
/// The agent's desk: caller lookup, contacts, out-calls.
pub const HANDLE_CALLS: Permission = Permission::new("handle_calls");
pub const DISPATCH_CASES: Permission = Permission::new("dispatch_cases");
pub const WORK_CASES: Permission = Permission::new("work_cases");
pub const VIEW_REPORTS: Permission = Permission::new("view_reports");
/// The agents' knowledge base.
pub const MANAGE_KNOWLEDGE: Permission = Permission::new("manage_knowledge");
/// Reading how to reach a case's reporters (name, phone, e-mail): audited at every read.
pub const CONTACT_REPORTERS: Permission = Permission::new("contact_reporters");

/// Every permission the cases module declares.
pub const ALL: &[Permission] = &[
    VIEW_CASES,
    FILE_CASES,
    HANDLE_CALLS,
    DISPATCH_CASES,
    WORK_CASES,
    VIEW_REPORTS,
    MANAGE_KNOWLEDGE,
    CONTACT_REPORTERS,
];

/// Which roles get the cases module's permissions, within the role's scope.
pub const GRANTS: &[(Role, &[Permission])] = &[
    (
        Role::Agent,
        &[VIEW_CASES, FILE_CASES, HANDLE_CALLS, CONTACT_REPORTERS],
    ),
    // A dispatcher's statistics cover their own department.
    (
        Role::Dispatcher,
        &[
            VIEW_CASES,
            DISPATCH_CASES,
            WORK_CASES,
            VIEW_REPORTS,
            CONTACT_REPORTERS,
        ],
    ),
    // Field workers see and work only the cases assigned to them (checked in casework).
    (Role::FieldWorker, &[WORK_CASES, CONTACT_REPORTERS]),
    (
        Role::Supervisor,
        &[
            VIEW_CASES,
            HANDLE_CALLS,
            VIEW_REPORTS,
            MANAGE_KNOWLEDGE,
            CONTACT_REPORTERS,
        ],
    ),
    (
        Role::JurisdictionAdmin,
        &[
            VIEW_CASES,
            FILE_CASES,
            HANDLE_CALLS,
            DISPATCH_CASES,
            WORK_CASES,
            VIEW_REPORTS,
            MANAGE_KNOWLEDGE,
            CONTACT_REPORTERS,
        ],
    ),
];

/// The cases module's part of the permission table.
pub const SET: PermissionSet = PermissionSet {
    module: "cases",
    declared: ALL,
    grants: GRANTS,
};
