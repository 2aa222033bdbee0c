//! The permission registry. A [`Permission`] is an open value named by a stable code; each
//! module declares its own (`platform::permissions`, `identity::permissions`,
//! `cases::permissions`) with the roles that get them, as one [`PermissionSet`], and the
//! composition root's list of the modules it compiles (`ModuleDef::permissions`) is the
//! [`Permissions`] table. The registry is plain `'static` data; there is no global mutable
//! state. It reaches an [`Actor`](super::Actor) when the actor is built (the `Platform`
//! carries the build, see `Platform::with_modules`), so checks never thread it through.

use super::Role;
use std::fmt;

/// Something a staff member may be allowed to do, named by its code. The code is stable: it is
/// what the database, the API and the pages show, so a permission is never renamed. Declare one
/// as a `const` in the module that owns it: `pub const HANDLE_CALLS: Permission =
/// Permission::new("handle_calls");`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission(&'static str);

impl Permission {
    pub const fn new(code: &'static str) -> Permission {
        Permission(code)
    }

    /// The stable code.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Permission").field(&self.0).finish()
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl serde::Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// One module's part of the permission table: the permissions it declares and which roles get
/// them. A module grants its own permissions; every grant names a declared permission.
#[derive(Debug)]
pub struct PermissionSet {
    /// The module's name, for error messages.
    pub module: &'static str,
    /// Every permission the module owns, each once.
    pub declared: &'static [Permission],
    /// Each row grants permissions to a role within the role's scope.
    pub grants: &'static [(Role, &'static [Permission])],
}

/// The permission table of a build: the [`PermissionSet`]s of the modules it compiles.
#[derive(Debug, Clone, Copy)]
pub struct Permissions {
    parts: Parts,
}

/// Where a table's sets are: listed, or each module's of a build.
#[derive(Clone, Copy)]
enum Parts {
    Sets(&'static [&'static PermissionSet]),
    Modules(&'static [&'static crate::ModuleDef]),
}

/// Why a list of permission sets is not a consistent table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("permission {code:?} is declared by {first} and again by {second}")]
    DeclaredTwice {
        code: &'static str,
        first: &'static str,
        second: &'static str,
    },
    #[error("{module} grants {code:?} to {role}, but no module declares it")]
    Undeclared {
        module: &'static str,
        role: Role,
        code: &'static str,
    },
}

impl fmt::Debug for Parts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Parts::Sets(sets) => f.debug_tuple("Sets").field(sets).finish(),
            Parts::Modules(modules) => f
                .debug_tuple("Modules")
                .field(&modules.iter().map(|m| m.module).collect::<Vec<_>>())
                .finish(),
        }
    }
}

impl Permissions {
    /// No permissions at all: what an actor that needs none (the operator, a citizen acting
    /// on their own account) carries.
    pub const NONE: Permissions = Permissions {
        parts: Parts::Sets(&[]),
    };

    /// The table of these sets.
    pub const fn new(parts: &'static [&'static PermissionSet]) -> Permissions {
        Permissions {
            parts: Parts::Sets(parts),
        }
    }

    /// The table of a build: each module's set ([`ModuleDef::permissions`](crate::ModuleDef)).
    pub const fn of_modules(build: &'static [&'static crate::ModuleDef]) -> Permissions {
        Permissions {
            parts: Parts::Modules(build),
        }
    }

    /// The sets of the table, module by module.
    pub fn parts(&self) -> impl Iterator<Item = &'static PermissionSet> + 'static {
        #[allow(clippy::type_complexity)]
        let (sets, modules): (
            &'static [&'static PermissionSet],
            &'static [&'static crate::ModuleDef],
        ) = match self.parts {
            Parts::Sets(sets) => (sets, &[]),
            Parts::Modules(modules) => (&[], modules),
        };
        sets.iter()
            .copied()
            .chain(modules.iter().map(|m| m.permissions))
    }

    /// Every declared permission, module by module in declaration order.
    pub fn all(&self) -> impl Iterator<Item = Permission> + 'static {
        self.parts().flat_map(|p| p.declared.iter().copied())
    }

    /// The declared permission with this code.
    pub fn parse(&self, code: &str) -> Option<Permission> {
        self.all().find(|p| p.as_str() == code)
    }

    /// Whether some module grants `permission` to `role`.
    pub fn role_has(&self, role: Role, permission: Permission) -> bool {
        self.parts().any(|part| {
            part.grants
                .iter()
                .any(|(r, ps)| *r == role && ps.contains(&permission))
        })
    }

    /// The permissions `role` holds, module by module.
    pub fn of_role(&self, role: Role) -> impl Iterator<Item = Permission> + 'static {
        self.parts().flat_map(move |part| {
            part.grants
                .iter()
                .filter(move |(r, _)| *r == role)
                .flat_map(|(_, ps)| ps.iter().copied())
        })
    }

    /// Checks that each code is declared once across the modules and that every grant names a
    /// declared permission; answers every problem found.
    pub fn check(&self) -> Result<(), Vec<RegistryError>> {
        let mut errors = Vec::new();
        let mut seen: Vec<(&'static str, &'static str)> = Vec::new();
        for part in self.parts() {
            for p in part.declared {
                match seen.iter().find(|(code, _)| *code == p.as_str()) {
                    Some((_, first)) => errors.push(RegistryError::DeclaredTwice {
                        code: p.as_str(),
                        first,
                        second: part.module,
                    }),
                    None => seen.push((p.as_str(), part.module)),
                }
            }
        }
        for part in self.parts() {
            for (role, ps) in part.grants {
                for p in *ps {
                    if !seen.iter().any(|(code, _)| *code == p.as_str()) {
                        errors.push(RegistryError::Undeclared {
                            module: part.module,
                            role: *role,
                            code: p.as_str(),
                        });
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Permission = Permission::new("a");
    const B: Permission = Permission::new("b");
    const C: Permission = Permission::new("c");

    const ONE: PermissionSet = PermissionSet {
        module: "one",
        declared: &[A, B],
        grants: &[(Role::Agent, &[A]), (Role::Supervisor, &[A, B])],
    };
    const TWO: PermissionSet = PermissionSet {
        module: "two",
        declared: &[C],
        grants: &[(Role::Agent, &[C])],
    };

    #[test]
    fn the_registry_answers_from_every_part() {
        let registry = Permissions::new(&[&ONE, &TWO]);
        assert_eq!(registry.check(), Ok(()));
        assert_eq!(registry.all().collect::<Vec<_>>(), [A, B, C]);
        assert_eq!(registry.parse("c"), Some(C));
        assert_eq!(registry.parse("d"), None);
        assert!(registry.role_has(Role::Agent, C));
        assert!(!registry.role_has(Role::Agent, B));
        assert_eq!(registry.of_role(Role::Agent).collect::<Vec<_>>(), [A, C]);
        assert!(!Permissions::NONE.role_has(Role::Agent, A));
        assert_eq!(C.to_string(), "c");
        assert_eq!(Permission::new("c"), C);
    }

    #[test]
    fn a_code_declared_twice_or_a_grant_of_nothing_declared_is_refused() {
        const AGAIN: PermissionSet = PermissionSet {
            module: "again",
            declared: &[Permission::new("b")],
            grants: &[(Role::Dispatcher, &[Permission::new("x")])],
        };
        assert_eq!(
            Permissions::new(&[&ONE, &AGAIN]).check(),
            Err(vec![
                RegistryError::DeclaredTwice {
                    code: "b",
                    first: "one",
                    second: "again"
                },
                RegistryError::Undeclared {
                    module: "again",
                    role: Role::Dispatcher,
                    code: "x"
                },
            ])
        );
        // A grant of another module's permission needs that module in the registry.
        const BORROWS: PermissionSet = PermissionSet {
            module: "borrows",
            declared: &[],
            grants: &[(Role::Agent, &[C])],
        };
        assert!(Permissions::new(&[&ONE, &BORROWS]).check().is_err());
        assert_eq!(Permissions::new(&[&TWO, &BORROWS]).check(), Ok(()));
    }
}
