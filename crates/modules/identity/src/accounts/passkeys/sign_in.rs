//! Signing in with a passkey: without a password (a discoverable credential, verified by its
//! owner) and as the second step of a staff sign-in after the password.

use super::{
    CHALLENGES_PER_ADDRESS, PasskeyChallenge, SECOND_FACTOR, SIGN_IN, ceremony_over,
    credential_key, internal, parse_passkey, refusal, user_handle,
};
use crate::accounts::signup::self_actor;
use crate::accounts::{LoginOutcome, NewSession, STATUS_ACTIVE, SessionStage, SignInContext};
use crate::audit::{self, Subject};
use crate::authz::forbidden;
use crate::rate_limit::LOGIN_PER_ADDRESS;
use crate::store::accounts::{self, Account};
use crate::store::passkeys;
use crate::store::sessions;
use crate::{IdentityApp, Result, ServiceError};
use domain::Message;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyAuthentication, PublicKeyCredential,
};

impl IdentityApp {
    /// Starts a sign-in with a passkey and no user name: the browser offers the passkeys it
    /// holds for this site.
    pub async fn begin_passkey_sign_in(&self, client: &str) -> Result<PasskeyChallenge> {
        let rp = self.relying_party()?;
        self.platform
            .count_attempt(CHALLENGES_PER_ADDRESS, client)
            .await?;
        let (challenge, state) = rp.start_discoverable_authentication().map_err(internal)?;
        let mut options = serde_json::to_value(&challenge).map_err(internal)?;
        // A button press asks for the passkey now (not the autofill-only "conditional" way).
        if let Some(o) = options.as_object_mut() {
            o.remove("mediation");
        }
        let ceremony = self.keep_ceremony(SIGN_IN, None, &state).await?;
        Ok(PasskeyChallenge { ceremony, options })
    }

    /// Finishes a passkey sign-in and opens a full session: a passkey with user verification is
    /// two factors in itself, so no second step follows.
    pub async fn finish_passkey_sign_in(
        &self,
        jurisdiction_id: &str,
        ceremony: &str,
        credential: &str,
        context: SignInContext<'_>,
        request_id: Option<String>,
    ) -> Result<LoginOutcome> {
        let rp = self.relying_party()?;
        self.platform
            .count_attempt(LOGIN_PER_ADDRESS, context.client)
            .await?;
        let failed = || ServiceError::Unauthenticated(Message::new("error-passkey-failed"));
        let c = self.take_ceremony(ceremony, SIGN_IN).await?;
        let state: DiscoverableAuthentication = serde_json::from_str(&c.state).map_err(internal)?;
        let answer: PublicKeyCredential = serde_json::from_str(credential).map_err(|_| failed())?;
        let (handle, credential_id) = rp
            .identify_discoverable_authentication(&answer)
            .map_err(|_| failed())?;
        let stored = passkeys::by_credential(&self.db, &credential_key(credential_id))
            .await?
            .filter(|p| user_handle(&p.account_id) == handle)
            .ok_or_else(failed)?;
        let account = accounts::find(&self.db, &stored.account_id)
            .await?
            .filter(|a| a.jurisdiction_id == jurisdiction_id && a.status == STATUS_ACTIVE)
            .ok_or_else(failed)?;
        let mut passkey = parse_passkey(&stored)?;
        let result = rp
            .finish_discoverable_authentication_v2(&answer, state, &passkey)
            .map_err(|e| ServiceError::Unauthenticated(refusal(&e)))?;
        passkey.update_credential(&result);
        self.platform
            .refund_attempt(LOGIN_PER_ADDRESS, context.client)
            .await?;
        let mut tx = self.db.begin().await?;
        passkeys::record_use(
            &mut tx,
            &stored.id,
            &serde_json::to_string(&passkey).map_err(internal)?,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        self.open_session_at(
            account,
            SessionStage::Full,
            context,
            request_id,
            serde_json::json!({ "passkey": stored.id }),
        )
        .await
    }

    /// Starts the second step of a staff sign-in with one of the account's passkeys.
    pub async fn begin_passkey_second_factor(
        &self,
        session_id_hash: &str,
        account_id: &str,
    ) -> Result<PasskeyChallenge> {
        let rp = self.relying_party()?;
        self.pending_second_factor(session_id_hash, account_id)
            .await?;
        let keys = passkeys::of_account(&self.db, account_id)
            .await?
            .iter()
            .map(parse_passkey)
            .collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(ServiceError::invalid(Message::new("error-passkey-none")));
        }
        let (challenge, state) = rp.start_passkey_authentication(&keys).map_err(internal)?;
        let options = serde_json::to_value(&challenge).map_err(internal)?;
        let ceremony = self
            .keep_ceremony(SECOND_FACTOR, Some(account_id), &state)
            .await?;
        Ok(PasskeyChallenge { ceremony, options })
    }

    /// Completes a sign-in that awaits the second factor with a passkey: the half session ends
    /// and a full one with a new id starts.
    pub async fn complete_second_factor_with_passkey(
        &self,
        session_id_hash: &str,
        account_id: &str,
        ceremony: &str,
        credential: &str,
        request_id: Option<String>,
    ) -> Result<NewSession> {
        let rp = self.relying_party()?;
        let account = self
            .pending_second_factor(session_id_hash, account_id)
            .await?;
        let c = self.take_ceremony(ceremony, SECOND_FACTOR).await?;
        if c.account_id.as_deref() != Some(account_id) {
            return Err(ceremony_over());
        }
        let state: PasskeyAuthentication = serde_json::from_str(&c.state).map_err(internal)?;
        let answer: PublicKeyCredential = serde_json::from_str(credential)
            .map_err(|_| ServiceError::invalid(Message::new("error-passkey-failed")))?;
        let stored = passkeys::by_credential(&self.db, &credential_key(answer.get_credential_id()))
            .await?
            .filter(|p| p.account_id == account_id)
            .ok_or_else(|| ServiceError::invalid(Message::new("error-passkey-failed")))?;
        let mut passkey = parse_passkey(&stored)?;
        let result = rp
            .finish_passkey_authentication(&answer, &state)
            .map_err(|e| ServiceError::invalid(refusal(&e)))?;
        passkey.update_credential(&result);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        passkeys::record_use(
            &mut tx,
            &stored.id,
            &serde_json::to_string(&passkey).map_err(internal)?,
            now,
        )
        .await?;
        sessions::delete(&mut tx, session_id_hash).await?;
        let session = self
            .start_session(&mut tx, &account, SessionStage::Full)
            .await?;
        audit::record(
            &mut tx,
            &self_actor(&account, request_id),
            "session.second_factor",
            Subject::account(&account.id),
            None,
            serde_json::json!({ "passkey": stored.id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// What the account waiting at this session's second step can use: (a passkey, a code from
    /// its authenticator app).
    pub async fn second_step_options(
        &self,
        session_id_hash: &str,
        account_id: &str,
    ) -> (bool, bool) {
        match self
            .pending_second_factor(session_id_hash, account_id)
            .await
        {
            Ok(account) => (
                self.passkey_factor(&account).await.unwrap_or(false),
                account.totp_enabled_at.is_some(),
            ),
            Err(_) => (false, true),
        }
    }

    /// The account of a live session at stage `second_factor`.
    pub(crate) async fn pending_second_factor(
        &self,
        session_id_hash: &str,
        account_id: &str,
    ) -> Result<Account> {
        let pending = sessions::find_live(&self.db, session_id_hash, self.now())
            .await?
            .filter(|s| {
                s.account_id == account_id
                    && SessionStage::parse(&s.stage) == Some(SessionStage::SecondFactor)
            });
        if pending.is_none() {
            return Err(ServiceError::invalid(Message::new(
                "error-second-factor-not-pending",
            )));
        }
        accounts::find(&self.db, account_id)
            .await?
            .ok_or_else(forbidden)
    }
}
