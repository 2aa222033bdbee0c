//! Forgotten and changed passwords. A reset request is answered the same way whether or not
//! the account exists; the code goes to the account's own address; using it ends every session.

use super::codes;
use super::signup::self_actor;
use super::{Login, NewSession, STATUS_DISABLED, SessionStage};
use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::rate_limit::{RESET_PER_ACCOUNT, RESET_PER_ADDRESS};
use crate::store::accounts::{self, Account, AccountUpdate};
use crate::{IdentityApp, Result, ServiceError, passwords};
use domain::password::PasswordPolicy;
use domain::{Locale, Message};

fn policy_for(account: &Account) -> PasswordPolicy {
    if account.kind == super::AccountKind::Staff.as_str() {
        PasswordPolicy::STAFF
    } else {
        PasswordPolicy::CITIZEN
    }
}

impl IdentityApp {
    /// Sends a reset code to the account's address, if there is such an account.
    pub async fn request_password_reset(
        &self,
        jurisdiction_id: &str,
        login: &str,
        client: &str,
        locale: Locale,
    ) -> Result<()> {
        self.platform
            .count_attempt(RESET_PER_ADDRESS, client)
            .await?;
        let Ok(login) = Login::parse(login) else {
            return Ok(());
        };
        self.platform
            .count_attempt(RESET_PER_ACCOUNT, login.as_str())
            .await?;
        let Some(account) =
            accounts::find_by_login(&self.db, jurisdiction_id, login.as_str()).await?
        else {
            return Ok(());
        };
        if account.status == STATUS_DISABLED {
            return Ok(());
        }
        // Send to the address on file: for staff signing in with a user name, their email.
        let address = match (&login, &account.email, &account.mobile) {
            (Login::Username(_), Some(e), _) => Login::Email(e.clone()),
            (Login::Username(_), None, Some(m)) => Login::Mobile(m.clone()),
            (Login::Username(_), None, None) => return Ok(()),
            (l, _, _) => l.clone(),
        };
        let locale = Locale::from_tag(&account.locale).unwrap_or(locale);
        let mut tx = self.db.begin().await?;
        self.send_code(&mut tx, &account, &address, codes::RESET, locale)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset code; every session of the account ends.
    pub async fn reset_password(
        &self,
        jurisdiction_id: &str,
        login: &str,
        code: &str,
        new_password: &str,
        request_id: Option<String>,
    ) -> Result<()> {
        let account = self.account_for_code(jurisdiction_id, login).await?;
        policy_for(&account)
            .check(new_password, &account.login)
            .map_err(ServiceError::invalid)?;
        let hash = passwords::hash(new_password).await?;
        let mut tx = self.db.begin().await?;
        let now = self.now();
        let checked = codes::redeem(&mut tx, &account.id, codes::RESET, code, now).await;
        let mut tx = codes::keep_guess(tx, checked).await?;
        let ended = codes::set_password(
            &mut tx,
            &account.id,
            hash,
            now,
            AccountUpdate {
                // Receiving the code proves the address, as verification would.
                status: (account.status == super::STATUS_PENDING)
                    .then(|| super::STATUS_ACTIVE.to_string()),
                verified_at: account.verified_at.is_none().then_some(now),
                ..AccountUpdate::default()
            },
        )
        .await?;
        audit::record(
            &mut tx,
            &self_actor(&account, request_id),
            "account.password_reset",
            Subject::account(&account.id),
            None,
            serde_json::json!({ "sessions_ended": ended }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the signed-in person's password; other sessions end and this one is renewed.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new_password: &str,
    ) -> Result<NewSession> {
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        if !passwords::verify(account.password_hash.as_deref(), current).await? {
            return Err(ServiceError::invalid(Message::new(
                "error-password-current-wrong",
            )));
        }
        policy_for(&account)
            .check(new_password, &account.login)
            .map_err(ServiceError::invalid)?;
        let hash = passwords::hash(new_password).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        codes::set_password(&mut tx, &account.id, hash, now, AccountUpdate::default()).await?;
        let session = self
            .start_session(&mut tx, &account, SessionStage::Full)
            .await?;
        audit::record(
            &mut tx,
            actor,
            "account.password_changed",
            Subject::account(&account.id),
            None,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(session)
    }
}
