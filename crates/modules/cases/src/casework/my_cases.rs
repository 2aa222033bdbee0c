//! A signed-in citizen's own cases: those they reported signed in, and earlier ones made
//! without an account with the e-mail address or mobile number their account verified. They
//! open and reopen them without the case password.

use super::citizen::{Tracking, case_number_as_typed};
use crate::store::case_work::{self, WorkView};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use domain::actor::ActorRef;

impl CasesApp {
    /// One of the signed-in citizen's own cases and its public timeline, without the case's
    /// password: their account reported it. Any other case is not found.
    pub async fn my_case(&self, actor: &crate::authz::Actor, number: &str) -> Result<Tracking> {
        if !actor.is_citizen() {
            return Err(crate::authz::forbidden());
        }
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let number = case_number_as_typed(number);
        let keys = self.reporter_keys(actor).await?;
        let work = case_work::reported_case(&self.db, &j.id, &keys, &number)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(Message::new("error-request-unknown").arg("id", number))
            })?;
        self.tracking_of(&j, work).await
    }

    /// Reopens one of the signed-in citizen's own cases ([`Self::my_case`]), as
    /// [`Self::reopen_case`] does with the number and password.
    pub async fn reopen_my_case(
        &self,
        actor: &crate::authz::Actor,
        number: &str,
        reason: &str,
    ) -> Result<Tracking> {
        let tracked = self.my_case(actor, number).await?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let work = case_work::find(&self.db, &j.id, &tracked.case_number)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(
                    Message::new("error-request-unknown").arg("id", tracked.case_number.clone()),
                )
            })?;
        let by = ActorRef::Citizen {
            account_id: Some(actor.account()?.to_string()),
        };
        self.reopen(&j, work, reason, by).await?;
        self.my_case(actor, number).await
    }

    /// The signed-in citizen's own reports, newest first: those made signed in, and earlier
    /// ones made without an account with the e-mail address or mobile number their account
    /// verified.
    pub async fn my_cases(&self, actor: &crate::authz::Actor) -> Result<Vec<WorkView>> {
        let keys = self.reporter_keys(actor).await?;
        Ok(case_work::reported_by(&self.db, &actor.jurisdiction_id, &keys, 200).await?)
    }

    /// Whose reports are the citizen's: their account, and the contacts it verified (a
    /// citizen account is active only once its login, an e-mail address or a mobile number,
    /// was verified with a code).
    async fn reporter_keys(&self, actor: &crate::authz::Actor) -> Result<case_work::ReporterKeys> {
        let account_id = actor.account()?.to_string();
        if !actor.is_citizen() {
            return Ok(case_work::ReporterKeys {
                account_id,
                ..Default::default()
            });
        }
        let profile = self.identity.my_profile(actor).await?;
        Ok(case_work::ReporterKeys {
            account_id,
            email: profile.email.map(|e| e.trim().to_lowercase()),
            phone_key: profile
                .mobile
                .and_then(|m| crate::domain::desk::CallerNumber::parse(&m).ok())
                .map(|n| n.key().to_string()),
        })
    }
}
