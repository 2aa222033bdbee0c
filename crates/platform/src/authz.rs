//! Who may do what: one permission table (role × permission × reach) that is the single source
//! of truth. The roles are the jurisdiction's staff roles, shared by every module; the
//! permissions are open values that each module declares with the roles that get them
//! ([`registry`]: `platform::permissions`, `identity::permissions`, `cases::permissions`), and
//! the composition root assembles the table from the modules' parts. The use cases call
//! [`Actor::require`] (or [`Actor::departments_for`] for lists) before acting; handlers never
//! decide. A role is held within a scope — the whole jurisdiction, one department, or one
//! community — and a grant only reaches targets inside its scope.

use crate::{Result, ServiceError};
use domain::Message;
use domain::actor::ActorRef;
use domain::enums::string_enum;

mod registry;
pub use registry::{Permission, PermissionSet, Permissions, RegistryError};

string_enum!(
    /// Staff roles.
    Role {
        Agent = "agent",
        Dispatcher = "dispatcher",
        FieldWorker = "field_worker",
        Supervisor = "supervisor",
        CounterClerk = "counter_clerk",
        CommunityManager = "community_manager",
        JurisdictionAdmin = "jurisdiction_admin",
        /// 個人資料保護長: the data protection officer a public agency must appoint (PDPA as
        /// amended in 2025), who keeps the breach register.
        PrivacyOfficer = "privacy_officer",
    }
);

string_enum!(
    /// What a role may be held for.
    ScopeKind {
        Jurisdiction = "jurisdiction",
        Department = "department",
        Community = "community",
    }
);

impl Role {
    /// The scopes this role may be granted in.
    pub fn scope_kinds(self) -> &'static [ScopeKind] {
        use ScopeKind::*;
        match self {
            Role::Agent | Role::Supervisor | Role::JurisdictionAdmin | Role::PrivacyOfficer => {
                &[Jurisdiction]
            }
            Role::Dispatcher | Role::FieldWorker => &[Department],
            Role::CounterClerk => &[Jurisdiction, Department],
            Role::CommunityManager => &[Community],
        }
    }
}

/// A role held within a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    pub role: Role,
    pub scope: ScopeKind,
    /// The department code or community id; the jurisdiction id for jurisdiction-wide grants.
    pub scope_id: String,
}

/// The scope a door names for a role it grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeGiven<'a> {
    /// No scope: the role is held for the whole jurisdiction.
    Whole,
    /// An id whose kind follows from the role: a department for roles held in departments, a
    /// community for community roles; the jurisdiction's own id for jurisdiction-wide ones.
    Id(&'a str),
    Department(&'a str),
    Community(&'a str),
}

/// Why a role could not be granted as named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    /// The role is held in a department or a community, and none was named.
    #[error("role {0} needs a scope: {0}:DEPARTMENT-or-COMMUNITY")]
    NeedsScope(Role),
    /// The role is held for the whole jurisdiction, and another scope was named.
    #[error("role {role} is held for the whole jurisdiction, not for {scope:?}")]
    WholeJurisdiction { role: Role, scope: String },
}

impl GrantError {
    pub fn message(&self) -> Message {
        match self {
            GrantError::UnknownRole(role) => Message::new("error-role-unknown").arg("role", role),
            GrantError::NeedsScope(role) => {
                Message::new("error-role-needs-scope").arg("role", role.as_str())
            }
            GrantError::WholeJurisdiction { role, scope } => Message::new("error-role-scope")
                .arg("role", role.as_str())
                .arg("scope", scope),
        }
    }
}

impl Grant {
    /// Reads a role and the scope it is granted in, as every door names them. Whether the
    /// department exists is checked when the grant is saved.
    pub fn parse(
        jurisdiction_id: &str,
        role: &str,
        scope: ScopeGiven<'_>,
    ) -> std::result::Result<Grant, GrantError> {
        let role = Role::parse(role.trim())
            .ok_or_else(|| GrantError::UnknownRole(role.trim().to_string()))?;
        let kinds = role.scope_kinds();
        let grant = |scope, scope_id: &str| Grant {
            role,
            scope,
            scope_id: scope_id.to_string(),
        };
        let wrong = |given: &str| {
            if kinds.contains(&ScopeKind::Jurisdiction) {
                GrantError::WholeJurisdiction {
                    role,
                    scope: given.to_string(),
                }
            } else {
                GrantError::NeedsScope(role)
            }
        };
        let named = |kind, id: &str| {
            if kinds.contains(&kind) {
                Ok(grant(kind, id))
            } else {
                Err(wrong(id))
            }
        };
        match scope {
            ScopeGiven::Id(id) if !id.trim().is_empty() => {
                let id = id.trim();
                if kinds.contains(&ScopeKind::Department) {
                    Ok(grant(ScopeKind::Department, id))
                } else if kinds.contains(&ScopeKind::Community) {
                    Ok(grant(ScopeKind::Community, id))
                } else if id == jurisdiction_id {
                    Ok(grant(ScopeKind::Jurisdiction, id))
                } else {
                    // Refused, not quietly widened to the whole jurisdiction (security review,
                    // F25).
                    Err(wrong(id))
                }
            }
            ScopeGiven::Department(id) => named(ScopeKind::Department, id),
            ScopeGiven::Community(id) => named(ScopeKind::Community, id),
            ScopeGiven::Whole | ScopeGiven::Id(_) => {
                if kinds.contains(&ScopeKind::Jurisdiction) {
                    Ok(grant(ScopeKind::Jurisdiction, jurisdiction_id))
                } else {
                    Err(GrantError::NeedsScope(role))
                }
            }
        }
    }
}

/// What an action touches, for deciding whether a scoped grant reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Something of the whole jurisdiction: only jurisdiction-wide grants reach it.
    Jurisdiction,
    Department(&'a str),
    Community(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Staff,
    Citizen,
    /// The command line or a background job acting for the operator.
    System,
}

/// Who is acting, as established by a session, an access token, or the CLI.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: Option<String>,
    pub jurisdiction_id: String,
    pub kind: ActorKind,
    /// The display name, kept in audit records.
    pub label: String,
    pub grants: Vec<Grant>,
    /// The permission table the grants are read against: the platform's, assembled by the
    /// composition root (`Platform::permissions`). [`Permissions::NONE`] for an actor without
    /// grants (the operator, who may do everything anyway, or a citizen).
    pub permissions: Permissions,
    /// The HTTP request id, kept in audit records.
    pub request_id: Option<String>,
}

impl Actor {
    /// The operator at the command line: may do everything in the jurisdiction.
    pub fn system(jurisdiction_id: &str, label: &str) -> Actor {
        Actor {
            account_id: None,
            jurisdiction_id: jurisdiction_id.to_string(),
            kind: ActorKind::System,
            label: label.to_string(),
            grants: Vec::new(),
            permissions: Permissions::NONE,
            request_id: None,
        }
    }

    pub fn with_request_id(mut self, id: Option<String>) -> Actor {
        self.request_id = id;
        self
    }

    /// Whether this actor may do `permission` to `target`.
    pub fn may(&self, permission: Permission, target: Target<'_>) -> bool {
        if self.kind == ActorKind::System {
            return true;
        }
        self.grants.iter().any(|g| {
            self.permissions.role_has(g.role, permission)
                && match (g.scope, target) {
                    (ScopeKind::Jurisdiction, _) => true,
                    (ScopeKind::Department, Target::Department(d)) => g.scope_id == d,
                    (ScopeKind::Community, Target::Community(c)) => g.scope_id == c,
                    _ => false,
                }
        })
    }

    /// Whether the actor holds `permission` anywhere (any department or community): what a
    /// menu shows before the target is known.
    pub fn may_somewhere(&self, permission: Permission) -> bool {
        self.kind == ActorKind::System
            || self
                .grants
                .iter()
                .any(|g| self.permissions.role_has(g.role, permission))
    }

    pub fn require(&self, permission: Permission, target: Target<'_>) -> Result<()> {
        if self.may(permission, target) {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// For list views: `None` if the actor reaches the whole jurisdiction, otherwise the
    /// departments their grants for `permission` cover (empty: no access at all).
    pub fn departments_for(&self, permission: Permission) -> Option<Vec<String>> {
        if self.may(permission, Target::Jurisdiction) {
            return None;
        }
        let mut ds: Vec<String> = self
            .grants
            .iter()
            .filter(|g| {
                g.scope == ScopeKind::Department && self.permissions.role_has(g.role, permission)
            })
            .map(|g| g.scope_id.clone())
            .collect();
        ds.sort();
        ds.dedup();
        Some(ds)
    }

    pub fn is_staff(&self) -> bool {
        self.kind == ActorKind::Staff
    }

    pub fn is_citizen(&self) -> bool {
        self.kind == ActorKind::Citizen
    }

    /// How this actor is named in the case events it writes: its account as staff (only staff
    /// act on cases through an `Actor`), or the operator under its label.
    pub fn event_ref(&self) -> ActorRef {
        match &self.account_id {
            Some(id) => ActorRef::Staff {
                account_id: id.clone(),
            },
            None => ActorRef::system(&self.label),
        }
    }

    /// The account id of a signed-in person; Forbidden for the system actor.
    pub fn account(&self) -> Result<&str> {
        self.account_id.as_deref().ok_or_else(forbidden)
    }
}

pub fn forbidden() -> ServiceError {
    ServiceError::Forbidden(Message::new("error-forbidden"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_is_read_the_same_way_whatever_door_names_it() {
        let parse = |role, scope| Grant::parse("j", role, scope);
        let g = |role, scope, id: &str| Grant {
            role,
            scope,
            scope_id: id.into(),
        };
        assert_eq!(
            parse("dispatcher", ScopeGiven::Id(" PWD ")),
            Ok(g(Role::Dispatcher, ScopeKind::Department, "PWD"))
        );
        assert_eq!(
            parse("dispatcher", ScopeGiven::Department("PWD")),
            Ok(g(Role::Dispatcher, ScopeKind::Department, "PWD"))
        );
        assert_eq!(
            parse("supervisor", ScopeGiven::Whole),
            Ok(g(Role::Supervisor, ScopeKind::Jurisdiction, "j"))
        );
        assert_eq!(
            parse("supervisor", ScopeGiven::Id("j")),
            Ok(g(Role::Supervisor, ScopeKind::Jurisdiction, "j"))
        );
        assert_eq!(
            parse("counter_clerk", ScopeGiven::Id("PWD")),
            Ok(g(Role::CounterClerk, ScopeKind::Department, "PWD"))
        );
        assert_eq!(
            parse("community_manager", ScopeGiven::Id("c1")),
            Ok(g(Role::CommunityManager, ScopeKind::Community, "c1"))
        );
        assert_eq!(
            parse("supervisor", ScopeGiven::Id("PWD")),
            Err(GrantError::WholeJurisdiction {
                role: Role::Supervisor,
                scope: "PWD".into()
            })
        );
        assert_eq!(
            parse("supervisor", ScopeGiven::Department("PWD")),
            Err(GrantError::WholeJurisdiction {
                role: Role::Supervisor,
                scope: "PWD".into()
            })
        );
        assert_eq!(
            parse("dispatcher", ScopeGiven::Whole),
            Err(GrantError::NeedsScope(Role::Dispatcher))
        );
        assert_eq!(
            parse("dispatcher", ScopeGiven::Id(" ")),
            Err(GrantError::NeedsScope(Role::Dispatcher))
        );
        assert_eq!(
            parse("mayor", ScopeGiven::Whole),
            Err(GrantError::UnknownRole("mayor".into()))
        );
    }

    // A module's permissions as a test sees them: shaped like identity's staff permissions.
    const VIEW: Permission = Permission::new("test_view");
    const MANAGE: Permission = Permission::new("test_manage");
    const TEST: PermissionSet = PermissionSet {
        module: "test",
        declared: &[VIEW, MANAGE],
        grants: &[
            (Role::Dispatcher, &[VIEW]),
            (Role::JurisdictionAdmin, &[VIEW, MANAGE]),
        ],
    };
    const TABLE: Permissions = Permissions::new(&[&crate::permissions::SET, &TEST]);

    fn actor(grants: &[(Role, ScopeKind, &str)]) -> Actor {
        Actor {
            account_id: Some("a".into()),
            jurisdiction_id: "j".into(),
            kind: ActorKind::Staff,
            label: "x".into(),
            grants: grants
                .iter()
                .map(|(role, scope, id)| Grant {
                    role: *role,
                    scope: *scope,
                    scope_id: id.to_string(),
                })
                .collect(),
            permissions: TABLE,
            request_id: None,
        }
    }

    #[test]
    fn department_grants_reach_only_their_department() {
        let d = actor(&[(Role::Dispatcher, ScopeKind::Department, "PWD")]);
        assert!(d.may(VIEW, Target::Department("PWD")));
        assert!(!d.may(VIEW, Target::Department("EPB")));
        assert!(!d.may(VIEW, Target::Jurisdiction));
        assert_eq!(d.departments_for(VIEW), Some(vec!["PWD".to_string()]));
        assert!(!d.may(MANAGE, Target::Department("PWD")));
        assert!(d.may_somewhere(VIEW));
        assert!(!d.may_somewhere(MANAGE));
        let admin = actor(&[(Role::JurisdictionAdmin, ScopeKind::Jurisdiction, "j")]);
        assert!(admin.may(MANAGE, Target::Department("EPB")));
        assert_eq!(admin.departments_for(VIEW), None);
        assert!(
            actor(&[])
                .require(crate::permissions::VIEW_AUDIT, Target::Jurisdiction)
                .is_err()
        );
        // Grants are read against the actor's table: without it, a role holds nothing.
        let mut bare = admin.clone();
        bare.permissions = Permissions::NONE;
        assert!(!bare.may(MANAGE, Target::Jurisdiction));
        assert_eq!(bare.departments_for(VIEW), Some(vec![]));
        assert!(Actor::system("j", "op").may(MANAGE, Target::Jurisdiction));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        for p in TABLE.all() {
            assert_eq!(TABLE.parse(p.as_str()), Some(p));
        }
    }
}
