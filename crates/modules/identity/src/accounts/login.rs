//! Signing in with a password, then with the second factor when the account has one or its
//! role requires one. Wrong login names and wrong passwords get the same answer in the same
//! time.
//!
//! Guessing is limited per account and per client address (`docs/ARCHITECTURE.md`, "Sign-in
//! limits"). An attempt is counted *before* the password is checked, in one statement, and
//! given back when it succeeds, so parallel guesses cannot slip under the limit. All names of
//! an account (user name, e-mail address, mobile number) share its budget. A browser that
//! signed in to the account before holds a signed device cookie and has a budget of its own,
//! so a stranger who exhausts the account's budget does not lock its owner out.

use super::signup::self_actor;
use super::{Login, NewSession, STATUS_ACTIVE, STATUS_PENDING};
use crate::audit::{self, Subject};
use crate::rate_limit::{LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, LOGIN_PER_DEVICE, Limit};
use crate::store::accounts;
use crate::{IdentityApp, Result, ServiceError, passwords};
use domain::Message;
use domain::enums::string_enum;

string_enum! {
    /// How far a session has got.
    SessionStage {
        /// Signed in.
        Full = "full",
        /// The password was right; the second-factor code is awaited.
        SecondFactor = "second_factor",
        /// Signed in, but the role requires a second factor the account does not have yet:
        /// only enrolling is allowed.
        EnrolSecondFactor = "enrol_second_factor",
    }
}

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session: NewSession,
    pub account_id: String,
    /// The device cookie's value for this browser and account (set it with the session).
    pub device: String,
}

/// What a browser brings to a sign-in besides the credentials.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignInContext<'a> {
    /// The client address, for the per-address limit.
    pub client: &'a str,
    /// The device cookie, if the browser has one.
    pub device: Option<&'a str>,
    /// The session cookie the browser still holds: that session ends at a successful sign-in.
    pub previous_session: Option<&'a str>,
}

const DEVICE_PURPOSE: &str = "login-device";

/// A device cookie for `account_id`: a random nonce and its signature.
fn device_cookie(services: &IdentityApp, account_id: &str) -> String {
    let nonce = crate::secrets::token_of::<16>();
    let signature = services
        .platform
        .sign(DEVICE_PURPOSE, &format!("{account_id}\n{nonce}"));
    format!("{nonce}.{signature}")
}

/// The nonce of a device cookie that the server issued for `account_id`.
fn trusted_device<'c>(
    services: &IdentityApp,
    account_id: &str,
    cookie: &'c str,
) -> Option<&'c str> {
    let (nonce, signature) = cookie.split_once('.')?;
    services
        .platform
        .verify_signature(DEVICE_PURPOSE, &format!("{account_id}\n{nonce}"), signature)
        .then_some(nonce)
}

fn wrong_credentials() -> ServiceError {
    ServiceError::Unauthenticated(Message::new("error-login-failed"))
}

impl IdentityApp {
    /// Checks a login name and password and starts a session.
    pub async fn sign_in(
        &self,
        jurisdiction_id: &str,
        login: &str,
        password: &str,
        client: &str,
        request_id: Option<String>,
    ) -> Result<LoginOutcome> {
        let context = SignInContext {
            client,
            ..SignInContext::default()
        };
        self.sign_in_from(jurisdiction_id, login, password, context, request_id)
            .await
    }

    /// [`IdentityApp::sign_in`] from a browser: its device cookie selects its own failure
    /// budget, and the session it still holds ends.
    pub async fn sign_in_from(
        &self,
        jurisdiction_id: &str,
        login: &str,
        password: &str,
        context: SignInContext<'_>,
        request_id: Option<String>,
    ) -> Result<LoginOutcome> {
        if password.chars().count() > domain::password::MAX_PASSWORD_CHARS {
            return Err(ServiceError::invalid(
                Message::new("error-password-too-long")
                    .arg("max", domain::password::MAX_PASSWORD_CHARS.to_string()),
            ));
        }
        self.platform
            .count_attempt(LOGIN_PER_ADDRESS, context.client)
            .await?;
        let login = Login::parse(login).map_err(|_| wrong_credentials())?;
        let account = accounts::find_by_login(&self.db, jurisdiction_id, login.as_str()).await?;
        let (limit, key) = self
            .login_budget(jurisdiction_id, &login, account.as_ref(), context.device)
            .await?;
        // Reserved before the check: parallel guesses each take one of the budget's places.
        self.platform.count_attempt(limit, &key).await?;
        let ok = passwords::verify(
            account.as_ref().and_then(|a| a.password_hash.as_deref()),
            password,
        )
        .await?;
        let account = match account {
            Some(a) if ok && a.status == STATUS_ACTIVE => a,
            Some(a) if ok && a.status == STATUS_PENDING => {
                self.platform.refund_attempt(limit, &key).await?;
                return Err(ServiceError::Forbidden(Message::new(
                    "error-account-not-verified",
                )));
            }
            _ => return Err(wrong_credentials()),
        };
        if limit.name == LOGIN_PER_DEVICE.name {
            // The owner's own browser: its failures were its own typing.
            self.platform.clear_attempts(limit, &key).await?;
        } else {
            // Strangers' failures stay counted; only this attempt is given back.
            self.platform.refund_attempt(limit, &key).await?;
        }
        self.open_session(account, context, request_id).await
    }

    /// Opens a session for an account whose owner has just proved who they are (a password, or
    /// the code that verified a new account): full, or waiting for the second factor or its
    /// enrolment. Replaces the browser's previous session; audited as `session.sign_in`.
    pub(super) async fn open_session(
        &self,
        account: accounts::Account,
        context: SignInContext<'_>,
        request_id: Option<String>,
    ) -> Result<LoginOutcome> {
        let stage = self.stage_after_password(&account).await?;
        self.open_session_at(account, stage, context, request_id, serde_json::json!({}))
            .await
    }

    /// Where a sign-in with a password leaves the session: waiting for the second factor the
    /// account has (a TOTP code, or a staff member's passkey), enrolling the one a role requires,
    /// or signed in.
    async fn stage_after_password(&self, account: &accounts::Account) -> Result<SessionStage> {
        // A factor the account has is asked first, always: a role that now wants a passkey
        // is satisfied after it (the code leads to adding one), never instead of it.
        let passkey = self.passkey_factor(account).await?;
        Ok(if account.totp_enabled_at.is_some() || passkey {
            SessionStage::SecondFactor
        } else if self.second_factor_required(account).await? {
            SessionStage::EnrolSecondFactor
        } else {
            SessionStage::Full
        })
    }

    /// Opens a session at `stage` for an account whose owner has just proved who they are;
    /// `how` is added to the audit record (e.g. the passkey used).
    pub(super) async fn open_session_at(
        &self,
        account: accounts::Account,
        stage: SessionStage,
        context: SignInContext<'_>,
        request_id: Option<String>,
        how: serde_json::Value,
    ) -> Result<LoginOutcome> {
        let mut details = serde_json::json!({ "stage": stage.as_str() });
        if let (Some(d), serde_json::Value::Object(how)) = (details.as_object_mut(), how) {
            d.extend(how);
        }
        let mut tx = self.db.begin().await?;
        if let Some(previous) = context.previous_session {
            crate::store::sessions::delete(&mut tx, &crate::secrets::sha256_hex(previous)).await?;
        }
        let session = self.start_session(&mut tx, &account, stage).await?;
        audit::record(
            &mut tx,
            &self_actor(&account, request_id),
            "session.sign_in",
            Subject::account(&account.id),
            None,
            details,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        let device = match context.device {
            Some(d) if trusted_device(self, &account.id, d).is_some() => d.to_string(),
            _ => device_cookie(self, &account.id),
        };
        Ok(LoginOutcome {
            session,
            account_id: account.id,
            device,
        })
    }

    /// The failure budget a sign-in attempt counts against: the device's own, when the browser
    /// holds a device cookie for the account; else the account's, whichever of its names was
    /// typed; else (no such account) the name's.
    async fn login_budget(
        &self,
        jurisdiction_id: &str,
        login: &Login,
        account: Option<&accounts::Account>,
        device: Option<&str>,
    ) -> Result<(Limit, String)> {
        // Looked up for every name, so an existing login does not answer faster.
        let by_contact =
            accounts::ids_by_contact(&self.db, jurisdiction_id, login.as_str()).await?;
        let account_id: Option<String> = match (account, by_contact.as_slice()) {
            (Some(a), _) => Some(a.id.clone()),
            (None, [only]) => Some(only.clone()),
            (None, _) => None,
        };
        let Some(id) = account_id else {
            return Ok((
                LOGIN_PER_ACCOUNT,
                format!("{jurisdiction_id}\n{}", login.as_str()),
            ));
        };
        // Only the account's own login name can use a device budget.
        if let Some(nonce) = device
            .filter(|_| account.is_some())
            .and_then(|d| trusted_device(self, &id, d))
        {
            return Ok((LOGIN_PER_DEVICE, format!("{id}\n{nonce}")));
        }
        Ok((LOGIN_PER_ACCOUNT, id))
    }

    /// Whether any of the account's roles requires a second factor in its jurisdiction.
    pub(crate) async fn second_factor_required(&self, account: &accounts::Account) -> Result<bool> {
        Ok(self.grants_and_second_factor(account).await?.1)
    }
}
