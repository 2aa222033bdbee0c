//! Staff administration and reads of citizens' personal data. Every operation checks the
//! permission table first; every change and every read of personal data is audited.

use super::{AccountKind, Login, STATUS_ACTIVE, STATUS_DISABLED, codes};
use crate::audit::{self, Subject};
use crate::authz::{Actor, Grant, Role, ScopeKind, Target};
use crate::store::accounts::{self, Account, AccountUpdate, RoleGrant};
use crate::store::sessions;
use crate::{IdentityApp, Result, ServiceError, passwords, secrets};
use domain::password::PasswordPolicy;
use domain::{Locale, Message};

/// A new staff member.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub locale: Locale,
    pub roles: Vec<Grant>,
    /// None: a random password is generated and returned once.
    pub password: Option<String>,
}

/// A staff account as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffView {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub status: String,
    pub second_factor: bool,
    pub roles: Vec<Grant>,
}

/// A citizen's personal data, as shown to staff with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenRecord {
    pub id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub national_id: Option<String>,
    pub status: String,
    pub created_at: i64,
}

fn temporary_password() -> String {
    // 4 groups of 4 unambiguous characters: 16 characters, about 79 bits.
    (0..2)
        .map(|_| secrets::recovery_code())
        .collect::<Vec<_>>()
        .join("-")
}

impl IdentityApp {
    async fn check_grants(&self, jurisdiction_id: &str, grants: &[Grant]) -> Result<()> {
        let departments: Vec<String> = store::catalog::list_departments(&self.db, jurisdiction_id)
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect();
        let mut errors = Vec::new();
        for g in grants {
            if !g.role.scope_kinds().contains(&g.scope) {
                errors.push(
                    Message::new("error-role-scope")
                        .arg("role", g.role.as_str())
                        .arg("scope", g.scope.as_str()),
                );
            } else if g.scope == ScopeKind::Department && !departments.contains(&g.scope_id) {
                errors.push(
                    Message::new("error-department-unknown").arg("department", g.scope_id.clone()),
                );
            } else if g.scope == ScopeKind::Jurisdiction && g.scope_id != jurisdiction_id {
                errors.push(
                    Message::new("error-role-scope")
                        .arg("role", g.role.as_str())
                        .arg("scope", g.scope_id.clone()),
                );
            } else if g.scope == ScopeKind::Community && g.scope_id.trim().is_empty() {
                errors.push(
                    Message::new("error-role-scope")
                        .arg("role", g.role.as_str())
                        .arg("scope", "community"),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(errors))
        }
    }

    /// The grants an actor may hand out: only within scopes they manage.
    fn require_manage(&self, actor: &Actor, grants: &[Grant]) -> Result<()> {
        actor.require(crate::permissions::MANAGE_STAFF, Target::Jurisdiction)?;
        for g in grants {
            let target = match g.scope {
                ScopeKind::Department => Target::Department(&g.scope_id),
                ScopeKind::Community => Target::Community(&g.scope_id),
                ScopeKind::Jurisdiction => Target::Jurisdiction,
            };
            actor.require(crate::permissions::MANAGE_STAFF, target)?;
        }
        Ok(())
    }

    /// Creates a staff account. Returns it and the initial password if one was generated.
    pub async fn create_staff(
        &self,
        actor: &Actor,
        input: NewStaff,
    ) -> Result<(StaffView, Option<String>)> {
        self.require_manage(actor, &input.roles)?;
        let jurisdiction_id = actor.jurisdiction_id.clone();
        let mut errors = Vec::new();
        let login = Login::parse(&input.login).map_err(|m| errors.push(m)).ok();
        let name = super::parse_display_name(&input.display_name)
            .map_err(|m| errors.push(m))
            .unwrap_or_default();
        let email = match input
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(e) => super::parse_email(e).map_err(|m| errors.push(m)).ok(),
            None => match &login {
                Some(Login::Email(e)) => Some(e.clone()),
                _ => None,
            },
        };
        let mobile = match input
            .mobile
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            Some(m) => domain::identity::Mobile::parse(m)
                .map(|m| m.e164().to_string())
                .map_err(|m| errors.push(m))
                .ok(),
            None => None,
        };
        let generated = input.password.is_none().then(temporary_password);
        let password = input
            .password
            .clone()
            .or_else(|| generated.clone())
            .unwrap_or_default();
        if let Err(e) =
            PasswordPolicy::STAFF.check(&password, login.as_ref().map_or("", Login::as_str))
        {
            errors.push(e);
        }
        if let Err(ServiceError::Invalid(mut e)) =
            self.check_grants(&jurisdiction_id, &input.roles).await
        {
            errors.append(&mut e);
        }
        let Some(login) = login.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        if accounts::find_by_login(&self.db, &jurisdiction_id, login.as_str())
            .await?
            .is_some()
        {
            return Err(ServiceError::invalid(Message::new("error-login-taken")));
        }
        let hash = passwords::hash(&password).await?;
        let now = self.now();
        let account = Account {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: jurisdiction_id.clone(),
            kind: AccountKind::Staff.as_str().into(),
            login: login.as_str().to_string(),
            email,
            mobile,
            national_id: None,
            display_name: name,
            locale: input.locale.tag().into(),
            password_hash: Some(hash),
            status: STATUS_ACTIVE.into(),
            verified_at: Some(now),
            totp_secret: None,
            totp_enabled_at: None,
            totp_last_step: None,
            password_changed_at: Some(now),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        accounts::insert(&mut tx, &account).await.map_err(|e| {
            if e.is_unique_violation() {
                ServiceError::invalid(Message::new("error-login-taken"))
            } else {
                e.into()
            }
        })?;
        accounts::set_roles(&mut tx, &account.id, &to_rows(&input.roles)).await?;
        audit::record(
            &mut tx,
            actor,
            "staff.create",
            Subject::account(&account.id),
            None,
            serde_json::json!({ "login": account.login, "roles": grant_names(&input.roles) }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((view(account, input.roles), generated))
    }

    /// Staff of the jurisdiction the actor may see: everyone for jurisdiction-wide grants,
    /// otherwise the members of the actor's departments.
    pub async fn list_staff(&self, actor: &Actor) -> Result<Vec<StaffView>> {
        let scope = actor.departments_for(crate::permissions::VIEW_STAFF);
        let accounts = match &scope {
            None => accounts::list(&self.db, &actor.jurisdiction_id, "staff", None).await?,
            Some(ds) if ds.is_empty() => return Err(crate::authz::forbidden()),
            Some(ds) => {
                let mut all = Vec::new();
                for d in ds {
                    all.extend(
                        accounts::list(&self.db, &actor.jurisdiction_id, "staff", Some(d)).await?,
                    );
                }
                all.sort_by(|a, b| a.login.cmp(&b.login));
                all.dedup_by(|a, b| a.id == b.id);
                all
            }
        };
        let mut out = Vec::with_capacity(accounts.len());
        for a in accounts {
            let roles = super::grants_from(accounts::roles(&self.db, &a.id).await?);
            out.push(view(a, roles));
        }
        Ok(out)
    }

    async fn staff_account(&self, actor: &Actor, id: &str) -> Result<Account> {
        let account = self.account_in(&actor.jurisdiction_id, id).await?;
        if account.kind != AccountKind::Staff.as_str() {
            return Err(ServiceError::NotFound(Message::new(
                "error-account-unknown",
            )));
        }
        Ok(account)
    }

    /// Replaces a staff member's roles. Their sessions end: privileges changed.
    pub async fn set_staff_roles(
        &self,
        actor: &Actor,
        id: &str,
        roles: Vec<Grant>,
    ) -> Result<StaffView> {
        self.require_manage(actor, &roles)?;
        let account = self.staff_account(actor, id).await?;
        let before = super::grants_from(accounts::roles(&self.db, id).await?);
        self.require_manage(actor, &before)?;
        self.check_grants(&actor.jurisdiction_id, &roles).await?;
        let mut tx = self.db.begin().await?;
        accounts::set_roles(&mut tx, id, &to_rows(&roles)).await?;
        sessions::delete_for_account(&mut tx, id, None).await?;
        audit::record(
            &mut tx,
            actor,
            "staff.set_roles",
            Subject::account(id),
            None,
            serde_json::json!({ "before": grant_names(&before), "after": grant_names(&roles) }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(view(account, roles))
    }

    /// Disables or re-enables a staff member; disabling ends their sessions and tokens.
    pub async fn set_staff_enabled(&self, actor: &Actor, id: &str, enabled: bool) -> Result<()> {
        actor.require(crate::permissions::MANAGE_STAFF, Target::Jurisdiction)?;
        let account = self.staff_account(actor, id).await?;
        if actor.account_id.as_deref() == Some(id) && !enabled {
            return Err(ServiceError::invalid(Message::new("error-disable-self")));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let status = if enabled {
            STATUS_ACTIVE
        } else {
            STATUS_DISABLED
        };
        accounts::update(
            &mut tx,
            &account.id,
            &AccountUpdate {
                status: Some(status.into()),
                ..AccountUpdate::default()
            },
            now,
        )
        .await?;
        if !enabled {
            sessions::delete_for_account(&mut tx, id, None).await?;
            sessions::revoke_all_tokens(&mut tx, id, now).await?;
        }
        let action = if enabled {
            "staff.enable"
        } else {
            "staff.disable"
        };
        audit::record(
            &mut tx,
            actor,
            action,
            Subject::account(id),
            None,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a staff member a new random password (shown once to the administrator) and ends
    /// their sessions; with `clear_second_factor` their authenticator is reset too.
    pub async fn reset_staff_password(
        &self,
        actor: &Actor,
        id: &str,
        clear_second_factor: bool,
    ) -> Result<String> {
        actor.require(crate::permissions::MANAGE_STAFF, Target::Jurisdiction)?;
        let account = self.staff_account(actor, id).await?;
        let password = temporary_password();
        let hash = passwords::hash(&password).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        codes::set_password(&mut tx, &account.id, hash, now, AccountUpdate::default()).await?;
        if clear_second_factor {
            // A lost device: its authenticator app and its passkeys both go.
            self.clear_second_factor(&mut tx, id).await?;
            crate::store::passkeys::delete_all(&mut tx, id).await?;
        }
        audit::record(
            &mut tx,
            actor,
            "staff.reset_password",
            Subject::account(id),
            None,
            serde_json::json!({ "second_factor_cleared": clear_second_factor }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(password)
    }

    /// Requires (or stops requiring) a second factor for everyone holding a role, and whether
    /// it must be a passkey (a passkey requirement is a second-factor requirement too).
    pub async fn set_role_policy(
        &self,
        actor: &Actor,
        role: Role,
        require_totp: bool,
        require_passkey: bool,
    ) -> Result<()> {
        actor.require(
            crate::permissions::MANAGE_SECURITY_POLICY,
            Target::Jurisdiction,
        )?;
        let mut tx = self.db.begin().await?;
        accounts::set_role_policy(
            &mut tx,
            &actor.jurisdiction_id,
            role.as_str(),
            require_totp,
            require_passkey,
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            "policy.second_factor",
            Subject {
                kind: "role",
                id: role.as_str(),
                data_subject: None,
            },
            None,
            serde_json::json!({
                "require_totp": require_totp || require_passkey,
                "require_passkey": require_passkey,
            }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The roles whose holders' second factor must be a passkey.
    pub async fn roles_requiring_passkey(&self, actor: &Actor) -> Result<Vec<String>> {
        actor.require(
            crate::permissions::MANAGE_SECURITY_POLICY,
            Target::Jurisdiction,
        )?;
        Ok(accounts::roles_requiring_passkey(&self.db, &actor.jurisdiction_id).await?)
    }

    pub async fn roles_requiring_totp(&self, actor: &Actor) -> Result<Vec<String>> {
        actor.require(
            crate::permissions::MANAGE_SECURITY_POLICY,
            Target::Jurisdiction,
        )?;
        Ok(accounts::roles_requiring_totp(
            &self.db,
            &actor.jurisdiction_id,
            &self.second_factor_by_default(),
        )
        .await?)
    }

    /// A citizen's contact details, for a stated reason. The read is audited and shown to the
    /// citizen. Staff without the permission get NotFound, so existence does not leak.
    pub async fn read_citizen(
        &self,
        actor: &Actor,
        id: &str,
        reason: &str,
    ) -> Result<CitizenRecord> {
        if !actor.may(
            platform::permissions::READ_PERSONAL_DATA,
            Target::Jurisdiction,
        ) {
            return Err(ServiceError::NotFound(Message::new(
                "error-account-unknown",
            )));
        }
        let reason = reason.trim();
        if reason.chars().count() < 2 || reason.chars().count() > 500 {
            return Err(ServiceError::invalid(Message::new("error-reason-required")));
        }
        let account = self.account_in(&actor.jurisdiction_id, id).await?;
        if account.kind != AccountKind::Citizen.as_str() {
            return Err(ServiceError::NotFound(Message::new(
                "error-account-unknown",
            )));
        }
        let mut tx = self.db.begin().await?;
        audit::record(
            &mut tx,
            actor,
            "citizen.read",
            Subject::citizen(id),
            Some(reason),
            serde_json::json!({ "fields": ["display_name", "email", "mobile", "national_id"] }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(CitizenRecord {
            id: account.id,
            display_name: account.display_name,
            email: account.email,
            mobile: account.mobile,
            national_id: account.national_id,
            status: account.status,
            created_at: account.created_at,
        })
    }
}

fn to_rows(grants: &[Grant]) -> Vec<RoleGrant> {
    grants
        .iter()
        .map(|g| RoleGrant {
            role: g.role.as_str().into(),
            scope_kind: g.scope.as_str().into(),
            scope_id: g.scope_id.clone(),
        })
        .collect()
}

fn grant_names(grants: &[Grant]) -> Vec<String> {
    grants
        .iter()
        .map(|g| format!("{}@{}:{}", g.role, g.scope, g.scope_id))
        .collect()
}

fn view(a: Account, roles: Vec<Grant>) -> StaffView {
    StaffView {
        id: a.id,
        login: a.login,
        display_name: a.display_name,
        email: a.email,
        status: a.status,
        second_factor: a.totp_enabled_at.is_some(),
        roles,
    }
}
