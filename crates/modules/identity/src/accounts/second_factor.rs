//! The second factor for staff: TOTP (RFC 6238) with single-use recovery codes. Completing it
//! replaces the half-signed-in session with a new one, so the session id changes whenever
//! privileges do.

use super::{NewSession, SessionStage, codes};
use crate::audit::{self, Subject};
use crate::authz::{Actor, forbidden};
use crate::rate_limit::CODE_PER_ACCOUNT;
use crate::store::accounts::{self, Account, AccountUpdate};
use crate::store::sessions;
use crate::{IdentityApp, Result, ServiceError, secrets};
use domain::Message;
use domain::totp;

/// What an authenticator app needs, shown once while enrolling.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    pub secret: String,
    pub otpauth_uri: String,
}

const RECOVERY_CODES: usize = 10;

fn wrong_code() -> ServiceError {
    ServiceError::invalid(totp::rejection_message())
}

fn not_pending() -> ServiceError {
    ServiceError::invalid(Message::new("error-second-factor-not-pending"))
}

fn secret_of(account: &Account) -> Option<totp::TotpSecret> {
    account
        .totp_secret
        .as_deref()
        .and_then(totp::TotpSecret::from_base32)
}

fn normalise(code: &str) -> String {
    text::to_halfwidth(code)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

impl IdentityApp {
    /// Checks a TOTP code, or a recovery code, for an account; records the step used so the
    /// same code cannot be replayed. Runs inside the caller's transaction; the caller counts
    /// the attempt before starting it (a second writer would wait on SQLite's write lock).
    /// A secret that was begun but never confirmed is not a second factor: it is refused.
    async fn check_second_factor(
        &self,
        tx: &mut store::Tx,
        account: &Account,
        code: &str,
    ) -> Result<()> {
        if account.totp_enabled_at.is_none() {
            return Err(not_pending());
        }
        let code = normalise(code);
        let now = self.now();
        if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            let secret = secret_of(account).ok_or_else(wrong_code)?;
            let step =
                totp::verify(&secret, &code, now, account.totp_last_step).ok_or_else(wrong_code)?;
            accounts::update(
                tx,
                &account.id,
                &AccountUpdate {
                    totp_last_step: Some(step),
                    ..AccountUpdate::default()
                },
                now,
            )
            .await?;
            return Ok(());
        }
        let hash = secrets::sha256_hex(&format!("{}\n{code}", account.id));
        if accounts::use_recovery_code(tx, &account.id, &hash, now).await? {
            Ok(())
        } else {
            Err(wrong_code())
        }
    }

    /// Completes a sign-in that awaits the second factor: the old session ends and a full one
    /// with a new id starts. Only a live session of that account at stage `second_factor`
    /// can be completed (an enrolment-only session must confirm a factor instead); REST and
    /// the pages both come here.
    pub async fn complete_second_factor(
        &self,
        session_id_hash: &str,
        account_id: &str,
        code: &str,
        request_id: Option<String>,
    ) -> Result<NewSession> {
        let pending = sessions::find_live(&self.db, session_id_hash, self.now())
            .await?
            .filter(|s| {
                s.account_id == account_id
                    && SessionStage::parse(&s.stage) == Some(SessionStage::SecondFactor)
            });
        if pending.is_none() {
            return Err(not_pending());
        }
        let account = crate::store::accounts::find(&self.db, account_id)
            .await?
            .ok_or_else(forbidden)?;
        // A role that wants a passkey: one the account has must be used; without one, the
        // code leads only to adding it.
        let passkey_required = self.passkey_required(&account).await?;
        if passkey_required && self.passkey_factor(&account).await? {
            return Err(ServiceError::Forbidden(Message::new(
                "error-passkey-required",
            )));
        }
        let next = if passkey_required {
            SessionStage::EnrolSecondFactor
        } else {
            SessionStage::Full
        };
        self.platform
            .count_attempt(CODE_PER_ACCOUNT, &account.id)
            .await?;
        let mut tx = self.db.begin().await?;
        let checked = self.check_second_factor(&mut tx, &account, code).await;
        let mut tx = codes::keep_guess(tx, checked).await?;
        sessions::delete(&mut tx, session_id_hash).await?;
        let session = self.start_session(&mut tx, &account, next).await?;
        let actor = super::signup::self_actor(&account, request_id);
        audit::record(
            &mut tx,
            &actor,
            "session.second_factor",
            Subject::account(&account.id),
            None,
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// A step up for a grave action (a refund): the signed-in staff member proves again, with a
    /// current code from their authenticator app (or a recovery code), that it is them. Counted
    /// like every code; an account without an app is refused with what to do.
    pub async fn confirm_second_factor(&self, actor: &Actor, code: &str) -> Result<()> {
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        if account.totp_enabled_at.is_none() {
            return Err(ServiceError::Forbidden(Message::new(
                "error-step-up-no-app",
            )));
        }
        if code.trim().is_empty() {
            return Err(ServiceError::invalid(Message::new("error-step-up-code")));
        }
        self.platform
            .count_attempt(CODE_PER_ACCOUNT, &account.id)
            .await?;
        let mut tx = self.db.begin().await?;
        let checked = self.check_second_factor(&mut tx, &account, code).await;
        let tx = codes::keep_guess(tx, checked).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts enrolling: a new secret, not yet in force until confirmed with a code.
    pub async fn begin_totp(&self, actor: &Actor) -> Result<TotpSetup> {
        if !actor.is_staff() {
            return Err(forbidden());
        }
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        if account.totp_enabled_at.is_some() {
            return Err(ServiceError::invalid(Message::new(
                "error-second-factor-already",
            )));
        }
        let secret = totp::TotpSecret::new(secrets::random_bytes::<{ totp::SECRET_BYTES }>());
        let encoded = secret.to_base32();
        let mut tx = self.db.begin().await?;
        accounts::update(
            &mut tx,
            &account.id,
            &AccountUpdate {
                totp_secret: Some(Some(encoded.clone())),
                ..AccountUpdate::default()
            },
            self.now(),
        )
        .await?;
        tx.commit().await?;
        let issuer = format!("civicdesk {}", account.jurisdiction_id);
        Ok(TotpSetup {
            otpauth_uri: totp::otpauth_uri(&issuer, &account.login, &secret),
            secret: encoded,
        })
    }

    /// Confirms enrolment with a first code; returns the recovery codes, shown only now. When
    /// called from an enrolment-only session, that session is replaced by a full one.
    pub async fn confirm_totp(
        &self,
        actor: &Actor,
        session_id_hash: Option<&str>,
        code: &str,
    ) -> Result<(Vec<String>, Option<NewSession>)> {
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        // A session waiting for its second step confirms nothing: a new factor must not stand
        // in for the one the account already has.
        if let Some(hash) = session_id_hash {
            let waiting = sessions::find_live(&self.db, hash, self.now())
                .await?
                .is_none_or(|s| SessionStage::parse(&s.stage) == Some(SessionStage::SecondFactor));
            if waiting {
                return Err(forbidden());
            }
        }
        if account.totp_enabled_at.is_some() || account.totp_secret.is_none() {
            return Err(ServiceError::invalid(Message::new(
                "error-second-factor-not-started",
            )));
        }
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| secrets::recovery_code())
            .collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| secrets::sha256_hex(&format!("{}\n{c}", account.id)))
            .collect();
        let now = self.now();
        let secret = secret_of(&account).ok_or_else(wrong_code)?;
        self.platform
            .count_attempt(CODE_PER_ACCOUNT, &account.id)
            .await?;
        let mut tx = self.db.begin().await?;
        let step = totp::verify(&secret, &normalise(code), now, None).ok_or_else(wrong_code)?;
        accounts::update(
            &mut tx,
            &account.id,
            &AccountUpdate {
                totp_enabled_at: Some(Some(now)),
                totp_last_step: Some(step),
                ..AccountUpdate::default()
            },
            now,
        )
        .await?;
        accounts::replace_recovery_codes(&mut tx, &account.id, &hashes).await?;
        // Privileges change: every other session of the account ends, this one is renewed.
        sessions::delete_for_account(&mut tx, &account.id, None).await?;
        let renewed = match session_id_hash {
            Some(_) => Some(
                self.start_session(&mut tx, &account, SessionStage::Full)
                    .await?,
            ),
            None => None,
        };
        audit::record(
            &mut tx,
            actor,
            "account.second_factor_enabled",
            Subject::account(&account.id),
            None,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((codes, renewed))
    }

    /// Turns the second factor off with a current code, unless a role requires it.
    pub async fn disable_totp(&self, actor: &Actor, code: &str) -> Result<()> {
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        if account.totp_enabled_at.is_none() {
            return Err(ServiceError::invalid(Message::new(
                "error-second-factor-not-started",
            )));
        }
        // A passkey can stand in as the factor a role requires.
        if self.second_factor_required(&account).await? && !self.passkey_factor(&account).await? {
            return Err(ServiceError::Forbidden(Message::new(
                "error-second-factor-required",
            )));
        }
        self.platform
            .count_attempt(CODE_PER_ACCOUNT, &account.id)
            .await?;
        let mut tx = self.db.begin().await?;
        let checked = self.check_second_factor(&mut tx, &account, code).await;
        let mut tx = codes::keep_guess(tx, checked).await?;
        self.clear_second_factor(&mut tx, &account.id).await?;
        audit::record(
            &mut tx,
            actor,
            "account.second_factor_disabled",
            Subject::account(&account.id),
            None,
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn clear_second_factor(
        &self,
        tx: &mut store::Tx,
        account_id: &str,
    ) -> Result<()> {
        accounts::update(
            tx,
            account_id,
            &AccountUpdate {
                totp_secret: Some(None),
                totp_enabled_at: Some(None),
                ..AccountUpdate::default()
            },
            self.now(),
        )
        .await?;
        accounts::replace_recovery_codes(tx, account_id, &[]).await?;
        Ok(())
    }
}
