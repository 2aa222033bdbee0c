//! What department systems hear about case changes: one webhook event per change, queued in
//! the change's transaction. Payloads carry the case's public facts only, never reporters'
//! personal data.

use crate::webhooks;
use crate::{Result, Services};
use domain::catalog::Jurisdiction;
use store::Tx;
use store::case_work::WorkView;

/// The webhook event type of a case event kind, if department systems hear about it.
pub(crate) fn event_type(kind: &str, public: bool) -> Option<&'static str> {
    Some(match kind {
        "create" => "case.created",
        "assign" | "assign_worker" => "case.assigned",
        "acknowledge" => "case.acknowledged",
        "reassign" | "transfer_external" => "case.reassigned",
        "resolve" => "case.resolved",
        "close" | "reject" => "case.closed",
        "reopen" => "case.reopened",
        "mark_duplicate" => "case.merged",
        "sla_at_risk" => "case.sla_at_risk",
        "sla_breached" => "case.sla_breached",
        _ if public => "case.updated",
        _ => return None,
    })
}

impl Services {
    /// Queues the webhook event for a change to `work` (its state after the change).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn publish_case_event(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        work: &WorkView,
        kind: &str,
        public: bool,
        note: Option<&str>,
        event_id: &str,
        previous_department: Option<&str>,
    ) -> Result<()> {
        let Some(event_type) = event_type(kind, public) else {
            return Ok(());
        };
        let time = |t: Option<i64>| t.map(domain::datetime::format_unix);
        let payload = serde_json::json!({
            "case_number": work.case_number,
            "event": kind,
            "status": work.status,
            "outcome": work.outcome,
            "category": work.category_code,
            "urgency": work.urgency,
            "department": work.department_code,
            "district": work.district_code,
            "sla": {
                "state": work.sla_state,
                "acknowledgement_due": time(work.ack_due_at),
                "first_response_due": time(work.response_due_at),
                "resolution_due": time(work.resolution_due_at),
            },
            "note": if public { note } else { None },
            "merged_into": work.merged_into.is_some(),
        });
        // A case passed between departments concerns both.
        let departments: Vec<&str> = work
            .department_code
            .as_deref()
            .into_iter()
            .chain(previous_department.filter(|p| Some(*p) != work.department_code.as_deref()))
            .collect();
        webhooks::enqueue_for_departments(tx, &j.id, event_type, &departments, event_id, payload)
            .await?;
        Ok(())
    }
}
