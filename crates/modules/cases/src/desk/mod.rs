//! The 1999 agent's desk: who is calling (the caller's cases, earlier calls and care flag,
//! looked up by any way of writing their number, audited as a read of personal data), the
//! contact log for calls that create no case, the 110/119 redirect, and the out-call (caring
//! call, 關懷電話) queue that case work feeds: a low satisfaction score, a reopened case, a
//! resolved P1 case, or a new case from a caller flagged as needing care.
//!
//! Phone numbers are reduced to one key by `crate::domain::desk::CallerNumber` before they are stored
//! or compared. Lists show them masked; the full number is shown by a lookup, a filtered
//! contact list and a claimed out-call, each audited.

mod care;
mod contacts;
mod hooks;
mod lookup;
mod outcalls;

pub use contacts::{LoggedContact, NewContact};
pub use lookup::{CallerHistory, ContactQuery};
pub use outcalls::OutcallQuery;

use crate::authz::Actor;
use crate::domain::desk::CallerNumber;
use crate::store::desk::CitizenMatch;
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use domain::actor::ActorRef;

/// A caller number from the agent's input, or a 400 saying what is wrong with it.
pub(crate) fn caller_number(text: &str) -> Result<CallerNumber> {
    CallerNumber::parse(text).map_err(ServiceError::invalid)
}

/// The reason a staff member gives for reading personal data.
pub(crate) fn reason(text: &str) -> Result<&str> {
    let reason = text.trim();
    if reason.chars().count() < 2 || reason.chars().count() > 500 {
        return Err(ServiceError::invalid(Message::new("error-reason-required")));
    }
    Ok(reason)
}

/// Trimmed text of at most `max` characters; `None` when blank.
pub(crate) fn bounded(
    text: Option<&str>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    domain::limits::check_field(field, t, max).map_err(ServiceError::invalid)?;
    Ok(Some(t.to_string()))
}

/// Who did it, for rows that name staff: the account, or the operator at the command line.
pub(crate) fn staff_id(actor: &Actor) -> String {
    actor
        .account_id
        .clone()
        .unwrap_or_else(|| ActorRef::system(&actor.label).to_string())
}

impl CasesApp {
    /// The id of the citizen account a stored number key belongs to.
    pub(crate) async fn citizen_id_of_key(
        &self,
        jurisdiction_id: &str,
        key: Option<&str>,
    ) -> Result<Option<String>> {
        match key.and_then(|k| CallerNumber::parse(k).ok()) {
            Some(n) => Ok(citizen_of(&self.db, jurisdiction_id, &n)
                .await?
                .map(|c| c.id)),
            None => Ok(None),
        }
    }
}

/// The citizen account a number belongs to (mobiles only: accounts hold no landlines).
pub(crate) async fn citizen_of(
    db: &store::Db,
    jurisdiction_id: &str,
    number: &CallerNumber,
) -> Result<Option<CitizenMatch>> {
    match number.mobile() {
        Some(m) => Ok(crate::store::desk::citizen_by_mobile(db, jurisdiction_id, m).await?),
        None => Ok(None),
    }
}

/// The audit subject for something about a caller number: the citizen when the number is
/// theirs, otherwise the masked number (the trail holds no full numbers).
pub(crate) struct CallerSubject {
    masked: String,
    citizen: Option<String>,
}

impl CallerSubject {
    pub(crate) fn new(number: &CallerNumber, citizen: Option<&CitizenMatch>) -> CallerSubject {
        CallerSubject {
            masked: number.masked(),
            citizen: citizen.map(|c| c.id.clone()),
        }
    }

    pub(crate) fn subject(&self) -> crate::audit::Subject<'_> {
        match &self.citizen {
            Some(id) => crate::audit::Subject::citizen(id),
            None => crate::audit::Subject {
                kind: "caller",
                id: &self.masked,
                data_subject: None,
            },
        }
    }
}
