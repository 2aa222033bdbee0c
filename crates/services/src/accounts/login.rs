//! Signing in with a password, then with the second factor when the account has one or its
//! role requires one. Wrong login names and wrong passwords get the same answer in the same
//! time; repeated failures for one login name lock it for a while, whether it exists or not.

use super::signup::self_actor;
use super::{Login, NewSession, STATUS_ACTIVE, STATUS_PENDING};
use crate::audit::{self, Subject};
use crate::rate_limit::{LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS};
use crate::{Result, ServiceError, Services, passwords};
use domain::Message;
use store::accounts;

/// How far a session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Signed in.
    Full,
    /// The password was right; the second-factor code is awaited.
    SecondFactor,
    /// Signed in, but the role requires a second factor the account does not have yet: only
    /// enrolling is allowed.
    EnrolSecondFactor,
}

impl SessionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::EnrolSecondFactor => "enrol_second_factor",
        }
    }

    pub fn parse(text: &str) -> Option<SessionStage> {
        match text {
            "full" => Some(SessionStage::Full),
            "second_factor" => Some(SessionStage::SecondFactor),
            "enrol_second_factor" => Some(SessionStage::EnrolSecondFactor),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session: NewSession,
    pub account_id: String,
}

fn wrong_credentials() -> ServiceError {
    ServiceError::Unauthenticated(Message::new("error-login-failed"))
}

impl Services {
    /// Checks a login name and password and starts a session.
    pub async fn sign_in(
        &self,
        jurisdiction_id: &str,
        login: &str,
        password: &str,
        client: &str,
        request_id: Option<String>,
    ) -> Result<LoginOutcome> {
        if password.chars().count() > domain::password::MAX_PASSWORD_CHARS {
            return Err(ServiceError::invalid(Message::new(
                "error-password-too-long",
            )));
        }
        self.count_attempt(LOGIN_PER_ADDRESS, client).await?;
        let login = Login::parse(login).map_err(|_| wrong_credentials())?;
        let key = format!("{jurisdiction_id}\n{}", login.as_str());
        self.check_not_limited(LOGIN_PER_ACCOUNT, &key).await?;
        let account = accounts::find_by_login(&self.db, jurisdiction_id, login.as_str()).await?;
        let ok = passwords::verify(
            account.as_ref().and_then(|a| a.password_hash.as_deref()),
            password,
        )
        .await?;
        let account = match account {
            Some(a) if ok && a.status == STATUS_ACTIVE => a,
            Some(a) if ok && a.status == STATUS_PENDING => {
                return Err(ServiceError::Forbidden(Message::new(
                    "error-account-not-verified",
                )));
            }
            _ => {
                // Counted after the check, so the lock-out covers exactly the failures.
                self.count_attempt(LOGIN_PER_ACCOUNT, &key).await.ok();
                return Err(wrong_credentials());
            }
        };
        self.clear_attempts(LOGIN_PER_ACCOUNT, &key).await?;
        let stage = if account.totp_enabled_at.is_some() {
            SessionStage::SecondFactor
        } else if self.second_factor_required(&account).await? {
            SessionStage::EnrolSecondFactor
        } else {
            SessionStage::Full
        };
        let mut tx = self.db.begin().await?;
        let session = self.start_session(&mut tx, &account, stage).await?;
        audit::record(
            &mut tx,
            &self_actor(&account, request_id),
            "session.sign_in",
            Subject::account(&account.id),
            None,
            serde_json::json!({ "stage": stage.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome {
            session,
            account_id: account.id,
        })
    }

    /// Whether any of the account's roles requires a second factor in its jurisdiction.
    pub(crate) async fn second_factor_required(&self, account: &accounts::Account) -> Result<bool> {
        Ok(self.grants_and_second_factor(account).await?.1)
    }
}
