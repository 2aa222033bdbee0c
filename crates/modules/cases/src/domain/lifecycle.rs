//! The case lifecycle: states, the actions that move a case between them, and how each state
//! appears to Open311 clients.
//!
//! ```text
//! received → triaged → assigned → acknowledged → in_progress → resolved → closed
//!                         ↑            ↕              ↕  ↕
//!                    transferred   needs_info     on_site
//! side exits: rejected, duplicate, external (sent to a utility)
//! ```
//!
//! A co-sign (會簽) is not a state: it is another department's part of the work, open beside
//! the case's own progress. The holding department's crew carries on (arrives, starts, notes)
//! while it is open; only what would end the case waits for it ([`cosign_conflict`]).
//!
//! `transition` is the single place that decides whether an action is legal from a state, and
//! [`allowed`] adds the open co-sign.

use domain::enums::string_enum;
use domain::error::{DomainError, Message};

string_enum! {
    /// Where a case is in its life. Stored as text; the i18n id is `case-status-<text>`.
    CaseStatus {
        Received = "received",
        Triaged = "triaged",
        Assigned = "assigned",
        Acknowledged = "acknowledged",
        InProgress = "in_progress",
        OnSite = "on_site",
        NeedsInfo = "needs_info",
        Transferred = "transferred",
        Resolved = "resolved",
        Closed = "closed",
        Rejected = "rejected",
        Duplicate = "duplicate",
        External = "external",
    }
}

string_enum! {
    /// The honest outcome recorded when a case is resolved.
    Outcome {
        Fixed = "fixed",
        NotFixed = "not_fixed",
        NotOurResponsibility = "not_our_responsibility",
        NoProblemFound = "no_problem_found",
        Duplicate = "duplicate",
        Deferred = "deferred",
    }
}

string_enum! {
    /// What someone does to a case. Stored on each case event.
    Action {
        Triage = "triage",
        Assign = "assign",
        Acknowledge = "acknowledge",
        Start = "start",
        Arrive = "arrive",
        LeaveSite = "leave_site",
        RequestInfo = "request_info",
        ProvideInfo = "provide_info",
        RequestCosign = "request_cosign",
        CompleteCosign = "complete_cosign",
        WithdrawCosign = "withdraw_cosign",
        Reassign = "reassign",
        Resolve = "resolve",
        Close = "close",
        Reopen = "reopen",
        Reject = "reject",
        MarkDuplicate = "mark_duplicate",
        TransferExternal = "transfer_external",
    }
}

/// The two statuses of the Open311 specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open311Status {
    Open,
    Closed,
}

impl Open311Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Open311Status::Open => "open",
            Open311Status::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "open" => Some(Open311Status::Open),
            "closed" => Some(Open311Status::Closed),
            _ => None,
        }
    }
}

impl CaseStatus {
    /// Terminal states: nothing but a citizen's reopen (from resolved/closed) leaves them.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::Resolved
                | CaseStatus::Closed
                | CaseStatus::Rejected
                | CaseStatus::Duplicate
                | CaseStatus::External
        )
    }

    /// The working phase: a department holds the case and its clocks run.
    pub fn is_working(self) -> bool {
        matches!(
            self,
            CaseStatus::Acknowledged
                | CaseStatus::InProgress
                | CaseStatus::OnSite
                | CaseStatus::NeedsInfo
        )
    }

    pub fn open311(self) -> Open311Status {
        if self.is_final() {
            Open311Status::Closed
        } else {
            Open311Status::Open
        }
    }

    /// All states that Open311 reports with the given status.
    pub fn with_open311(status: Open311Status) -> Vec<CaseStatus> {
        CaseStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.open311() == status)
            .collect()
    }

    /// The lowercase extended status of mySociety's `servicerequestupdates`.
    pub fn extended(self, outcome: Option<Outcome>) -> &'static str {
        match self {
            CaseStatus::Received => "for_triage",
            CaseStatus::Triaged | CaseStatus::Assigned => "open",
            CaseStatus::Acknowledged | CaseStatus::NeedsInfo => "investigating",
            CaseStatus::InProgress | CaseStatus::OnSite => "in_progress",
            CaseStatus::Transferred => "internal_referral",
            CaseStatus::Resolved | CaseStatus::Closed => match outcome {
                Some(o) => o.extended(),
                None => "closed",
            },
            CaseStatus::Rejected => "no_further_action",
            CaseStatus::Duplicate => "duplicate",
            CaseStatus::External => "not_councils_responsibility",
        }
    }
}

impl Outcome {
    pub fn extended(self) -> &'static str {
        match self {
            Outcome::Fixed => "fixed",
            Outcome::NotFixed | Outcome::NoProblemFound => "no_further_action",
            Outcome::NotOurResponsibility => "not_councils_responsibility",
            Outcome::Duplicate => "duplicate",
            Outcome::Deferred => "action_scheduled",
        }
    }
}

/// Days after its resolution in which the reporter or the filing client may reopen a case.
pub const REOPEN_WINDOW_DAYS: i64 = 7;
pub const REOPEN_WINDOW_SECONDS: i64 = REOPEN_WINDOW_DAYS * 86_400;

/// The last instant a case in `status`, resolved or closed at `closed_at`, may be reopened:
/// `None` when it is not resolved or closed, or the time is unknown.
pub fn reopen_until(status: CaseStatus, closed_at: Option<i64>) -> Option<i64> {
    match status {
        CaseStatus::Resolved | CaseStatus::Closed => closed_at.map(|at| at + REOPEN_WINDOW_SECONDS),
        _ => None,
    }
}

/// The answer to a reopen after [`reopen_until`].
pub fn reopen_window_passed() -> Message {
    Message::new("error-reopen-window").arg("days", REOPEN_WINDOW_DAYS.to_string())
}

/// Applies `action` to a case in state `from`, returning the next state or the reason it is
/// illegal. Conditions that need more than the state (time windows, permissions, who is
/// assigned) are checked by the caller in `services`; this function only knows the graph.
pub fn transition(from: CaseStatus, action: Action) -> Result<CaseStatus, DomainError> {
    use Action as A;
    use CaseStatus as S;
    let next = match (action, from) {
        (A::Triage, S::Received) => S::Triaged,
        (A::Assign, S::Received | S::Triaged) => S::Assigned,
        (A::Acknowledge, S::Assigned | S::Transferred) => S::Acknowledged,
        (A::Start, S::Acknowledged) => S::InProgress,
        (A::Arrive, S::Acknowledged | S::InProgress) => S::OnSite,
        (A::LeaveSite, S::OnSite) => S::InProgress,
        (A::RequestInfo, S::Acknowledged | S::InProgress | S::OnSite) => S::NeedsInfo,
        (A::ProvideInfo, S::NeedsInfo) => S::InProgress,
        // A co-sign leaves the status alone; whether one is open is [`cosign_conflict`]'s.
        (A::RequestCosign, S::Acknowledged | S::InProgress | S::OnSite) => from,
        // An open co-sign follows the case through its working states and a reassign.
        (A::CompleteCosign | A::WithdrawCosign, s) if s.is_working() || s == S::Transferred => s,
        (A::Reassign, S::Assigned | S::Acknowledged | S::InProgress | S::Transferred) => {
            S::Transferred
        }
        (A::Resolve, S::Acknowledged | S::InProgress | S::OnSite) => S::Resolved,
        (A::Close, S::Resolved) => S::Closed,
        (A::Reopen, S::Resolved | S::Closed) => S::Assigned,
        (A::Reject, S::Received | S::Triaged | S::Assigned) => S::Rejected,
        (A::MarkDuplicate, s) if !s.is_final() => S::Duplicate,
        (A::TransferExternal, S::Received | S::Triaged | S::Assigned | S::Acknowledged)
        | (A::TransferExternal, S::InProgress) => S::External,
        _ => {
            return Err(DomainError::IllegalTransition {
                from: from.as_str(),
                action: action.as_str(),
            });
        }
    };
    Ok(next)
}

string_enum! {
    /// What staff do to a case, by the name every door uses: the lifecycle actions staff take,
    /// plus assigning a field worker and writing a note, which leave the status alone.
    OperationKind {
        Acknowledge = "acknowledge",
        AssignWorker = "assign_worker",
        Start = "start",
        Arrive = "arrive",
        LeaveSite = "leave_site",
        RequestInfo = "request_info",
        ProvideInfo = "provide_info",
        RequestCosign = "request_cosign",
        CompleteCosign = "complete_cosign",
        WithdrawCosign = "withdraw_cosign",
        Reassign = "reassign",
        TransferExternal = "transfer_external",
        Resolve = "resolve",
        Close = "close",
        Reject = "reject",
        Merge = "merge",
        Note = "note",
        ExtendDeadline = "extend_deadline",
    }
}

impl OperationKind {
    /// Field operations: the assigned field worker may do these, as may the dispatcher.
    pub fn is_field_work(self) -> bool {
        use OperationKind as K;
        matches!(
            self,
            K::Start | K::Arrive | K::LeaveSite | K::Note | K::ProvideInfo | K::Resolve
        )
    }

    /// The lifecycle action, for the operations that change the status.
    pub fn action(self) -> Option<Action> {
        use OperationKind as K;
        Some(match self {
            K::Acknowledge => Action::Acknowledge,
            K::Start => Action::Start,
            K::Arrive => Action::Arrive,
            K::LeaveSite => Action::LeaveSite,
            K::RequestInfo => Action::RequestInfo,
            K::ProvideInfo => Action::ProvideInfo,
            K::RequestCosign => Action::RequestCosign,
            K::CompleteCosign => Action::CompleteCosign,
            K::WithdrawCosign => Action::WithdrawCosign,
            K::Reassign => Action::Reassign,
            K::TransferExternal => Action::TransferExternal,
            K::Resolve => Action::Resolve,
            K::Close => Action::Close,
            K::Reject => Action::Reject,
            K::Merge => Action::MarkDuplicate,
            K::AssignWorker | K::Note | K::ExtendDeadline => return None,
        })
    }
}

/// Why `op` cannot be done while a co-sign is open (`cosign_open`), or while none is: the
/// message id of the refusal. A co-sign is asked for once at a time; only an open one is
/// completed or withdrawn; and nothing that ends the case (resolving it, merging it into
/// another, handing it to a utility) happens while the co-signing department's part is still
/// open. The requester withdraws it first, with a reason.
pub fn cosign_conflict(op: OperationKind, cosign_open: bool) -> Option<&'static str> {
    use OperationKind as K;
    match (op, cosign_open) {
        (K::RequestCosign, true) => Some("error-cosign-already-open"),
        (K::CompleteCosign | K::WithdrawCosign, false) => Some("error-cosign-none"),
        (K::Resolve | K::Merge | K::TransferExternal, true) => Some("error-cosign-open"),
        _ => None,
    }
}

/// Whether staff may do `op` to a case in `status` with a co-sign open or not: the one answer
/// services refuse by and pages offer by. Lifecycle actions follow [`transition`] and
/// [`cosign_conflict`]; a field worker is assigned only once the department has signed for the
/// case and while it is worked on; a note is always possible.
pub fn allowed(op: OperationKind, status: CaseStatus, cosign_open: bool) -> bool {
    if cosign_conflict(op, cosign_open).is_some() {
        return false;
    }
    match op.action() {
        Some(action) => transition(status, action).is_ok(),
        None => match op {
            OperationKind::AssignWorker => status.is_working(),
            // Only an open request's deadline can be extended.
            OperationKind::ExtendDeadline => !status.is_final(),
            _ => true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_usual_path_reaches_closed() {
        let mut s = CaseStatus::Received;
        for a in [
            Action::Triage,
            Action::Assign,
            Action::Acknowledge,
            Action::Start,
            Action::Arrive,
            Action::Resolve,
            Action::Close,
        ] {
            s = transition(s, a).unwrap();
        }
        assert_eq!(s, CaseStatus::Closed);
        assert_eq!(s.open311(), Open311Status::Closed);
    }

    #[test]
    fn closing_an_unassigned_case_is_illegal() {
        let err = transition(CaseStatus::Received, Action::Close).unwrap_err();
        assert_eq!(
            err,
            DomainError::IllegalTransition {
                from: "received",
                action: "close"
            }
        );
        assert!(transition(CaseStatus::Triaged, Action::Resolve).is_err());
        assert!(transition(CaseStatus::Closed, Action::Assign).is_err());
    }

    #[test]
    fn reopen_sends_the_case_back_to_the_department() {
        assert_eq!(
            transition(CaseStatus::Resolved, Action::Reopen),
            Ok(CaseStatus::Assigned)
        );
        assert!(transition(CaseStatus::Rejected, Action::Reopen).is_err());
    }

    #[test]
    fn a_worker_is_assigned_only_to_a_case_being_worked_on() {
        use CaseStatus as S;
        for s in CaseStatus::ALL {
            assert!(allowed(OperationKind::Note, *s, false), "a note on {s}");
            assert!(allowed(OperationKind::Note, *s, true), "a note on {s}");
        }
        assert!(!allowed(OperationKind::AssignWorker, S::Assigned, false));
        assert!(!allowed(OperationKind::AssignWorker, S::Transferred, false));
        assert!(!allowed(OperationKind::AssignWorker, S::Resolved, false));
        assert!(allowed(OperationKind::AssignWorker, S::Acknowledged, false));
        assert!(allowed(OperationKind::AssignWorker, S::OnSite, false));
        assert!(allowed(OperationKind::Merge, S::InProgress, false));
        assert!(!allowed(OperationKind::Merge, S::Closed, false));
        assert!(!allowed(OperationKind::Close, S::InProgress, false));
    }

    #[test]
    fn an_open_co_sign_holds_back_only_what_would_end_the_case() {
        use CaseStatus as S;
        use OperationKind as K;
        // The crew carries on while another department does its part.
        for op in [
            K::Start,
            K::Arrive,
            K::Note,
            K::RequestInfo,
            K::AssignWorker,
        ] {
            assert!(
                allowed(op, S::Acknowledged, true),
                "{op} with a co-sign open"
            );
        }
        assert!(allowed(K::LeaveSite, S::OnSite, true));
        // Nothing ends the case before the co-sign is completed or withdrawn.
        for op in [K::Resolve, K::Merge, K::TransferExternal] {
            assert!(allowed(op, S::InProgress, false), "{op} without a co-sign");
            assert!(
                !allowed(op, S::InProgress, true),
                "{op} with a co-sign open"
            );
            assert_eq!(cosign_conflict(op, true), Some("error-cosign-open"));
        }
        // One co-sign at a time; only an open one is completed or withdrawn.
        assert!(allowed(K::RequestCosign, S::InProgress, false));
        assert!(!allowed(K::RequestCosign, S::InProgress, true));
        for op in [K::CompleteCosign, K::WithdrawCosign] {
            assert!(!allowed(op, S::InProgress, false));
            assert!(allowed(op, S::InProgress, true));
            assert!(allowed(op, S::Transferred, true), "after a reassign");
            assert!(!allowed(op, S::Resolved, true));
        }
        // A co-sign never moves the case's own progress.
        for a in [
            Action::RequestCosign,
            Action::CompleteCosign,
            Action::WithdrawCosign,
        ] {
            assert_eq!(transition(S::OnSite, a), Ok(S::OnSite));
        }
    }

    #[test]
    fn text_round_trips() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(*s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(*o));
        }
    }

    fn any_status() -> impl Strategy<Value = CaseStatus> {
        prop::sample::select(CaseStatus::ALL.to_vec())
    }
    fn any_action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::ALL.to_vec())
    }

    proptest! {
        /// From a final state only two things can happen: a resolved case is closed, or a
        /// resolved/closed case is reopened by the citizen (back to the department).
        #[test]
        fn final_states_are_sticky(from in any_status(), action in any_action()) {
            if from.is_final() && let Ok(next) = transition(from, action) {
                match action {
                    Action::Close => {
                        prop_assert_eq!(from, CaseStatus::Resolved);
                        prop_assert_eq!(next, CaseStatus::Closed);
                    }
                    Action::Reopen => {
                        prop_assert!(matches!(from, CaseStatus::Resolved | CaseStatus::Closed));
                        prop_assert_eq!(next, CaseStatus::Assigned);
                    }
                    other => prop_assert!(false, "{other} left final state {from}"),
                }
            }
        }

        /// Any sequence of legal actions from `received` stays inside the graph and every
        /// state reached maps to an Open311 status consistent with finality.
        #[test]
        fn walks_stay_consistent(actions in prop::collection::vec(any_action(), 0..40)) {
            let mut s = CaseStatus::Received;
            for a in actions {
                if let Ok(next) = transition(s, a) {
                    prop_assert_ne!(next, CaseStatus::Received);
                    s = next;
                }
                prop_assert_eq!(s.open311() == Open311Status::Closed, s.is_final());
            }
        }
    }

    #[test]
    fn a_case_may_be_reopened_for_seven_days_after_its_resolution() {
        let at = 1_000_000;
        let week = 7 * 86_400;
        assert_eq!(
            reopen_until(CaseStatus::Resolved, Some(at)),
            Some(at + week)
        );
        assert_eq!(reopen_until(CaseStatus::Closed, Some(at)), Some(at + week));
        assert_eq!(reopen_until(CaseStatus::Resolved, None), None);
        assert_eq!(reopen_until(CaseStatus::InProgress, Some(at)), None);
        assert_eq!(reopen_window_passed().args, vec![("days", "7".to_string())]);
    }
}
