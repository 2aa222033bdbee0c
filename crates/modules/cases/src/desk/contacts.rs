//! The contact log: calls that create no case (市政諮詢 consulting, 轉接 transfers, 告知
//! informing, 110/119 redirects), and dispatch calls with the case they created.

use super::{CallerSubject, bounded, caller_number, citizen_of, staff_id};
use crate::audit;
use crate::authz::{Actor, Target};
use crate::domain::desk::{ContactType, MAX_SUMMARY};
use crate::domain::rules::emergency::{Emergency, EmergencyKind, emergency};
use crate::store::desk::{Contact, ContactRow};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;

/// A call to log, as the agent entered it.
#[derive(Debug, Clone, Default)]
pub struct NewContact {
    pub phone: String,
    /// consult | transfer | inform | emergency | dispatch
    pub service_type: String,
    pub category_code: Option<String>,
    pub summary: String,
    /// The case the call is about or created; required for dispatch calls.
    pub case_number: Option<String>,
    /// 110 or 119 for emergency calls; detected from the summary when not given.
    pub emergency_kind: Option<String>,
}

/// A logged call, and the emergency its summary suggests, if any.
#[derive(Debug, Clone)]
pub struct LoggedContact {
    pub contact: ContactRow,
    pub emergency: Option<Emergency>,
}

impl CasesApp {
    /// Whether a description reads as an emergency for 119 (fire, gas, injury) or 110 (crime),
    /// with the redirect message (`Emergency::message`). Detection only advises: the agent
    /// redirects the caller, and the case may still be filed.
    pub fn check_emergency(&self, actor: &Actor, description: &str) -> Result<Option<Emergency>> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        domain::limits::check_description(description).map_err(ServiceError::invalid)?;
        Ok(emergency(description))
    }

    /// Logs a call. Every problem with the input is reported together; nothing is written
    /// unless all is valid. Audited (`contact.log`).
    pub async fn log_contact(&self, actor: &Actor, c: NewContact) -> Result<LoggedContact> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let mut errors: Vec<Message> = Vec::new();
        let number = caller_number(&c.phone)
            .map_err(|e| errors.extend(messages(e)))
            .ok();
        let service_type = ContactType::parse(c.service_type.trim());
        if service_type.is_none() {
            errors.push(Message::new("error-contact-type").arg("type", c.service_type.trim()));
        }
        let summary = match bounded(Some(&c.summary), "summary", MAX_SUMMARY) {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                errors.push(Message::new("error-field-required").arg("field", "summary"));
                None
            }
            Err(e) => {
                errors.extend(messages(e));
                None
            }
        };
        let category = c
            .category_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(code) = category
            && store::catalog::get_category(&self.db, &j.id, code)
                .await?
                .is_none()
        {
            errors.push(Message::new("error-service-unknown").arg("code", code));
        }
        let case_number = c
            .case_number
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(n) = case_number {
            if crate::store::case_work::find(&self.db, &j.id, n)
                .await?
                .is_none()
            {
                errors.push(Message::new("error-request-unknown").arg("id", n));
            }
        } else if service_type == Some(ContactType::Dispatch) {
            errors.push(Message::new("error-contact-case-required"));
        }
        let detected = summary.as_deref().and_then(emergency);
        let given_kind = c
            .emergency_kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let emergency_kind = match (service_type, given_kind) {
            (Some(ContactType::Emergency), Some(k)) => match EmergencyKind::parse(k) {
                Some(k) => Some(k),
                None => {
                    errors.push(Message::new("error-contact-emergency-kind"));
                    None
                }
            },
            (Some(ContactType::Emergency), None) => match &detected {
                Some(e) => Some(e.kind),
                None => {
                    errors
                        .push(Message::new("error-field-required").arg("field", "emergency_kind"));
                    None
                }
            },
            (_, Some(_)) => {
                errors.push(Message::new("error-contact-emergency-kind"));
                None
            }
            (_, None) => None,
        };
        let (Some(number), Some(service_type), Some(summary), true) =
            (number, service_type, summary, errors.is_empty())
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let contact = Contact {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: j.id.clone(),
            agent_id: staff_id(actor),
            caller_phone: number.key().to_string(),
            service_type: service_type.as_str().to_string(),
            category_code: category.map(str::to_string),
            case_number: case_number.map(str::to_string),
            summary,
            emergency_kind: emergency_kind.map(|k| k.as_str().to_string()),
            created_at: self.now(),
        };
        let citizen = citizen_of(&self.db, &j.id, &number).await?;
        let subject = CallerSubject::new(&number, citizen.as_ref());
        let mut tx = self.db.begin().await?;
        crate::store::desk::insert_contact(&mut tx, &contact).await?;
        let mut sub = subject.subject();
        sub.kind = "contact";
        sub.id = &contact.id;
        audit::record(
            &mut tx,
            actor,
            "contact.log",
            sub,
            None,
            serde_json::json!({
                "phone": number.masked(),
                "service_type": contact.service_type,
                "category": contact.category_code,
                "case_number": contact.case_number,
                "emergency_kind": contact.emergency_kind,
            }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(LoggedContact {
            contact: ContactRow {
                contact,
                agent_name: Some(actor.label.clone()),
            },
            emergency: detected,
        })
    }
}

fn messages(e: ServiceError) -> Vec<Message> {
    match e {
        ServiceError::Invalid(m) => m,
        _ => vec![Message::new("error-internal")],
    }
}
