//! Who is calling: the caller's account, cases, earlier calls and care flag.

use super::{CallerSubject, caller_number, citizen_of, reason};
use crate::audit;
use crate::authz::{Actor, Target};
use crate::domain::desk::{CallerNumber, mask_key};
use crate::store::desk::{CallerCase, CareFlag, CitizenMatch, ContactFilter, ContactRow};
use crate::{CasesApp, Result};

/// How many cases and contacts a lookup shows.
const HISTORY_LIMIT: u64 = 50;

/// What the agent sees about a caller.
#[derive(Debug, Clone)]
pub struct CallerHistory {
    pub number: CallerNumber,
    /// The citizen account with this mobile number, if any.
    pub citizen: Option<CitizenMatch>,
    /// Cases reported from this number or by the citizen's account, newest first: numbers and
    /// states only.
    pub cases: Vec<CallerCase>,
    /// Earlier calls from this number, newest first.
    pub contacts: Vec<ContactRow>,
    pub care_flag: Option<CareFlag>,
}

/// Which contacts to list.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    /// Only calls from this number (a read of personal data: needs a reason).
    pub phone: Option<String>,
    pub reason: Option<String>,
    pub before: Option<(i64, String)>,
    pub limit: u64,
}

impl CasesApp {
    /// Looks a caller up by their number, written any way. Audited as a read of personal data
    /// (`citizen.lookup`), shown to the citizen when the number is their account's.
    pub async fn lookup_caller(
        &self,
        actor: &Actor,
        phone: &str,
        reason_text: &str,
    ) -> Result<CallerHistory> {
        actor.require(
            platform::permissions::READ_PERSONAL_DATA,
            Target::Jurisdiction,
        )?;
        let reason = reason(reason_text)?;
        let number = caller_number(phone)?;
        let j = &actor.jurisdiction_id;
        let citizen = citizen_of(&self.db, j, &number).await?;
        let cases = crate::store::desk::caller_cases(
            &self.db,
            j,
            number.key(),
            citizen.as_ref().map(|c| c.id.as_str()),
            HISTORY_LIMIT,
        )
        .await?;
        let contacts = crate::store::desk::list_contacts(
            &self.db,
            j,
            &ContactFilter {
                caller_phone: Some(number.key().to_string()),
                before: None,
                limit: HISTORY_LIMIT,
            },
        )
        .await?;
        let care_flag = crate::store::desk::care_flag(&self.db, j, number.key()).await?;
        let subject = CallerSubject::new(&number, citizen.as_ref());
        let mut tx = self.db.begin().await?;
        audit::record(
            &mut tx,
            actor,
            "citizen.lookup",
            subject.subject(),
            Some(reason),
            serde_json::json!({
                "phone": number.masked(),
                "cases": cases.len(),
                "contacts": contacts.len(),
                "care_flag": care_flag.is_some(),
            }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(CallerHistory {
            number,
            citizen,
            cases,
            contacts,
            care_flag,
        })
    }

    /// The contact log, newest first. Filtered by a number it is a read of personal data and
    /// audited (`contact.list`); unfiltered, numbers are masked, and so is personal data the
    /// agent wrote in a summary (a call-back number, an address).
    pub async fn contacts(&self, actor: &Actor, q: ContactQuery) -> Result<Vec<ContactRow>> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let limit = if q.limit == 0 { 50 } else { q.limit };
        let j = &actor.jurisdiction_id;
        let Some(phone) = q.phone.as_deref().filter(|p| !p.trim().is_empty()) else {
            let mut rows = crate::store::desk::list_contacts(
                &self.db,
                j,
                &ContactFilter {
                    caller_phone: None,
                    before: q.before,
                    limit,
                },
            )
            .await?;
            for r in &mut rows {
                r.contact.caller_phone = mask_key(&r.contact.caller_phone);
                r.contact.summary = text::redact_personal_data(&r.contact.summary);
            }
            return Ok(rows);
        };
        let reason = reason(q.reason.as_deref().unwrap_or_default())?;
        let number = caller_number(phone)?;
        actor.require(
            platform::permissions::READ_PERSONAL_DATA,
            Target::Jurisdiction,
        )?;
        let rows = crate::store::desk::list_contacts(
            &self.db,
            j,
            &ContactFilter {
                caller_phone: Some(number.key().to_string()),
                before: q.before,
                limit,
            },
        )
        .await?;
        let citizen = citizen_of(&self.db, j, &number).await?;
        let subject = CallerSubject::new(&number, citizen.as_ref());
        let mut tx = self.db.begin().await?;
        audit::record(
            &mut tx,
            actor,
            "contact.list",
            subject.subject(),
            Some(reason),
            serde_json::json!({ "phone": number.masked(), "contacts": rows.len() }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(rows)
    }
}
