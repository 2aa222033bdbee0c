//! Callers flagged as needing care (elderly, living alone, in distress): a new case from a
//! flagged number queues a caring call.

use super::{CallerSubject, bounded, caller_number, citizen_of, staff_id};
use crate::audit;
use crate::authz::{Actor, Target};
use crate::domain::desk::MAX_NOTE;
use crate::store::desk::CareFlag;
use crate::{CasesApp, Result, ServiceError};
use domain::Message;

impl CasesApp {
    /// Flags a number as needing care, with why; flagging again replaces the note. Audited
    /// (`care_flag.set`).
    pub async fn flag_caller(&self, actor: &Actor, phone: &str, note: &str) -> Result<CareFlag> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let number = caller_number(phone)?;
        let note = bounded(Some(note), "note", MAX_NOTE)?.ok_or_else(|| {
            ServiceError::invalid(Message::new("error-field-required").arg("field", "note"))
        })?;
        let j = &actor.jurisdiction_id;
        let citizen = citizen_of(&self.db, j, &number).await?;
        let subject = CallerSubject::new(&number, citizen.as_ref());
        let mut tx = self.db.begin().await?;
        crate::store::desk::set_care_flag(
            &mut tx,
            j,
            number.key(),
            &note,
            &staff_id(actor),
            self.now(),
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            "care_flag.set",
            subject.subject(),
            None,
            serde_json::json!({ "phone": number.masked() }),
            self.now(),
        )
        .await?;
        let flag = crate::store::desk::care_flag(&mut tx, j, number.key())
            .await?
            .ok_or_else(|| ServiceError::Internal("care flag vanished".into()))?;
        tx.commit().await?;
        Ok(flag)
    }

    /// Removes a number's care flag. Audited (`care_flag.clear`).
    pub async fn unflag_caller(&self, actor: &Actor, phone: &str) -> Result<()> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let number = caller_number(phone)?;
        let j = &actor.jurisdiction_id;
        let citizen = citizen_of(&self.db, j, &number).await?;
        let subject = CallerSubject::new(&number, citizen.as_ref());
        let mut tx = self.db.begin().await?;
        if !crate::store::desk::clear_care_flag(&mut tx, j, number.key()).await? {
            return Err(ServiceError::NotFound(Message::new(
                "error-care-flag-unknown",
            )));
        }
        audit::record(
            &mut tx,
            actor,
            "care_flag.clear",
            subject.subject(),
            None,
            serde_json::json!({ "phone": number.masked() }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
