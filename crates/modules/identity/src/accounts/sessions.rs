//! Server-side sessions: created at sign-in with a fresh random id (so a planted id is never
//! promoted), idle and absolute expiry, rotation when privileges change, and sign-out here or
//! everywhere. The cookie holds the id; the database holds its SHA-256.

use super::{AccountKind, STATUS_ACTIVE, SessionStage};
use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::store::accounts::Account;
use crate::store::sessions::{self, Session};
use crate::{IdentityApp, Result, secrets};

/// How long sessions live, by kind of account.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub staff_idle: i64,
    pub staff_absolute: i64,
    pub citizen_idle: i64,
    pub citizen_absolute: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            staff_idle: 30 * 60,
            staff_absolute: 12 * 3600,
            citizen_idle: 2 * 3600,
            citizen_absolute: 14 * 24 * 3600,
        }
    }
}

impl SessionPolicy {
    fn limits(&self, kind: &str) -> (i64, i64) {
        if kind == AccountKind::Staff.as_str() {
            (self.staff_idle, self.staff_absolute)
        } else {
            (self.citizen_idle, self.citizen_absolute)
        }
    }
}

/// A session just created: the raw id goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub csrf_token: String,
    pub stage: SessionStage,
    pub expires_at: i64,
}

/// Idle expiry is extended at most once a minute, so reads do not all become writes.
const TOUCH_INTERVAL: i64 = 60;

impl IdentityApp {
    /// Starts a session for an account inside the caller's transaction.
    pub(crate) async fn start_session(
        &self,
        tx: &mut store::Tx,
        account: &Account,
        stage: SessionStage,
    ) -> Result<NewSession> {
        let now = self.now();
        let (idle, absolute) = self.session_policy().limits(&account.kind);
        let id = secrets::token_of::<32>();
        let csrf_token = secrets::token_of::<32>();
        let session = Session {
            id_hash: secrets::sha256_hex(&id),
            account_id: account.id.clone(),
            jurisdiction_id: account.jurisdiction_id.clone(),
            stage: stage.as_str().to_string(),
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            idle_expires_at: (now + idle).min(now + absolute),
            expires_at: now + absolute,
        };
        sessions::insert(tx, &session).await?;
        Ok(NewSession {
            id,
            csrf_token,
            stage,
            expires_at: session.expires_at,
        })
    }

    /// The session and actor for a cookie value, if the session is live and the account active.
    /// A full session of an account that a role now requires a second factor of, and that has
    /// none, is downgraded to `enrol_second_factor` here, on its next request.
    pub async fn authenticate_session(
        &self,
        raw_id: &str,
        request_id: Option<String>,
    ) -> Result<Option<(Session, Actor)>> {
        let now = self.now();
        let Some(session) =
            sessions::find_live(&self.db, &secrets::sha256_hex(raw_id), now).await?
        else {
            return Ok(None);
        };
        let Some(account) = crate::store::accounts::find(&self.db, &session.account_id).await?
        else {
            return Ok(None);
        };
        if account.status != STATUS_ACTIVE {
            return Ok(None);
        }
        if now - session.last_seen_at >= TOUCH_INTERVAL {
            let (idle, _) = self.session_policy().limits(&account.kind);
            sessions::touch(
                &self.db,
                &session.id_hash,
                now,
                (now + idle).min(session.expires_at),
            )
            .await?;
        }
        let (grants, factor_required) = self.grants_and_second_factor(&account).await?;
        let mut session = session;
        let lacking = SessionStage::parse(&session.stage) == Some(SessionStage::Full)
            && self
                .lacks_required_factor(&account, factor_required)
                .await?;
        if lacking {
            // A role now requires a second factor this account lacks (the policy changed, or a
            // role was granted, after the session began): the session keeps only enrolment.
            let stage = SessionStage::EnrolSecondFactor.as_str();
            sessions::set_stage(&self.db, &session.id_hash, stage).await?;
            session.stage = stage.to_string();
        }
        let actor = super::actor_with(&account, grants, self.platform.permissions(), request_id);
        Ok(Some((session, actor)))
    }

    /// Whether the account lacks the second factor its roles require (`factor_required`, as
    /// read with its grants): none at all, or no passkey where a role wants one. Only staff
    /// whose roles require a factor pay the reads.
    pub(crate) async fn lacks_required_factor(
        &self,
        account: &Account,
        factor_required: bool,
    ) -> Result<bool> {
        Ok(factor_required
            && !self.passkey_factor(account).await?
            && (account.totp_enabled_at.is_none() || self.passkey_required(account).await?))
    }

    /// Ends one session; answers the city identity provider it was signed in through, if any
    /// (whose own session [`IdentityApp::provider_logout_url`] ends).
    pub async fn sign_out(&self, actor: &Actor, session_id_hash: &str) -> Result<Option<String>> {
        let mut tx = self.db.begin().await?;
        let provider = sessions::login_provider(&mut tx, session_id_hash).await?;
        sessions::delete(&mut tx, session_id_hash).await?;
        audit::record(
            &mut tx,
            actor,
            "session.sign_out",
            Subject::account(actor.account()?),
            None,
            serde_json::json!({ "provider": provider }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(provider)
    }

    /// Ends every session of the actor's account, on every device.
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> Result<u64> {
        let me = actor.account()?;
        let mut tx = self.db.begin().await?;
        let ended = sessions::delete_for_account(&mut tx, me, None).await?;
        audit::record(
            &mut tx,
            actor,
            "session.sign_out_everywhere",
            Subject::account(me),
            None,
            serde_json::json!({ "sessions_ended": ended }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Removes expired sessions.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        Ok(sessions::delete_expired(&self.db, self.now()).await?)
    }
}
