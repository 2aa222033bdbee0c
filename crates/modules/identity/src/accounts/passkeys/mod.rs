//! Passkeys (WebAuthn, through webauthn-rs): registered, named and revoked by their owner; a
//! sign-in of their own without a password (discoverable credentials, user verification
//! required, so the passkey alone is two factors); and, for staff, a second factor after the
//! password. A role may require its holders' second factor to be a passkey.
//!
//! A ceremony has two requests: the server makes a challenge and keeps its state in
//! `passkey_ceremonies` under the hash of a random token the browser holds, for five minutes;
//! the answer takes that state out (once: a replayed answer finds nothing) and webauthn-rs checks
//! the signature, the challenge, the origin and the relying party. The relying party is the
//! public URL's host, so passkeys need the service to be reached by a domain name (`localhost`
//! included), not an IP address.

use super::{AccountKind, NewSession, SessionStage};
use crate::audit::{self, Subject};
use crate::authz::{Actor, forbidden};
use crate::store::accounts::Account;
use crate::store::passkeys::{self, Ceremony, StoredPasskey};
use crate::store::sessions;
use crate::{IdentityApp, Result, ServiceError, secrets};
use domain::Message;
mod sign_in;

use webauthn_rs::prelude::{
    Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder, WebauthnError,
};

/// How long a begun ceremony waits for the browser's answer.
const CEREMONY_SECONDS: i64 = 300;
/// Sign-ins with a passkey started from one address: each keeps a ceremony for five minutes,
/// so a loop of starts is stopped here.
pub(super) const CHALLENGES_PER_ADDRESS: crate::rate_limit::Limit = crate::rate_limit::Limit {
    name: "passkey-challenge-address",
    max: 60,
    window: 15 * 60,
};
/// Passkeys one account may hold.
pub const MAX_PASSKEYS: usize = 10;
/// The longest name of a passkey, in characters.
const MAX_NAME_CHARS: usize = 60;

const REGISTER: &str = "register";
pub(super) const SIGN_IN: &str = "sign_in";
pub(super) const SECOND_FACTOR: &str = "second_factor";

/// A passkey as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A begun ceremony: the token that finishes it, and the options for the browser's
/// `navigator.credentials.create()` or `.get()` (WebAuthn JSON: binary values in base64url).
#[derive(Debug, Clone)]
pub struct PasskeyChallenge {
    pub ceremony: String,
    pub options: serde_json::Value,
}

/// The relying party of a public URL: its host is the RP ID, its origin the only one allowed.
/// None when the host is an IP address (WebAuthn does not allow it) or the URL is unreadable.
pub(crate) fn relying_party(public_url: &str) -> Option<Webauthn> {
    let url = Url::parse(public_url).ok()?;
    let host = url.domain()?.to_string();
    let origin = Url::parse(&url.origin().ascii_serialization()).ok()?;
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("civicdesk")
        .build()
        .ok()
}

/// The WebAuthn user handle of an account: its id when that is a UUID (every account made by
/// civicdesk), else the first 16 bytes of its SHA-256.
pub(super) fn user_handle(account_id: &str) -> Uuid {
    Uuid::parse_str(account_id)
        .or_else(|_| Uuid::parse_str(&secrets::sha256_hex(account_id)[..32]))
        .unwrap_or_default()
}

fn unavailable() -> ServiceError {
    ServiceError::Forbidden(Message::new("error-passkeys-unavailable"))
}

pub(super) fn ceremony_over() -> ServiceError {
    ServiceError::invalid(Message::new("error-passkey-ceremony-over"))
}

/// What a refused answer is told. An answer made for another site says so; the rest are one
/// refusal (a signature or challenge that does not check out tells an attacker nothing more).
pub(super) fn refusal(e: &WebauthnError) -> Message {
    match e {
        WebauthnError::InvalidRPOrigin | WebauthnError::InvalidRPIDHash => {
            Message::new("error-passkey-other-site")
        }
        WebauthnError::UserNotVerified => Message::new("error-passkey-not-verified"),
        _ => Message::new("error-passkey-failed"),
    }
}

pub(super) fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("passkeys: {e}"))
}

pub(super) fn credential_key(id: &[u8]) -> String {
    hex::encode(id)
}

pub(super) fn parse_passkey(p: &StoredPasskey) -> Result<Passkey> {
    serde_json::from_str(&p.credential).map_err(internal)
}

/// A passkey's name as its owner typed it: trimmed, 1 to 60 characters, no control or
/// invisible formatting characters.
pub fn check_passkey_name(input: &str) -> Result<String> {
    let name = input.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid(Message::new(
            "error-passkey-name-missing",
        )));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ServiceError::invalid(
            Message::new("error-passkey-name-long").arg("max", MAX_NAME_CHARS.to_string()),
        ));
    }
    super::parse_display_name(name)
        .map_err(|_| ServiceError::invalid(Message::new("error-display-name-characters")))
}

fn view(p: StoredPasskey) -> PasskeyView {
    PasskeyView {
        id: p.id,
        name: p.name,
        created_at: p.created_at,
        last_used_at: p.last_used_at,
    }
}

impl IdentityApp {
    pub(super) fn relying_party(&self) -> Result<Webauthn> {
        relying_party(&self.config().public_url).ok_or_else(unavailable)
    }

    /// Whether passkeys can be used here (the public URL names a host, not an IP address).
    pub fn passkeys_available(&self) -> bool {
        relying_party(&self.config().public_url).is_some()
    }

    pub(super) async fn keep_ceremony(
        &self,
        purpose: &str,
        account_id: Option<&str>,
        state: &impl serde::Serialize,
    ) -> Result<String> {
        let token = secrets::token_of::<32>();
        let now = self.now();
        passkeys::begin_ceremony(
            &self.db,
            &secrets::sha256_hex(&token),
            &Ceremony {
                purpose: purpose.to_string(),
                account_id: account_id.map(str::to_string),
                state: serde_json::to_string(state).map_err(internal)?,
                expires_at: now + CEREMONY_SECONDS,
            },
            now,
        )
        .await?;
        Ok(token)
    }

    /// Takes a ceremony of this purpose, if it is still running.
    pub(super) async fn take_ceremony(&self, token: &str, purpose: &str) -> Result<Ceremony> {
        passkeys::take_ceremony(&self.db, &secrets::sha256_hex(token.trim()), purpose)
            .await?
            .filter(|c| c.expires_at >= self.now())
            .ok_or_else(ceremony_over)
    }

    /// The signed-in person's passkeys, oldest first.
    pub async fn my_passkeys(&self, actor: &Actor) -> Result<Vec<PasskeyView>> {
        let account = actor.account()?;
        Ok(passkeys::of_account(&self.db, account)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// Whether the account has a passkey that serves as its second factor (staff only: a
    /// citizen's passkey is a way to sign in, not a second step after the password).
    pub(crate) async fn passkey_factor(&self, account: &Account) -> Result<bool> {
        if account.kind != AccountKind::Staff.as_str() {
            return Ok(false);
        }
        Ok(!passkeys::of_account(&self.db, &account.id)
            .await?
            .is_empty())
    }

    /// Whether one of the account's roles requires its second factor to be a passkey.
    pub(crate) async fn passkey_required(&self, account: &Account) -> Result<bool> {
        if account.kind != AccountKind::Staff.as_str() {
            return Ok(false);
        }
        Ok(passkeys::passkey_required(&self.db, &account.id, &account.jurisdiction_id).await?)
    }

    /// The stage of the browser session a passkey is registered from. Only a session adds a
    /// passkey (an access token must not mint a way to sign in that outlives it), and only one
    /// signed in or enrolling: one waiting for its second step may not add a factor.
    async fn registering_stage(
        &self,
        account_id: &str,
        session_id_hash: Option<&str>,
    ) -> Result<SessionStage> {
        let Some(hash) = session_id_hash else {
            return Err(ServiceError::Forbidden(Message::new(
                "error-passkey-needs-session",
            )));
        };
        match sessions::find_live(&self.db, hash, self.now())
            .await?
            .filter(|s| s.account_id == account_id)
            .and_then(|s| SessionStage::parse(&s.stage))
        {
            Some(stage @ (SessionStage::Full | SessionStage::EnrolSecondFactor)) => Ok(stage),
            _ => Err(forbidden()),
        }
    }

    /// Starts registering a passkey for the signed-in person (or a staff member enrolling the
    /// second factor their role requires), from their browser session.
    pub async fn begin_passkey_registration(
        &self,
        actor: &Actor,
        session_id_hash: Option<&str>,
    ) -> Result<PasskeyChallenge> {
        let rp = self.relying_party()?;
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        self.registering_stage(&account.id, session_id_hash).await?;
        let existing = passkeys::of_account(&self.db, &account.id).await?;
        if existing.len() >= MAX_PASSKEYS {
            return Err(ServiceError::invalid(
                Message::new("error-passkey-too-many").arg("max", MAX_PASSKEYS.to_string()),
            ));
        }
        let exclude = existing
            .iter()
            .map(|p| parse_passkey(p).map(|k| k.cred_id().clone()))
            .collect::<Result<Vec<_>>>()?;
        let (challenge, state) = rp
            .start_passkey_registration(
                user_handle(&account.id),
                &account.login,
                &account.display_name,
                Some(exclude),
            )
            .map_err(internal)?;
        let mut options = serde_json::to_value(&challenge).map_err(internal)?;
        // A passkey the browser can offer without a user name, where the authenticator can
        // keep one (webauthn-rs asks for none, to spare security keys' few slots).
        if let Some(sel) = options.pointer_mut("/publicKey/authenticatorSelection") {
            sel["residentKey"] = serde_json::json!("preferred");
        }
        let ceremony = self
            .keep_ceremony(REGISTER, Some(&account.id), &state)
            .await?;
        Ok(PasskeyChallenge { ceremony, options })
    }

    /// Finishes registering: the browser's answer (`credential`, WebAuthn JSON) is checked
    /// against the ceremony, and the passkey kept under the given name. From a session that
    /// was only allowed to enrol a second factor, that session is replaced by a full one.
    pub async fn finish_passkey_registration(
        &self,
        actor: &Actor,
        session_id_hash: Option<&str>,
        ceremony: &str,
        name: &str,
        credential: &str,
    ) -> Result<(PasskeyView, Option<NewSession>)> {
        let rp = self.relying_party()?;
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        let stage = self.registering_stage(&account.id, session_id_hash).await?;
        let name = check_passkey_name(name)?;
        let c = self.take_ceremony(ceremony, REGISTER).await?;
        if c.account_id.as_deref() != Some(account.id.as_str()) {
            return Err(ceremony_over());
        }
        let state: PasskeyRegistration = serde_json::from_str(&c.state).map_err(internal)?;
        let answer: RegisterPublicKeyCredential = serde_json::from_str(credential)
            .map_err(|_| ServiceError::invalid(Message::new("error-passkey-failed")))?;
        let passkey = rp
            .finish_passkey_registration(&answer, &state)
            .map_err(|e| ServiceError::invalid(refusal(&e)))?;
        let now = self.now();
        let stored = StoredPasskey {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account.id.clone(),
            credential_id: credential_key(passkey.cred_id().as_ref()),
            name,
            credential: serde_json::to_string(&passkey).map_err(internal)?,
            created_at: now,
            last_used_at: None,
        };
        let mut tx = self.db.begin().await?;
        if let Err(e) = passkeys::insert(&mut tx, &stored).await {
            return Err(if e.is_unique_violation() {
                ServiceError::invalid(Message::new("error-passkey-already"))
            } else {
                e.into()
            });
        }
        let renewed = if stage == SessionStage::EnrolSecondFactor {
            // Privileges change: the enrolment-only session becomes a full one.
            sessions::delete_for_account(&mut tx, &account.id, None).await?;
            Some(
                self.start_session(&mut tx, &account, SessionStage::Full)
                    .await?,
            )
        } else {
            None
        };
        audit::record(
            &mut tx,
            actor,
            "account.passkey_added",
            Subject::account(&account.id),
            None,
            serde_json::json!({ "passkey": stored.id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((view(stored), renewed))
    }

    /// Renames one of the signed-in person's passkeys.
    pub async fn rename_passkey(&self, actor: &Actor, id: &str, name: &str) -> Result<()> {
        let account = actor.account()?;
        let name = check_passkey_name(name)?;
        let mut tx = self.db.begin().await?;
        if !passkeys::rename(&mut tx, account, id, &name).await? {
            return Err(ServiceError::NotFound(Message::new(
                "error-passkey-unknown",
            )));
        }
        audit::record(
            &mut tx,
            actor,
            "account.passkey_renamed",
            Subject::account(account),
            None,
            serde_json::json!({ "passkey": id }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes one of the signed-in person's passkeys; it no longer signs in. The last passkey
    /// of a staff member whose role needs it (a passkey, or a second factor they have no other
    /// of) stays.
    pub async fn revoke_passkey(&self, actor: &Actor, id: &str) -> Result<()> {
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        let mine = passkeys::of_account(&self.db, &account.id).await?;
        if !mine.iter().any(|p| p.id == id) {
            return Err(ServiceError::NotFound(Message::new(
                "error-passkey-unknown",
            )));
        }
        let needed = self.passkey_required(&account).await?
            || (account.kind == AccountKind::Staff.as_str()
                && account.totp_enabled_at.is_none()
                && self.second_factor_required(&account).await?);
        let mut tx = self.db.begin().await?;
        // Counted with the account held: two removals at once cannot both take "one of two".
        crate::store::consents::hold_account(&mut tx, &account.id).await?;
        if needed && passkeys::count_in(&mut tx, &account.id).await? <= 1 {
            return Err(ServiceError::Forbidden(Message::new(
                "error-passkey-last-required",
            )));
        }
        passkeys::delete(&mut tx, &account.id, id).await?;
        audit::record(
            &mut tx,
            actor,
            "account.passkey_revoked",
            Subject::account(&account.id),
            None,
            serde_json::json!({ "passkey": id }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_public_hosts() {
        assert!(relying_party("https://1999.example.gov.tw").is_some());
        assert!(relying_party("http://localhost:8080").is_some());
        // WebAuthn has no relying party for an IP address.
        assert!(relying_party("http://127.0.0.1:8080").is_none());
        assert!(relying_party("not a url").is_none());
    }

    #[test]
    fn a_user_handle_is_the_accounts_uuid_or_a_stable_digest() {
        let id = "0193a5b0-7c1e-7000-8000-000000000001";
        assert_eq!(user_handle(id).to_string(), id);
        assert_eq!(user_handle("demo-admin"), user_handle("demo-admin"));
        assert_ne!(user_handle("demo-admin"), user_handle("demo-agent"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_passkey_name("  ").is_err());
        assert!(check_passkey_name(&"手".repeat(61)).is_err());
        assert!(check_passkey_name("bad\u{202E}name").is_err());
        assert_eq!(
            check_passkey_name("  我的手機 ").ok().as_deref(),
            Some("我的手機")
        );
    }
}
