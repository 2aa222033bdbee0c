//! What happened to a case, as a typed value. Every write to a case appends an event whose
//! `kind` is one of these (stored as its text), and publishes it to the case's listeners
//! (`services::casework::events`): the citizen's notification, webhooks to department systems,
//! the desk's out-calls. Each listener decides with an exhaustive `match` over this type, so a
//! new kind of event cannot slip past one of them unnoticed.

use crate::domain::lifecycle::Action;

/// The kind of a case event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseEventKind {
    /// The case was filed (`create`).
    Filed,
    /// A lifecycle action changed its status.
    Action(Action),
    /// Given to a field worker of the department; the status does not change.
    WorkerAssigned,
    /// A note, public or internal.
    Note,
    /// Photos added by staff.
    Photo,
    /// A comment (or photos) an Open311 client posted to a case it filed.
    ClientComment,
    /// Another case was merged into this one (on the surviving case).
    Merged,
    /// A caller was attached to the case as one more reporter.
    CallerAdded,
    /// An SLA clock will run out soon.
    SlaAtRisk,
    /// An SLA clock ran out.
    SlaBreached,
    /// The deadline of a personal-data request was extended once, with the reason (public).
    DeadlineExtended,
}

impl CaseEventKind {
    /// The text stored in the event log and shown in the API (`create`, `resolve`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CaseEventKind::Filed => "create",
            CaseEventKind::Action(a) => a.as_str(),
            CaseEventKind::WorkerAssigned => "assign_worker",
            CaseEventKind::Note => "note",
            CaseEventKind::Photo => "photo",
            CaseEventKind::ClientComment => "comment",
            CaseEventKind::Merged => "merged",
            CaseEventKind::CallerAdded => "caller_added",
            CaseEventKind::SlaAtRisk => "sla_at_risk",
            CaseEventKind::SlaBreached => "sla_breached",
            CaseEventKind::DeadlineExtended => "deadline_extended",
        }
    }

    /// The kind stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<CaseEventKind> {
        Some(match text {
            "create" => CaseEventKind::Filed,
            "assign_worker" => CaseEventKind::WorkerAssigned,
            "note" => CaseEventKind::Note,
            "photo" => CaseEventKind::Photo,
            "comment" => CaseEventKind::ClientComment,
            "merged" => CaseEventKind::Merged,
            "caller_added" => CaseEventKind::CallerAdded,
            "sla_at_risk" => CaseEventKind::SlaAtRisk,
            "sla_breached" => CaseEventKind::SlaBreached,
            "deadline_extended" => CaseEventKind::DeadlineExtended,
            other => CaseEventKind::Action(Action::parse(other)?),
        })
    }
}

impl std::fmt::Display for CaseEventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<CaseEventKind> {
        let mut all = vec![
            CaseEventKind::Filed,
            CaseEventKind::WorkerAssigned,
            CaseEventKind::Note,
            CaseEventKind::Photo,
            CaseEventKind::ClientComment,
            CaseEventKind::Merged,
            CaseEventKind::CallerAdded,
            CaseEventKind::SlaAtRisk,
            CaseEventKind::SlaBreached,
            CaseEventKind::DeadlineExtended,
        ];
        all.extend(Action::ALL.iter().map(|a| CaseEventKind::Action(*a)));
        all
    }

    #[test]
    fn every_kind_reads_back_from_its_stored_text() {
        for kind in all() {
            assert_eq!(CaseEventKind::parse(kind.as_str()), Some(kind), "{kind}");
        }
    }

    #[test]
    fn no_two_kinds_share_a_stored_text() {
        let kinds = all();
        let texts: std::collections::HashSet<&str> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(texts.len(), kinds.len());
    }

    #[test]
    fn unknown_text_is_no_kind() {
        assert_eq!(CaseEventKind::parse("merge"), None);
        assert_eq!(CaseEventKind::parse(""), None);
    }
}
