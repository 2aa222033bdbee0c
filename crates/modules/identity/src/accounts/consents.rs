//! The consent ledger's use cases: a citizen gives, renews and withdraws consent to the
//! purposes the modules declare, and sees the history; and the one question every use of
//! personal data beyond the citizen's own task asks where the data is used, in the module's
//! app: [`IdentityApp::basis_for`] (or [`IdentityApp::basis_in`] inside the use's own
//! transaction). A withdrawn consent stops the next use at once: nothing caches it. The rules
//! are `domain::consent`.

use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::domain::consent::{self, Basis, Consent, DAY, Ending, State};
use crate::store::consents as store;
use crate::{IdentityApp, Result, ServiceError};
use ::store::Tx;
use domain::Message;
use platform::personal_data::{LegalBasis, Purpose};

/// One purpose as the citizen's consent page shows it: what it is, the running consent if
/// there is one, and the durations they may choose.
#[derive(Debug, Clone)]
pub struct PurposeConsent {
    pub purpose: &'static Purpose,
    pub running: Option<Consent>,
    pub choices: Vec<u32>,
}

/// A citizen's consents: every declared purpose, and every consent they ever gave.
#[derive(Debug, Clone, Default)]
pub struct MyConsents {
    pub purposes: Vec<PurposeConsent>,
    pub history: Vec<Consent>,
}

fn unknown_purpose() -> ServiceError {
    ServiceError::NotFound(Message::new("error-consent-purpose-unknown"))
}

fn unknown_consent() -> ServiceError {
    ServiceError::NotFound(Message::new("error-consent-unknown"))
}

/// The account of a signed-in citizen: consent is theirs to give.
fn citizen(actor: &Actor) -> Result<&str> {
    if actor.kind != crate::authz::ActorKind::Citizen {
        return Err(crate::authz::forbidden());
    }
    actor.account()
}

impl IdentityApp {
    /// The purposes this build's modules declare, in build order.
    pub fn purposes(&self) -> Vec<&'static Purpose> {
        self.platform.purposes().collect()
    }

    /// The signed-in citizen's consents.
    pub async fn my_consents(&self, actor: &Actor) -> Result<MyConsents> {
        let me = citizen(actor)?;
        let history = store::of_account(&self.db, me).await?;
        let now = self.now();
        let purposes = self
            .platform
            .purposes()
            .map(|p| PurposeConsent {
                purpose: p,
                running: history
                    .iter()
                    .find(|c| c.purpose == p.code && c.state_at(now) == State::Active)
                    .cloned(),
                choices: consent::duration_choices(p),
            })
            .collect();
        Ok(MyConsents { purposes, history })
    }

    /// One of the signed-in citizen's consents, with the purpose it was given to (absent if
    /// no module of this build declares it any more).
    pub async fn my_consent(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(Consent, Option<&'static Purpose>)> {
        let me = citizen(actor)?;
        let c = store::find(&self.db, me, id)
            .await?
            .ok_or_else(unknown_consent)?;
        let purpose = self.platform.purpose(&c.purpose);
        Ok((c, purpose))
    }

    /// The signed-in citizen consents to `purpose` for `days`, having read it in `language`.
    /// A consent already running for the purpose is renewed by this one.
    pub async fn give_consent(
        &self,
        actor: &Actor,
        purpose: &str,
        days: u32,
        language: &str,
    ) -> Result<Consent> {
        let me = citizen(actor)?;
        let p = self.platform.purpose(purpose).ok_or_else(unknown_purpose)?;
        consent::check_grant(p, days).map_err(ServiceError::invalid)?;
        let now = self.now();
        let (recipient_kind, recipient) = p.recipient.parts();
        let c = Consent {
            id: uuid::Uuid::now_v7().to_string(),
            subject: me.to_string(),
            purpose: p.code.to_string(),
            data: p.data.iter().map(|d| d.to_string()).collect(),
            recipient_kind: recipient_kind.to_string(),
            recipient: recipient.to_string(),
            given_at: now,
            expires_at: now + i64::from(days) * DAY,
            ended: None,
        };
        let mut tx = self.db.begin().await?;
        store::hold_account(&mut tx, me).await?;
        let renewed = store::end_running(&mut tx, me, p.code, now, Ending::Renewed).await?;
        store::insert(&mut tx, &actor.jurisdiction_id, &c, language).await?;
        audit::record(
            &mut tx,
            actor,
            "consent.given",
            Subject {
                kind: "consent",
                id: &c.id,
                data_subject: Some(me),
            },
            None,
            serde_json::json!({ "purpose": p.code, "days": days, "renewed": renewed }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The signed-in citizen withdraws a running consent. From this moment no use stands on
    /// it.
    pub async fn withdraw_consent(&self, actor: &Actor, id: &str) -> Result<()> {
        let me = citizen(actor)?;
        let c = store::find(&self.db, me, id)
            .await?
            .ok_or_else(unknown_consent)?;
        let now = self.now();
        if c.state_at(now) != State::Active {
            return Err(ServiceError::invalid(Message::new(
                "error-consent-not-running",
            )));
        }
        let mut tx = self.db.begin().await?;
        store::hold_account(&mut tx, me).await?;
        // This consent, if it still runs: a renewal since has ended it, and is its own to
        // withdraw.
        if !store::end_one(&mut tx, me, &c.id, now, Ending::Withdrawn).await? {
            return Err(ServiceError::invalid(Message::new(
                "error-consent-not-running",
            )));
        }
        // What the consent brought from outside goes with it (a MyData import not yet used).
        crate::store::mydata::discard_running(&mut tx, me, &c.purpose, now).await?;
        audit::record(
            &mut tx,
            actor,
            "consent.withdrawn",
            Subject {
                kind: "consent",
                id: &c.id,
                data_subject: Some(me),
            },
            None,
            serde_json::json!({ "purpose": c.purpose }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The question every use of a citizen's personal data for `purpose` asks, where the data
    /// is used: on what basis? A statutory purpose stands on its law; any other on a consent
    /// running now. A refusal is 403 and says why (never given, withdrawn, expired). Asking
    /// about a purpose no module declares is a bug (500).
    pub async fn basis_for(&self, subject: &str, purpose: &str) -> Result<Basis> {
        let p = self.declared(purpose)?;
        if let LegalBasis::Statute(law) = p.basis {
            return Ok(Basis::Statute(law));
        }
        let consents = store::for_purpose(&self.db, subject, purpose).await?;
        decided(p, &consents, self.now())
    }

    /// [`Self::basis_for`] inside the transaction that uses the data, so a withdrawal
    /// committed before the use is read by it.
    pub async fn basis_in(&self, tx: &mut Tx, subject: &str, purpose: &str) -> Result<Basis> {
        let p = self.declared(purpose)?;
        if let LegalBasis::Statute(law) = p.basis {
            return Ok(Basis::Statute(law));
        }
        let consents = store::for_purpose_in(tx, subject, purpose).await?;
        decided(p, &consents, self.now())
    }

    fn declared(&self, purpose: &str) -> Result<&'static Purpose> {
        self.platform.purpose(purpose).ok_or_else(|| {
            ServiceError::Internal(format!("no module declares the purpose {purpose}"))
        })
    }
}

fn decided(p: &Purpose, consents: &[Consent], now: i64) -> Result<Basis> {
    consent::decide(p, consents, now).map_err(|r| ServiceError::Forbidden(r.message()))
}
