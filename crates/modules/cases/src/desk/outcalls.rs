//! The out-call queue: caring calls (關懷電話) agents make after case work. One agent holds a
//! call at a time; the number is shown in full only to the agent who claimed it.

use super::{bounded, staff_id};
use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::domain::desk::{MAX_NOTE, OutcallOutcome, OutcallStatus, mask_key};
use crate::store::desk::{OutcallFilter, OutcallRow};
use crate::store::events::NewEvent;
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use store::Tx;

/// Which out-calls to list.
#[derive(Debug, Clone, Default)]
pub struct OutcallQuery {
    /// queued, claimed and/or done; default: queued and claimed.
    pub statuses: Option<Vec<String>>,
    pub after: Option<(i64, String)>,
    pub limit: u64,
}

fn unknown(id: &str) -> ServiceError {
    ServiceError::NotFound(Message::new("error-outcall-unknown").arg("id", id))
}

fn masked(mut row: OutcallRow) -> OutcallRow {
    row.outcall.citizen_phone = row.outcall.citizen_phone.as_deref().map(mask_key);
    row
}

/// Why the actor cannot claim or complete an out-call in this state.
fn held_elsewhere(row: &OutcallRow, me: &str) -> Option<ServiceError> {
    match OutcallStatus::parse(&row.outcall.status) {
        Some(OutcallStatus::Done) => {
            Some(ServiceError::invalid(Message::new("error-outcall-done")))
        }
        Some(OutcallStatus::Claimed) if row.outcall.claimed_by.as_deref() != Some(me) => {
            Some(ServiceError::invalid(
                Message::new("error-outcall-claimed").arg(
                    "name",
                    row.claimed_by_name
                        .clone()
                        .or_else(|| row.outcall.claimed_by.clone())
                        .unwrap_or_default(),
                ),
            ))
        }
        _ => None,
    }
}

/// The out-call `me` may act on, read under `tx`: known, not done, and not held by another.
async fn outcall_for(tx: &mut Tx, j: &str, id: &str, me: &str) -> Result<OutcallRow> {
    let row = crate::store::desk::find_outcall(tx, j, id)
        .await?
        .ok_or_else(|| unknown(id))?;
    match held_elsewhere(&row, me) {
        Some(e) => Err(e),
        None => Ok(row),
    }
}

impl CasesApp {
    /// The out-call queue, oldest due first. Numbers are masked.
    pub async fn outcall_queue(&self, actor: &Actor, q: OutcallQuery) -> Result<Vec<OutcallRow>> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let statuses = match q.statuses {
            Some(s) if !s.is_empty() => {
                if let Some(bad) = s.iter().find(|s| OutcallStatus::parse(s).is_none()) {
                    return Err(ServiceError::invalid(
                        Message::new("error-status-unknown").arg("status", bad.clone()),
                    ));
                }
                s
            }
            _ => vec!["queued".into(), "claimed".into()],
        };
        let rows = crate::store::desk::outcall_queue(
            &self.db,
            &actor.jurisdiction_id,
            &OutcallFilter {
                statuses,
                after: q.after,
                limit: if q.limit == 0 { 50 } else { q.limit },
            },
        )
        .await?;
        Ok(rows.into_iter().map(masked).collect())
    }

    /// Takes an out-call: from now on only this agent may complete it. A call another agent
    /// holds, or one that is done, is refused. Claiming again what one holds changes nothing.
    /// The answer carries the full number; the claim is audited (`outcall.claim`).
    pub async fn claim_outcall(&self, actor: &Actor, id: &str) -> Result<OutcallRow> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let me = staff_id(actor);
        let j = &actor.jurisdiction_id;
        let mut tx = self.db.begin().await?;
        let row = outcall_for(&mut tx, j, id, &me).await?;
        if row.outcall.status == OutcallStatus::Claimed.as_str() {
            return Ok(row);
        }
        if !crate::store::desk::claim_outcall(&mut tx, j, id, &me, self.now()).await? {
            // Another agent won the race between the read and the claim.
            drop(tx);
            let mut tx = self.db.begin().await?;
            let row = crate::store::desk::find_outcall(&mut tx, j, id)
                .await?
                .ok_or_else(|| unknown(id))?;
            return Err(held_elsewhere(&row, &me)
                .unwrap_or_else(|| ServiceError::invalid(Message::new("error-outcall-done"))));
        }
        let citizen = self
            .citizen_id_of_key(j, row.outcall.citizen_phone.as_deref())
            .await?;
        audit::record(
            &mut tx,
            actor,
            "outcall.claim",
            Subject {
                kind: "outcall",
                id,
                data_subject: citizen.as_deref(),
            },
            None,
            serde_json::json!({
                "reason": row.outcall.reason,
                "case_number": row.outcall.case_number,
            }),
            self.now(),
        )
        .await?;
        let row = crate::store::desk::find_outcall(&mut tx, j, id)
            .await?
            .ok_or_else(|| unknown(id))?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records how a claimed call went. Only the agent holding it may; audited
    /// (`outcall.complete`), and noted on the case as an internal event.
    pub async fn complete_outcall(
        &self,
        actor: &Actor,
        id: &str,
        outcome: &str,
        note: Option<&str>,
    ) -> Result<OutcallRow> {
        actor.require(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)?;
        let Some(outcome) = OutcallOutcome::parse(outcome.trim()) else {
            return Err(ServiceError::invalid(
                Message::new("error-outcall-outcome").arg("outcome", outcome.trim()),
            ));
        };
        let note = bounded(note, "note", MAX_NOTE)?;
        let me = staff_id(actor);
        let j = &actor.jurisdiction_id;
        let mut tx = self.db.begin().await?;
        let row = outcall_for(&mut tx, j, id, &me).await?;
        let now = self.now();
        if !crate::store::desk::complete_outcall(
            &mut tx,
            j,
            id,
            &me,
            outcome.as_str(),
            note.as_deref(),
            now,
        )
        .await?
        {
            return Err(ServiceError::invalid(Message::new(
                "error-outcall-not-claimed",
            )));
        }
        if let Some(case_id) = &row.outcall.case_id {
            crate::store::events::append(
                &mut tx,
                j,
                NewEvent {
                    id: uuid::Uuid::now_v7().to_string(),
                    case_id: case_id.clone(),
                    kind: "outcall".into(),
                    actor: actor.event_ref().to_string(),
                    public: false,
                    from_status: None,
                    to_status: None,
                    note: note.clone(),
                    data: serde_json::json!({
                        "outcall": id,
                        "reason": row.outcall.reason,
                        "outcome": outcome.as_str(),
                    })
                    .to_string(),
                    created_at: now,
                },
            )
            .await?;
        }
        let citizen = self
            .citizen_id_of_key(j, row.outcall.citizen_phone.as_deref())
            .await?;
        let subject = Subject {
            kind: "outcall",
            id,
            data_subject: citizen.as_deref(),
        };
        audit::record(
            &mut tx,
            actor,
            "outcall.complete",
            subject,
            None,
            serde_json::json!({
                "reason": row.outcall.reason,
                "case_number": row.outcall.case_number,
                "outcome": outcome.as_str(),
            }),
            now,
        )
        .await?;
        let row = crate::store::desk::find_outcall(&mut tx, j, id)
            .await?
            .ok_or_else(|| unknown(id))?;
        tx.commit().await?;
        Ok(masked(row))
    }
}
