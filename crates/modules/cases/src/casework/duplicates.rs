//! Duplicate reports: at intake an agent sees the open cases of the same category nearby
//! (default 50 m) or at the same normalised address within a window (default 14 days); a
//! dispatcher merges a duplicate into the surviving case, whose updates then reach every
//! reporter of both.

use crate::authz::{Actor, Target};
use crate::domain::duplicates::{Candidate, DuplicatePolicy, Report, find_duplicates};
use crate::store::case_work;
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use domain::geo::Point;

/// An open case a new report may duplicate, and why.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub case_number: String,
    pub status: String,
    pub distance_m: Option<f64>,
    pub same_address: bool,
    pub reasons: Vec<Message>,
}

impl CasesApp {
    /// Open cases of `category` that a report at `point` / `address` may duplicate.
    pub async fn suggest_duplicates(
        &self,
        actor: &Actor,
        category: &str,
        point: Option<Point>,
        address: Option<&str>,
        policy: DuplicatePolicy,
    ) -> Result<Vec<Suggestion>> {
        if !actor.may(crate::permissions::FILE_CASES, Target::Jurisdiction)
            && !actor.may(crate::permissions::VIEW_CASES, Target::Jurisdiction)
        {
            return Err(crate::authz::forbidden());
        }
        policy.validate().map_err(ServiceError::Invalid)?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        self.platform.service(&j, category).await?;
        let now = self.now();
        let since = now - i64::from(policy.window_days) * 86_400;
        let open = case_work::recent_open_in_category(
            &self.db,
            &j.id,
            category,
            since,
            &super::open_statuses(),
            2_000,
        )
        .await?;
        let report = Report {
            category: category.to_string(),
            point,
            address_key: address.and_then(text::address_key),
            created_at: now,
        };
        let candidates: Vec<Candidate> = open
            .iter()
            .map(|c| Candidate {
                case_id: c.id.clone(),
                category: category.to_string(),
                point: match (c.lat, c.lon) {
                    (Some(lat), Some(lon)) => Point::new(lat, lon).ok(),
                    _ => None,
                },
                address_key: c.address.as_deref().and_then(text::address_key),
                created_at: c.requested_at,
            })
            .collect();
        Ok(find_duplicates(&report, &candidates, &policy)
            .into_iter()
            .filter_map(|d| {
                let case = open.iter().find(|c| c.id == d.case_id)?;
                Some(Suggestion {
                    case_number: case.case_number.clone(),
                    status: case.status.clone(),
                    distance_m: d.distance_m,
                    same_address: d.same_address,
                    reasons: d.reasons,
                })
            })
            .collect())
    }
}

/// A caller whose report duplicates an open case, as the agent entered them.
#[derive(Debug, Clone, Default)]
pub struct AttachCaller {
    pub phone: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// What the caller said: the internal note on the case and the contact's summary.
    pub summary: String,
}

impl CasesApp {
    /// Adds a caller to an open case instead of filing a duplicate: they become one of its
    /// reporters (so its updates reach them too), the case gets an internal `caller_added`
    /// event with what they said, and the call is logged as a `dispatch` contact naming the
    /// case. A number flagged as needing care queues a caring call, as at intake. Audited
    /// (`case.caller_added`). Needs `file_cases` and `handle_calls`.
    pub async fn attach_caller(
        &self,
        actor: &Actor,
        case_number: &str,
        c: AttachCaller,
    ) -> Result<case_work::WorkView> {
        actor.require(crate::permissions::FILE_CASES, Target::Jurisdiction)?;
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let mut errors = Vec::new();
        let number = crate::desk::caller_number(&c.phone)
            .map_err(|e| {
                if let ServiceError::Invalid(m) = e {
                    errors.extend(m);
                }
            })
            .ok();
        let mut personal = |value: Option<String>, field: &'static str| match crate::desk::bounded(
            value.as_deref(),
            field,
            domain::limits::MAX_PERSONAL_FIELD,
        ) {
            Ok(v) => v,
            Err(ServiceError::Invalid(m)) => {
                errors.extend(m);
                None
            }
            Err(_) => None,
        };
        let name = personal(c.name, "name");
        let email = personal(c.email, "email");
        let summary = match crate::desk::bounded(
            Some(&c.summary),
            "summary",
            crate::domain::desk::MAX_SUMMARY,
        ) {
            Ok(s) => s,
            Err(ServiceError::Invalid(m)) => {
                errors.extend(m);
                None
            }
            Err(e) => return Err(e),
        };
        let (Some(number), true) = (number, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let unknown =
            || ServiceError::NotFound(Message::new("error-request-unknown").arg("id", case_number));
        let citizen = crate::desk::citizen_of(&self.db, &j.id, &number).await?;
        let subject = crate::desk::CallerSubject::new(&number, citizen.as_ref());
        let mut tx = self.db.begin().await?;
        let work = case_work::find_for_update(&mut tx, &j.id, case_number)
            .await?
            .filter(|w| super::may_view(actor, w))
            .ok_or_else(unknown)?;
        if crate::domain::lifecycle::CaseStatus::parse(&work.status).is_none_or(|s| s.is_final()) {
            return Err(ServiceError::invalid(
                Message::new("error-attach-closed").arg("id", case_number),
            ));
        }
        let now = self.now();
        let reporter_id = uuid::Uuid::now_v7().to_string();
        crate::store::cases::insert_reporter(
            &mut tx,
            &reporter_id,
            &j.id,
            &work.id,
            &crate::store::cases::Reporter {
                phone: Some(c.phone.trim().to_string()),
                first_name: name,
                email,
                ..Default::default()
            },
            now,
        )
        .await?;
        crate::store::desk::set_phone_key_of_reporter(&mut tx, &reporter_id, number.key()).await?;
        let kind = crate::domain::case_event::CaseEventKind::CallerAdded;
        let event_id = super::operations::record_event(
            &mut tx,
            &j,
            &work,
            kind,
            &actor.event_ref().to_string(),
            false,
            summary.clone(),
            serde_json::json!({ "phone": number.masked() }),
            now,
        )
        .await?;
        let change = super::CaseChange::new(&j, &work, kind, &event_id, false);
        self.case_changed(&mut tx, &[change]).await?;
        let contact = crate::store::desk::Contact {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: j.id.clone(),
            agent_id: crate::desk::staff_id(actor),
            caller_phone: number.key().to_string(),
            service_type: crate::domain::desk::ContactType::Dispatch
                .as_str()
                .to_string(),
            category_code: Some(work.category_code.clone()),
            case_number: Some(work.case_number.clone()),
            summary: summary.unwrap_or_else(|| format!("→ {}", work.case_number)),
            emergency_kind: None,
            created_at: now,
        };
        crate::store::desk::insert_contact(&mut tx, &contact).await?;
        if crate::store::desk::care_flag(&mut tx, &j.id, number.key())
            .await?
            .is_some()
        {
            self.enqueue_outcall(
                &mut tx,
                &j,
                &work.id,
                crate::domain::desk::OutcallReason::NeedsCare,
            )
            .await?;
        }
        let mut sub = subject.subject();
        sub.kind = "case";
        sub.id = &work.case_number;
        crate::audit::record(
            &mut tx,
            actor,
            "case.caller_added",
            sub,
            None,
            serde_json::json!({ "phone": number.masked(), "contact": contact.id }),
            now,
        )
        .await?;
        let after = case_work::find_for_update(&mut tx, &j.id, case_number)
            .await?
            .ok_or_else(unknown)?;
        tx.commit().await?;
        Ok(after)
    }
}
