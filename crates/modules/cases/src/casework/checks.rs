//! Load, authorise, validate: the order every operation on a case follows, written once.
//!
//! An operation first loads the case, then [`CasesApp::authorise`] decides whether the caller
//! may do the operation to it, and only then is the operation itself looked at: its fields,
//! the merge target, the assignee, the departments ([`CasesApp::validate`]). `validate` and
//! the checks under the case's lock take the [`Authorised`] case that only `authorise` makes,
//! so no check can run for a caller who may not act on the case. So:
//!
//! - a caller who may not see the case gets the answer for a case that does not exist, whatever
//!   the operation names;
//! - a caller who may see the case but not do this to it gets `403`, whatever the operation
//!   names;
//! - problems with what the operation names are answered only to callers who may act on the
//!   case, and a merge target the caller may not see answers exactly as an unknown one.
//!
//! Neither confidential cases (their numbers, whether they are still open) nor staff ids can
//! be probed through an operation (finding F10 of the 2026-12 security test).

use super::operations::Operation;
use super::{is_assignee, may_view, unknown_case};
use crate::authz::{Actor, Target, forbidden};
use crate::domain::lifecycle::{CaseStatus, OperationKind, Outcome};
use crate::store::case_work::{self, WorkUpdate, WorkView};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use domain::catalog::{DepartmentKind, Jurisdiction};
use store::Tx;

/// A case the caller may do an operation to. Only [`CasesApp::authorise`] makes one.
pub(super) struct Authorised {
    work: WorkView,
}

impl Authorised {
    pub(super) fn work(&self) -> &WorkView {
        &self.work
    }

    pub(super) fn into_work(self) -> WorkView {
        self.work
    }
}

/// What a valid operation will write besides the lifecycle: the event's note, whether it is
/// public, its details, and the change to the case's working state.
pub(super) struct Plan {
    pub note: Option<String>,
    pub public: bool,
    pub data: serde_json::Value,
    pub update: WorkUpdate,
}

fn required(text: &str, field: &'static str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::invalid(
            Message::new("error-field-required").arg("field", field),
        ));
    }
    if t.chars().count() > 4000 {
        return Err(ServiceError::invalid(
            Message::new("error-field-too-long")
                .arg("field", field)
                .arg("max", "4000"),
        ));
    }
    Ok(t.to_string())
}

/// Who may do an operation of `kind` to `work`: dispatchers of the holding department (the
/// co-signing one for co-sign completion), for field work the assigned field worker too, and
/// for a note anyone who may see the case's department (an agent writing down a caller's
/// follow-up call). Looks at nothing but the caller, the case and the kind of operation; the
/// pages offer by it, and [`CasesApp::authorise`] refuses by it.
pub fn may_do(actor: &Actor, work: &WorkView, kind: OperationKind) -> bool {
    fn dept(d: &Option<String>) -> Target<'_> {
        d.as_deref()
            .map_or(Target::Jurisdiction, Target::Department)
    }
    let target = match kind {
        OperationKind::CompleteCosign => dept(&work.cosign_department_code),
        _ => dept(&work.department_code),
    };
    actor.may(crate::permissions::DISPATCH_CASES, target)
        || (kind.is_field_work()
            && is_assignee(actor, work)
            && actor.may(crate::permissions::WORK_CASES, dept(&work.department_code)))
        || (kind == OperationKind::Note && actor.may(crate::permissions::VIEW_CASES, target))
}

impl CasesApp {
    /// Who may do `op` to `work` ([`may_do`]); a caller who may not see the case is told it
    /// does not exist.
    pub(super) fn authorise(
        &self,
        actor: &Actor,
        work: WorkView,
        op: &Operation,
    ) -> Result<Authorised> {
        if may_do(actor, &work, op.kind()) {
            Ok(Authorised { work })
        } else if may_view(actor, &work) {
            Err(forbidden())
        } else {
            Err(unknown_case(&work.case_number))
        }
    }

    /// Loads a case and authorises the caller for `op` on it.
    pub(super) async fn load_authorised(
        &self,
        actor: &Actor,
        j: &Jurisdiction,
        case_number: &str,
        op: &Operation,
    ) -> Result<Authorised> {
        let work = case_work::find(&self.db, &j.id, case_number)
            .await?
            .ok_or_else(|| unknown_case(case_number))?;
        self.authorise(actor, work, op)
    }

    /// [`Self::load_authorised`] under the case's lock, held until `tx` ends: the case may have
    /// moved (reassigned, assigned, finished) since it was last read.
    pub(super) async fn lock_authorised(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        j: &Jurisdiction,
        case_number: &str,
        op: &Operation,
    ) -> Result<Authorised> {
        let work = case_work::find_for_update(tx, &j.id, case_number)
            .await?
            .ok_or_else(|| unknown_case(case_number))?;
        self.authorise(actor, work, op)
    }

    async fn department_kind(&self, j: &Jurisdiction, code: &str) -> Result<DepartmentKind> {
        self.platform
            .snapshot_of(j)
            .await?
            .departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.kind)
            .ok_or_else(|| {
                ServiceError::invalid(
                    Message::new("error-department-unknown").arg("department", code),
                )
            })
    }

    /// Checks an operation the caller is authorised for: its fields and what it names. Reads
    /// outside any transaction; what depends on the case's current state is checked again
    /// under its lock ([`Self::check_locked`]).
    pub(super) async fn validate(
        &self,
        actor: &Actor,
        j: &Jurisdiction,
        case: &Authorised,
        op: &Operation,
    ) -> Result<Plan> {
        let mut update = WorkUpdate::default();
        let plan = |note: Option<String>, public: bool, data: serde_json::Value, update| Plan {
            note,
            public,
            data,
            update,
        };
        Ok(match op {
            Operation::Acknowledge | Operation::Start | Operation::LeaveSite => {
                plan(None, true, serde_json::json!({}), update)
            }
            Operation::AssignWorker { account_id } => {
                let worker = self
                    .identity
                    .account_in(&j.id, account_id)
                    .await
                    .ok()
                    .filter(|w| w.kind == "staff" && w.status == "active")
                    .ok_or_else(|| ServiceError::invalid(Message::new("error-assignee-unknown")))?;
                update.assignee_id = Some(Some(account_id.clone()));
                let data = serde_json::json!({ "assignee": account_id, "assignee_name": worker.display_name });
                plan(None, false, data, update)
            }
            Operation::Reassign { department, reason } => {
                let reason = required(reason, "reason")?;
                if self.department_kind(j, department).await? == DepartmentKind::Utility {
                    return Err(ServiceError::invalid(Message::new(
                        "error-reassign-to-utility",
                    )));
                }
                update.department_code = Some(Some(department.clone()));
                update.assignee_id = Some(None);
                let data = serde_json::json!({ "to_department": department });
                plan(Some(reason), false, data, update)
            }
            Operation::RequestCosign { department, note } => {
                self.department_kind(j, department).await?;
                update.cosign_department_code = Some(Some(department.clone()));
                let data = serde_json::json!({ "cosign_department": department });
                plan(Some(required(note, "note")?), false, data, update)
            }
            Operation::CompleteCosign { note } => {
                update.cosign_department_code = Some(None);
                let data =
                    serde_json::json!({ "cosign_department": case.work().cosign_department_code });
                plan(Some(required(note, "note")?), false, data, update)
            }
            Operation::WithdrawCosign { reason } => {
                update.cosign_department_code = Some(None);
                let data =
                    serde_json::json!({ "cosign_department": case.work().cosign_department_code });
                plan(Some(required(reason, "reason")?), false, data, update)
            }
            Operation::TransferExternal { department, note } => {
                if self.department_kind(j, department).await? != DepartmentKind::Utility {
                    return Err(ServiceError::invalid(
                        Message::new("error-transfer-not-utility")
                            .arg("department", department.clone()),
                    ));
                }
                update.department_code = Some(Some(department.clone()));
                update.assignee_id = Some(None);
                let data = serde_json::json!({ "to_department": department });
                plan(Some(required(note, "note")?), true, data, update)
            }
            Operation::Arrive { lat, lon } => {
                let at = match (lat, lon) {
                    (Some(lat), Some(lon)) => {
                        domain::geo::Point::new(*lat, *lon)
                            .map_err(|e| ServiceError::invalid(e.message()))?;
                        serde_json::json!({ "lat": lat, "long": lon })
                    }
                    (None, None) => serde_json::Value::Null,
                    _ => return Err(ServiceError::invalid(Message::new("error-location-pair"))),
                };
                // The location stays internal: it can reveal where the reporter lives.
                plan(None, true, serde_json::json!({ "location": at }), update)
            }
            Operation::Note { text, public } => plan(
                Some(required(text, "note")?),
                *public,
                serde_json::json!({}),
                update,
            ),
            Operation::RequestInfo { note } | Operation::ProvideInfo { note } => plan(
                Some(required(note, "note")?),
                true,
                serde_json::json!({}),
                update,
            ),
            Operation::Resolve {
                outcome,
                note,
                responsible,
                deferred_until,
            } => {
                let note = required(note, "note")?;
                let data = resolution(*outcome, responsible, deferred_until)?;
                plan(Some(note), true, data, update)
            }
            Operation::Close { note } => plan(
                note.as_deref().map(|n| required(n, "note")).transpose()?,
                true,
                serde_json::json!({}),
                update,
            ),
            Operation::Reject { reason } => plan(
                Some(required(reason, "reason")?),
                true,
                serde_json::json!({}),
                update,
            ),
            Operation::ExtendDeadline { reason } => {
                let work = case.work();
                let days = crate::domain::data_requests::days_for(&work.category_code).ok_or_else(
                    || ServiceError::invalid(Message::new("error-extend-not-data-request")),
                )?;
                let reason = required(reason, "reason")?;
                plan(
                    Some(reason),
                    true,
                    serde_json::json!({ "days": days }),
                    update,
                )
            }
            Operation::MergeInto {
                case_number: survivor,
            } => {
                // A case the caller may not see is answered as one that does not exist.
                let target = case_work::find(&self.db, &j.id, survivor)
                    .await?
                    .filter(|t| may_view(actor, t))
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            Message::new("error-merge-target-unknown").arg("id", survivor.clone()),
                        )
                    })?;
                if target.id == case.work().id {
                    return Err(ServiceError::invalid(Message::new("error-merge-self")));
                }
                if CaseStatus::parse(&target.status).is_none_or(CaseStatus::is_final) {
                    return Err(ServiceError::invalid(
                        Message::new("error-merge-target-closed").arg("id", survivor.clone()),
                    ));
                }
                update.merged_into = Some(Some(target.id.clone()));
                let data = serde_json::json!({ "merged_into": survivor });
                plan(None, true, data, update)
            }
        })
    }

    /// What depends on the case's state, checked under its lock.
    pub(super) async fn check_locked(
        &self,
        tx: &mut Tx,
        case: &Authorised,
        op: &Operation,
    ) -> Result<()> {
        let work = case.work();
        if let Some(id) = crate::domain::lifecycle::cosign_conflict(
            op.kind(),
            work.cosign_department_code.is_some(),
        ) {
            let department = work.cosign_department_code.clone().unwrap_or_default();
            return Err(ServiceError::invalid(
                Message::new(id).arg("department", department),
            ));
        }
        if let Operation::AssignWorker { account_id } = op {
            // The worker must belong to the holding department.
            let grants = self.identity.grants_within(tx, account_id).await?;
            let dept = work.department_code.clone().unwrap_or_default();
            if !grants
                .iter()
                .any(|g| g.scope_id == dept && g.role == crate::authz::Role::FieldWorker)
            {
                return Err(ServiceError::invalid(
                    Message::new("error-assignee-not-in-department").arg("department", dept),
                ));
            }
            let status = CaseStatus::parse(&work.status).unwrap_or(CaseStatus::Received);
            if !crate::domain::lifecycle::allowed(op.kind(), status, false) {
                return Err(ServiceError::invalid(Message::new(
                    "error-assign-before-acknowledge",
                )));
            }
        }
        if let Operation::ExtendDeadline { .. } = op {
            // Once: a second extension is refused, however the first was made.
            let already = crate::store::events::has_kind(
                tx,
                &work.id,
                crate::domain::case_event::CaseEventKind::DeadlineExtended.as_str(),
            )
            .await?;
            if let Err(id) = crate::domain::data_requests::may_extend(
                &work.category_code,
                already,
                work.resolution_due_at,
                self.now(),
            ) {
                return Err(ServiceError::invalid(Message::new(id)));
            }
        }
        if let Operation::RequestCosign { department, .. } = op
            && work.department_code.as_deref() == Some(department)
        {
            return Err(ServiceError::invalid(Message::new(
                "error-cosign-same-department",
            )));
        }
        Ok(())
    }
}

/// The details of a resolution: who is responsible, or until when the work is deferred.
fn resolution(
    outcome: Outcome,
    responsible: &Option<String>,
    deferred_until: &Option<String>,
) -> Result<serde_json::Value> {
    let mut d = serde_json::json!({});
    match outcome {
        Outcome::NotOurResponsibility => {
            let who = responsible
                .as_deref()
                .map(|r| required(r, "responsible"))
                .transpose()?
                .ok_or_else(|| {
                    ServiceError::invalid(
                        Message::new("error-field-required").arg("field", "responsible"),
                    )
                })?;
            d["responsible"] = serde_json::json!(who);
        }
        Outcome::Deferred => {
            let until = deferred_until.as_deref().ok_or_else(|| {
                ServiceError::invalid(
                    Message::new("error-field-required").arg("field", "deferred_until"),
                )
            })?;
            let date = domain::calendar::parse_date(until)
                .map_err(|e| ServiceError::invalid(e.message()))?;
            d["deferred_until"] = serde_json::json!(domain::calendar::format_date(date));
        }
        _ => {}
    }
    Ok(d)
}
