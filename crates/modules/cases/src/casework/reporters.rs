//! How to reach the people who reported a case: their names and phone numbers, for the crew
//! that may need to call them ("which pole is it?") and the agent answering their call. A read
//! of personal data: each one is audited (`case.reporters.read`), and it is shown only when
//! asked for, not with every view of the case.

use super::{is_assignee, may_view, unknown_case};
use crate::authz::{Actor, Target};
use crate::store::case_work::{self, WorkView};
use crate::{CasesApp, Result};
use platform::audit::{self, Subject};

/// One reporter of a case, as staff may reach them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReporterContact {
    /// The name as given (given names and surname in the order they were typed).
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl ReporterContact {
    /// The phone number as a `tel:` link target: digits and a leading `+` only.
    pub fn tel(&self) -> Option<String> {
        let phone = self.phone.as_deref()?;
        let digits: String = phone
            .chars()
            .enumerate()
            .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
            .map(|(_, c)| c)
            .collect();
        (digits.chars().filter(char::is_ascii_digit).count() >= 3).then_some(digits)
    }
}

/// Who may read a case's reporters: whoever may see the case and holds
/// `contact_reporters` for its department (agents and supervisors everywhere, the holding
/// department's dispatchers, and its field worker on the cases assigned to them).
pub fn may_contact(actor: &Actor, work: &WorkView) -> bool {
    let target = work
        .department_code
        .as_deref()
        .map_or(Target::Jurisdiction, Target::Department);
    may_view(actor, work)
        && actor.may(crate::permissions::CONTACT_REPORTERS, target)
        && (actor.may(crate::permissions::VIEW_CASES, target) || is_assignee(actor, work))
}

impl CasesApp {
    /// The reporters of a case (and of the cases merged into it), audited as a read of
    /// personal data. A caller who may not see the case is told it does not exist; one who
    /// sees it but may not contact its reporters gets 403.
    pub async fn reporter_contacts(
        &self,
        actor: &Actor,
        case_number: &str,
    ) -> Result<Vec<ReporterContact>> {
        let work = case_work::find(&self.db, &actor.jurisdiction_id, case_number)
            .await?
            .filter(|w| may_view(actor, w))
            .ok_or_else(|| unknown_case(case_number))?;
        if !may_contact(actor, &work) {
            return Err(crate::authz::forbidden());
        }
        let mut tx = self.db.begin().await?;
        let details = case_work::reporter_details(&mut tx, &work.id).await?;
        // The citizen whose data is read, when the reporter has an account (then it appears
        // in their own "who read my data").
        let data_subject = details.iter().find_map(|r| r.account_id.clone());
        let contacts: Vec<ReporterContact> = details
            .into_iter()
            .map(|r| ReporterContact {
                name: r.name,
                phone: r.phone,
                email: r.email,
            })
            .filter(|c| c.name.is_some() || c.phone.is_some() || c.email.is_some())
            .collect();
        audit::record(
            &mut tx,
            actor,
            "case.reporters.read",
            Subject {
                kind: "case",
                id: &work.case_number,
                data_subject: data_subject.as_deref(),
            },
            None,
            serde_json::json!({ "reporters": contacts.len() }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(contacts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tap_to_call_link_keeps_only_what_a_phone_dials() {
        let c = |p: &str| ReporterContact {
            name: None,
            phone: Some(p.into()),
            email: None,
        };
        assert_eq!(c("0912-345-678").tel().as_deref(), Some("0912345678"));
        assert_eq!(
            c("+886 912 345 678").tel().as_deref(),
            Some("+886912345678")
        );
        assert_eq!(
            c("(02) 2720-8889 #1999").tel().as_deref(),
            Some("02272088891999")
        );
        assert_eq!(c("無").tel(), None);
    }
}
