//! Citizen sign-up: an account is created pending, and becomes active when the person proves
//! they receive mail or text messages at the address with a one-time code. The answer to a
//! sign-up is the same whether or not the address already has an account; the owner of an
//! existing account is told by message instead.

use super::codes::{self, CODE_MINUTES};
use super::{AccountKind, Login, STATUS_ACTIVE, STATUS_PENDING};
use crate::audit::{self, Subject};
use crate::authz::{Actor, ActorKind, Permissions};
use crate::notify::{self, Notification, Recipient};
use crate::rate_limit::SIGNUP_PER_ADDRESS;
use crate::store::accounts::{self, Account, AccountUpdate};
use crate::{IdentityApp, Result, ServiceError, passwords};
use domain::password::PasswordPolicy;
use domain::{Locale, Message};

/// What a citizen gives to sign up.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub jurisdiction_id: String,
    pub login: String,
    pub password: String,
    pub display_name: String,
    pub locale: Locale,
}

pub(crate) fn recipient_for(login: &Login) -> Recipient {
    match login {
        Login::Mobile(m) => Recipient::Sms(m.clone()),
        Login::Email(e) | Login::Username(e) => Recipient::Email(e.clone()),
    }
}

pub(crate) fn self_actor(account: &Account, request_id: Option<String>) -> Actor {
    Actor {
        account_id: Some(account.id.clone()),
        jurisdiction_id: account.jurisdiction_id.clone(),
        kind: if account.kind == AccountKind::Staff.as_str() {
            ActorKind::Staff
        } else {
            ActorKind::Citizen
        },
        label: account.display_name.clone(),
        grants: Vec::new(),
        // No grants: an account acting on itself needs no permission.
        permissions: Permissions::NONE,
        request_id,
    }
}

impl IdentityApp {
    /// Registers a citizen. Always answers the same way; see the module documentation.
    pub async fn sign_up(
        &self,
        input: SignUp,
        client: &str,
        request_id: Option<String>,
    ) -> Result<()> {
        self.platform
            .count_attempt(SIGNUP_PER_ADDRESS, client)
            .await?;
        self.platform.jurisdiction(&input.jurisdiction_id).await?;
        let mut errors = Vec::new();
        let login = Login::parse(&input.login).map_err(|m| errors.push(m)).ok();
        if matches!(login, Some(Login::Username(_))) {
            errors.push(Message::new("error-login-email-or-mobile"));
        }
        let name = super::parse_display_name(&input.display_name)
            .map_err(|m| errors.push(m))
            .unwrap_or_default();
        if let Err(e) =
            PasswordPolicy::CITIZEN.check(&input.password, login.as_ref().map_or("", Login::as_str))
        {
            errors.push(e);
        }
        let Some(login) = login.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let hash = passwords::hash(&input.password).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let existing =
            accounts::find_by_login(&self.db, &input.jurisdiction_id, login.as_str()).await?;
        match existing {
            Some(account) if account.status == STATUS_PENDING => {
                // Not yet verified: the newest sign-up sets the password, and a new code is
                // sent to the address, so only whoever receives it can finish.
                accounts::update(
                    &mut tx,
                    &account.id,
                    &AccountUpdate {
                        password_hash: Some(hash),
                        password_changed_at: Some(now),
                        display_name: Some(name),
                        locale: Some(input.locale.tag().to_string()),
                        ..AccountUpdate::default()
                    },
                    now,
                )
                .await?;
                self.send_code(&mut tx, &account, &login, codes::VERIFY, input.locale)
                    .await?;
            }
            Some(account) => {
                notify::enqueue(
                    &mut tx,
                    &Notification {
                        jurisdiction_id: account.jurisdiction_id.clone(),
                        recipient: recipient_for(&login),
                        template: "account_exists".into(),
                        locale: Locale::from_tag(&account.locale).unwrap_or(input.locale),
                        vars: serde_json::json!({}),
                        urgent: true,
                    },
                    now,
                )
                .await?;
            }
            None => {
                let (email, mobile) = match &login {
                    Login::Email(e) => (Some(e.clone()), None),
                    Login::Mobile(m) => (None, Some(m.clone())),
                    Login::Username(_) => (None, None),
                };
                let account = Account {
                    id: uuid::Uuid::now_v7().to_string(),
                    jurisdiction_id: input.jurisdiction_id.clone(),
                    kind: AccountKind::Citizen.as_str().into(),
                    login: login.as_str().to_string(),
                    email,
                    mobile,
                    national_id: None,
                    display_name: name,
                    locale: input.locale.tag().to_string(),
                    password_hash: Some(hash),
                    status: STATUS_PENDING.into(),
                    verified_at: None,
                    totp_secret: None,
                    totp_enabled_at: None,
                    totp_last_step: None,
                    password_changed_at: Some(now),
                    created_at: now,
                    updated_at: now,
                };
                accounts::insert(&mut tx, &account).await?;
                audit::record(
                    &mut tx,
                    &self_actor(&account, request_id),
                    "account.sign_up",
                    Subject::citizen(&account.id),
                    None,
                    serde_json::json!({}),
                    now,
                )
                .await?;
                self.send_code(&mut tx, &account, &login, codes::VERIFY, input.locale)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn send_code(
        &self,
        tx: &mut store::Tx,
        account: &Account,
        login: &Login,
        purpose: &str,
        locale: Locale,
    ) -> Result<()> {
        let now = self.now();
        let code = codes::issue(tx, &account.id, purpose, now).await?;
        let (template, vars) = if purpose == codes::VERIFY {
            (
                "account_verification",
                serde_json::json!({ "code": code, "minutes": CODE_MINUTES }),
            )
        } else {
            let link = format!("{}/account/reset?code={code}", self.config().public_base());
            (
                "password_reset",
                serde_json::json!({ "code": code, "minutes": CODE_MINUTES, "link": link }),
            )
        };
        notify::enqueue(
            tx,
            &Notification {
                jurisdiction_id: account.jurisdiction_id.clone(),
                recipient: recipient_for(login),
                template: template.into(),
                locale,
                vars,
                urgent: true,
            },
            now,
        )
        .await
    }

    /// Activates a pending account with the code sent to its address.
    pub async fn verify_sign_up(
        &self,
        jurisdiction_id: &str,
        login: &str,
        code: &str,
        request_id: Option<String>,
    ) -> Result<()> {
        self.activate(jurisdiction_id, login, code, request_id)
            .await
            .map(|_| ())
    }

    /// Verifies as [`Self::verify_sign_up`] and, when this code is what activated the account,
    /// signs its owner in: they have just set the password and proved the address, so they are
    /// not asked to type the password again. A code for an account that was already active
    /// signs nobody in (`None`).
    pub async fn verify_sign_up_and_sign_in(
        &self,
        jurisdiction_id: &str,
        login: &str,
        code: &str,
        context: super::login::SignInContext<'_>,
        request_id: Option<String>,
    ) -> Result<Option<super::login::LoginOutcome>> {
        let (mut account, activated) = self
            .activate(jurisdiction_id, login, code, request_id.clone())
            .await?;
        if !activated {
            return Ok(None);
        }
        account.status = STATUS_ACTIVE.into();
        self.open_session(account, context, request_id)
            .await
            .map(Some)
    }

    /// Redeems the code; the account, and whether it was pending and is now active.
    async fn activate(
        &self,
        jurisdiction_id: &str,
        login: &str,
        code: &str,
        request_id: Option<String>,
    ) -> Result<(Account, bool)> {
        let account = self.account_for_code(jurisdiction_id, login).await?;
        let mut tx = self.db.begin().await?;
        let now = self.now();
        let checked = codes::redeem(&mut tx, &account.id, codes::VERIFY, code, now).await;
        let mut tx = codes::keep_guess(tx, checked).await?;
        let activated = account.status == STATUS_PENDING;
        if activated {
            accounts::update(
                &mut tx,
                &account.id,
                &AccountUpdate {
                    status: Some(STATUS_ACTIVE.into()),
                    verified_at: Some(now),
                    ..AccountUpdate::default()
                },
                now,
            )
            .await?;
        }
        audit::record(
            &mut tx,
            &self_actor(&account, request_id),
            "account.verify",
            Subject::citizen(&account.id),
            None,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((account, activated))
    }
}
